/**
 * Middy middleware: each workspace's share of the API (spec 3, "Trust boundaries"). A JWT route counts the
 * caller's workspace's request in a fixed window (shared/store/entities/workspace-rate.ts) before anything else
 * runs; over the limit, the request is answered 429 with `Retry-After` (seconds to the window's end) and problem
 * details, and the handler never runs. None for a public route, nor when WORKSPACE_RATE_LIMIT is unset (the stack
 * always sets it).
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { documentClient } from '../aws-clients.js';
import { optionalEnv, tableName } from '../config.js';
import { countWorkspaceThrottled } from '../observability.js';
import { countRequest, type RateWindow } from '../store/entities/workspace-rate.js';
import { PROBLEM_TYPE_BASE, problemResponse } from './problem.js';
import { callerOf } from './request.js';
import type { RouteSpec } from './route.js';

/** The window of WORKSPACE_RATE_LIMIT when WORKSPACE_RATE_WINDOW_SECONDS is unset. */
export const DEFAULT_RATE_WINDOW_SECONDS = 60;

/** The limit from the environment, once; `undefined` when there is none. */
export function rateWindowFromEnv(env: NodeJS.ProcessEnv = process.env): RateWindow | undefined {
  const limit = optionalEnv('WORKSPACE_RATE_LIMIT', env);
  if (limit === undefined) return undefined;
  const windowSeconds = Number(
    optionalEnv('WORKSPACE_RATE_WINDOW_SECONDS', env) ?? DEFAULT_RATE_WINDOW_SECONDS,
  );
  const window = { limit: Number(limit), windowSeconds };
  if (
    !Number.isInteger(window.limit) ||
    window.limit < 1 ||
    !Number.isInteger(windowSeconds) ||
    windowSeconds < 1
  )
    throw new Error(
      `WORKSPACE_RATE_LIMIT (${limit}) and WORKSPACE_RATE_WINDOW_SECONDS (${windowSeconds}) must be whole numbers of at least 1`,
    );
  return window;
}

export function workspaceLimit(
  route: RouteSpec,
  window: RateWindow | undefined = rateWindowFromEnv(),
  clock: () => Date = () => new Date(),
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> | undefined {
  if (route.auth !== 'jwt' || window === undefined) return undefined;
  const db = documentClient();
  const table = tableName();
  return {
    before: async (request) => {
      const { workspaceId } = callerOf(request.event);
      const retryAfter = await countRequest(db, table, workspaceId, window, clock());
      if (retryAfter === undefined) return undefined;
      countWorkspaceThrottled();
      const response = problemResponse({
        type: `${PROBLEM_TYPE_BASE}too-many-requests`,
        title: 'Too many requests',
        status: 429,
        detail: `This workspace made its ${window.limit} requests of this ${window.windowSeconds}-second window; retry after ${retryAfter} s.`,
      });
      return { ...response, headers: { ...response.headers, 'retry-after': String(retryAfter) } };
    },
  };
}
