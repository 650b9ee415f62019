/**
 * The local gateway's route table: the manifest's HTTP routes, selected as API Gateway selects them
 * (shared/http/route-match.ts), each match with the route key and path parameters its event carries.
 */
import { routeMatcher } from '../../shared/http/route-match.js';
import type { FunctionSpec, HttpMethod } from '../manifest.js';

export interface HttpRoute {
  fn: FunctionSpec;
  method: HttpMethod;
  path: string;
  auth: 'jwt' | 'none';
}

export type RouteMatch =
  | { found: true; route: HttpRoute; routeKey: string; pathParameters: Record<string, string> }
  | { found: false };

export interface RouteTable {
  match(method: string, path: string): RouteMatch;
  /** The methods of the routes that take this path, sorted: the `Allow` of a 405. */
  methods(path: string): string[];
}

export function routeTable(routes: HttpRoute[]): RouteTable {
  const matcher = routeMatcher(routes);
  return {
    match(method, path) {
      const best = matcher.match(method, path);
      if (!best) return { found: false };
      const { route, pathParameters } = best;
      return { found: true, route, routeKey: `${route.method} ${route.path}`, pathParameters };
    },
    methods: (path) => matcher.methods(path),
  };
}
