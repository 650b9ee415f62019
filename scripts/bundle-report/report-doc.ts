/** The part of docs/performance.md that `npm run bundle-report` owns: between two markers, rewritten whole. */

export const BEGIN = '<!-- bundle-report:begin (written by npm run bundle-report; edits here are lost) -->';
export const END = '<!-- bundle-report:end -->';

/** `doc` with the marked section replaced by `lines` (the markers appended under a Bundles heading if absent). */
export function rewriteSection(doc: string, lines: string[]): string {
  const section = `${BEGIN}\n${lines.join('\n')}\n${END}`;
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin === -1 || end === -1 || end < begin) {
    const base = doc.trimEnd();
    return `${base}${base ? '\n\n' : '# Performance\n\n'}## Bundles\n\n${section}\n`;
  }
  return `${doc.slice(0, begin)}${section}${doc.slice(end + END.length)}`;
}
