/**
 * The `Record Change Approved` command (SPEC 5): what the CRM applies for an approved record draft, built from the
 * item as claimed (`applying`). docs/record-apply.md is the CRM's side of the protocol.
 *
 * - an update names the record, the version the automation read (`baseVersion`) and the approved changes, each
 *   with the value to write (the reviewer's edit, else the proposal) and, for `set`, what the automation saw;
 * - a creation names the record type and the approved fields with their values.
 * The CRM applies each `applyId` at most once: a command published again carries the same applyId.
 */
import type { ReviewItem } from '../domain/review-item.js';
import { createdValueOf } from './record-create/index.js';
import { intentOf } from './record-update/index.js';

export function recordCommand(item: ReviewItem): Record<string, unknown> {
  const { draft, apply } = item;
  if (!apply) throw new Error(`Item ${item.id} has no apply attempt`);
  const approved = new Set(apply.fields);
  const common = {
    applyId: apply.applyId,
    approvedBy: apply.by,
    approvedAt: apply.claimedAt,
    publication: apply.publications,
  };
  if (draft.type === 'record.update') {
    return {
      ...common,
      operation: 'update',
      record: {
        type: draft.record.type,
        id: draft.record.id,
        ...(draft.record.version ? { baseVersion: draft.record.version } : {}),
      },
      changes: draft.changes
        .filter((change) => approved.has(change.field))
        .map((change) => ({ field: change.field, ...intentOf(change), edited: change.edit !== undefined })),
    };
  }
  if (draft.type === 'record.create') {
    return {
      ...common,
      operation: 'create',
      record: { type: draft.record.type, ...(draft.record.name ? { name: draft.record.name } : {}) },
      fields: draft.fields
        .filter((field) => approved.has(field.field))
        .map((field) => ({
          field: field.field,
          value: createdValueOf(field),
          edited: field.edit !== undefined,
        })),
    };
  }
  throw new Error(`Item ${item.id} is not a record draft`);
}
