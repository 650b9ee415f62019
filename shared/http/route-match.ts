/**
 * API Gateway HTTP API route selection: a request goes to the most specific route for its method.
 * Segment by segment, a static segment beats a `{param}`, which beats a greedy `{proxy+}`; so
 * `GET /review-items/summary` wins over `GET /review-items/{id}`, as in API Gateway.
 *
 * The local gateway routes by it (infra/local/routes.ts), and the function behind the HTTP API's `$default` route
 * (functions/no-route.ts) tells a path no route has from a method the path does not take by it, so that both give
 * a request no route takes the same answer.
 */

/** A route as API Gateway matches it: a method and a path template (`/review-items/{id}`). */
export interface RouteTemplate {
  method: string;
  path: string;
}

export interface RouteMatch<R extends RouteTemplate> {
  route: R;
  pathParameters: Record<string, string>;
}

export interface RouteMatcher<R extends RouteTemplate> {
  /** The most specific route that takes this method and path, or undefined when none does. */
  match(method: string, path: string): RouteMatch<R> | undefined;
  /** The methods of the routes that take this path, sorted: the `Allow` of a 405. */
  methods(path: string): string[];
}

/**
 * True for a CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. An API with CORS answers it
 * without invoking a route, unless a route takes OPTIONS on its path, as the `$default` route takes every request.
 */
export function isPreflight(method: string, headers: Record<string, string | undefined>): boolean {
  return (
    method === 'OPTIONS' &&
    headers.origin !== undefined &&
    headers['access-control-request-method'] !== undefined
  );
}

type Segment =
  | { kind: 'static'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

const RANK: Record<Segment['kind'], number> = { static: 0, param: 1, greedy: 2 };

interface CompiledRoute<R> {
  route: R;
  segments: Segment[];
}

export function routeMatcher<R extends RouteTemplate>(routes: readonly R[]): RouteMatcher<R> {
  const compiled = routes.map((route) => ({ route, segments: compileTemplate(route.path) }));
  return {
    match(method, path) {
      const parts = path.split('/').slice(1);
      const candidates = compiled
        .filter((entry) => entry.route.method === method)
        .flatMap((entry) => {
          const pathParameters = bind(entry.segments, parts);
          return pathParameters ? [{ entry, pathParameters }] : [];
        })
        .sort((a, b) => compareSpecificity(a.entry, b.entry));
      const best = candidates[0];
      return best && { route: best.entry.route, pathParameters: best.pathParameters };
    },
    methods(path) {
      const parts = path.split('/').slice(1);
      const methods = compiled
        .filter((entry) => bind(entry.segments, parts) !== undefined)
        .map((entry) => entry.route.method);
      return [...new Set(methods)].sort();
    },
  };
}

function compileTemplate(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((part): Segment => {
      const variable = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(part);
      if (!variable?.[1]) return { kind: 'static', value: part };
      return variable[2] ? { kind: 'greedy', name: variable[1] } : { kind: 'param', name: variable[1] };
    });
}

/** The path parameters when the path fits the template, else undefined. */
function bind(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    if (segment.kind === 'greedy') {
      const rest = parts.slice(index);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      parameters[segment.name] = decode(rest.join('/'));
      return parameters;
    }
    const part = parts[index];
    if (part === undefined) return undefined;
    if (segment.kind === 'static') {
      if (decode(part) !== segment.value) return undefined;
    } else {
      if (part === '') return undefined;
      parameters[segment.name] = decode(part);
    }
  }
  return parts.length === segments.length ? parameters : undefined;
}

function compareSpecificity<R>(a: CompiledRoute<R>, b: CompiledRoute<R>): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let index = 0; index < length; index += 1) {
    const left = a.segments[index];
    const right = b.segments[index];
    if (!left || !right) return left ? -1 : 1;
    const difference = RANK[left.kind] - RANK[right.kind];
    if (difference !== 0) return difference;
  }
  return 0;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
