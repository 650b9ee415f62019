/**
 * Bulk decisions (spec 3, Bulk): approve or dismiss up to 25 items in one request. Each item is decided by the very
 * use case its single route calls (approveItem, dismissItem), so it gets its own visibility and permission check,
 * version check and exactly-once guarantee: the claim of an approval is the same conditional write, whoever races
 * it. Each item is answered with its own HTTP status and the item, or the problem details its single route would
 * have answered; one item's failure never blocks or undoes another's.
 */

import { DomainError } from '../errors.js';
import { PROBLEM_TYPE_BASE, type Problem, problemFor } from '../http/problem.js';
import type { Caller } from '../http/request.js';
import type { BulkRequest } from '../http/requests.js';
import { logger } from '../logger.js';
import { approveItem, dismissItem } from './decide.js';
import type { SendDeps } from './deps.js';
import type { PresentedItem } from './read-items.js';

/** Items decided at once: a bulk approval is a few SES sends in flight, not 25. */
const IN_FLIGHT = 5;
/**
 * API Gateway answers 504 at 30 s whatever the function is doing, and the function's timeout is 29 s
 * (infra/manifest.ts). An item is started only within this many ms of the request's start, so the slowest
 * approval started last (SES's connect and request timeouts, 3 + 10 s, its throttling backoffs, 3 s, and the
 * item's writes) still ends before both: the answer is never the gateway's 504 while a send goes on.
 */
export const BULK_START_WITHIN_MS = 10_000;

export type BulkResult =
  | { id: string; status: number; item: PresentedItem }
  | { id: string; status: number; problem: Problem };

export async function decideItems(
  deps: SendDeps,
  caller: Caller,
  request: BulkRequest,
): Promise<{ results: BulkResult[] }> {
  // The send hold (spec 3) is read once for the bulk: each item is scheduled or executed as approved alone.
  const settings =
    request.action === 'approve' ? await deps.store.getSettings(caller.workspaceId) : undefined;
  const decideOne = async ({ id, version }: BulkRequest['items'][number]): Promise<BulkResult> => {
    try {
      const item =
        request.action === 'approve'
          ? await approveItem(deps, caller, id, { ...(version !== undefined ? { version } : {}) }, settings)
          : await dismissItem(deps, caller, id, {
              ...(version !== undefined ? { version } : {}),
              ...(request.reason !== undefined ? { reason: request.reason } : {}),
              ...(request.note !== undefined ? { note: request.note } : {}),
            });
      return { id, status: 200, item };
    } catch (error) {
      if (!(error instanceof DomainError))
        logger.error('Bulk decision of an item failed', { itemId: id, error: error as Error });
      const problem = problemFor(error);
      return { id, status: problem.status, problem };
    }
  };
  const startBy = deps.clock().getTime() + BULK_START_WITHIN_MS;
  const results: BulkResult[] = new Array(request.items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < request.items.length; index = next++) {
      const entry = request.items[index] as BulkRequest['items'][number];
      results[index] = deps.clock().getTime() < startBy ? await decideOne(entry) : notStarted(entry.id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, request.items.length) }, worker));
  return { results };
}

/** An item the request had no time left to start: untouched, so sending it again decides it. */
function notStarted(id: string): BulkResult {
  const problem: Problem = {
    type: `${PROBLEM_TYPE_BASE}not-started`,
    title: 'Not started',
    status: 503,
    detail: 'The request ran out of time before this item was decided; nothing changed. Send it again.',
  };
  return { id, status: problem.status, problem };
}
