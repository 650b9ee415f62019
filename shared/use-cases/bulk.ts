/**
 * Bulk decisions (spec 3, Bulk): approve or dismiss up to 25 items in one request. Each item is decided by the very
 * use case its single route calls (approveItem, dismissItem), so it gets its own visibility and permission check,
 * version check and exactly-once guarantee: the claim of an approval is the same conditional write, whoever races
 * it. Each item is answered with its own HTTP status and the item, or the problem details its single route would
 * have answered; one item's failure never blocks or undoes another's.
 */

import { DomainError } from '../errors.js';
import { type Problem, problemFor } from '../http/problem.js';
import type { Caller } from '../http/request.js';
import type { BulkRequest } from '../http/requests.js';
import { logger } from '../logger.js';
import { approveItem, dismissItem } from './decide.js';
import type { SendDeps } from './deps.js';
import type { PresentedItem } from './read-items.js';

/** Items decided at once: a bulk approval is a few SES sends in flight, not 25. */
const IN_FLIGHT = 5;

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
  const results: BulkResult[] = new Array(request.items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < request.items.length; index = next++) {
      results[index] = await decideOne(request.items[index] as BulkRequest['items'][number]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, request.items.length) }, worker));
  return { results };
}
