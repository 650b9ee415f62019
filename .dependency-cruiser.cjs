/**
 * The layers, as rules (npm run deps, in .ci/run): no import cycle anywhere; shared/ (what the functions are built
 * from) never reaches into infra/, scripts/, test/ or functions/; a function is its handler and what shared/ gives
 * it; scripts do not borrow from the tests; infra/ wires functions by their entry files' paths, never by importing
 * them. Rules: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A module that reaches itself again through its imports: one of the cycle must move down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-stays-below',
      severity: 'error',
      comment:
        'shared/ is what the functions are built from: it imports nothing of infra/, scripts/, test/ or functions/.',
      from: { path: '^shared/' },
      to: { path: '^(infra|scripts|test|functions)/' },
    },
    {
      name: 'functions-use-shared',
      severity: 'error',
      comment:
        'A function is its handler and what shared/ gives it: nothing of infra/, test/ or another function.',
      from: { path: '^functions/' },
      to: { path: '^(infra|test|scripts|functions)/' },
    },
    {
      name: 'scripts-borrow-no-tests',
      severity: 'error',
      comment:
        'Scripts do not import tests: what both need lives in scripts/lib/ (or shared/), and the tests import it.',
      from: { path: '^scripts/' },
      to: { path: '^test/' },
    },
    {
      name: 'infra-wires-by-path',
      severity: 'error',
      comment:
        'infra/ names functions by their entry files (manifest entryOf) and never imports them or the tests.',
      from: { path: '^infra/' },
      to: { path: '^(test|functions)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|\\.local|\\.bench|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
