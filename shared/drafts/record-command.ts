/**
 * What the two record kinds share: an approval is a command the CRM applies (spec 3, "Record drafts: drift, moot,
 * apply"; spec 5). The approval claims the item (`applying`, with a fresh applyId) and writes the
 * `Record Change Approved` command with the claim (the outbox publishes it); the CRM's answer settles it
 * (shared/use-cases/record-apply.ts); an unanswered command is published again with the same applyId.
 *
 * The command names the approved changes (update) or fields (create) with the values to write, each kind building its
 * own part (`CommandBody`); docs/record-apply.md is the CRM's side of the protocol. The CRM applies each `applyId` at
 * most once: a command published again carries the same applyId.
 */
import { createHash } from 'node:crypto';
import { applyClaimed } from '../domain/lifecycle.js';
import type { ReviewItem } from '../domain/review-item.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { ApproveContext, ApproveOptions, SettlePath } from './kind.js';

/** How long the CRM has to answer a command before it is published again (spec 3: 5 minutes apart). */
export const REPUBLISH_AFTER_MS = 5 * 60 * 1000;

/** A record kind's part of the command: the operation, the record and the approved parts with their values. */
export type CommandBody<D> = (draft: D, approved: ReadonlySet<string>) => Record<string, unknown>;

/** SHA-256 (hex) of a draft's JSON as stored: what names the approved draft in the approved entry. */
const digestOf = (draft: unknown): string => createHash('sha256').update(JSON.stringify(draft)).digest('hex');

/** The `Record Change Approved` command for the item as claimed (`applying`). */
export function commandOf<D>(item: ReviewItem & { draft: D }, body: CommandBody<D>): Record<string, unknown> {
  const { apply } = item;
  if (!apply) throw new Error(`Item ${item.id} has no apply attempt`);
  return {
    applyId: apply.applyId,
    approvedBy: apply.by,
    approvedAt: apply.claimedAt,
    publication: apply.publications,
    ...body(item.draft, new Set(apply.fields)),
  };
}

/** What the approval of a record kind's draft checks: its parts, and which of them drifted. */
interface CommandKind<D> {
  fieldsOf(draft: D): string[];
  drifted(draft: D): string[];
}

/**
 * A record draft's approval. `fields` applies just the named parts, drifted ones included on purpose; a plain
 * approve applies every part, and answers 409 naming the drifted ones when there are any (`drifted`).
 */
export async function approveByCommand<D>(
  context: ApproveContext<D>,
  kind: CommandKind<D> & { body: CommandBody<D> },
): Promise<ReviewItem> {
  const { item, now } = context;
  const fields = approvedFields(item, context.options, kind);
  const applying = applyClaimed(item, {
    applyId: `ap_${context.newId()}`,
    by: context.userId,
    claimedAt: now.toISOString(),
    fields,
    publications: 1,
    nextAt: new Date(now.getTime() + REPUBLISH_AFTER_MS).toISOString(),
  }) as ReviewItem & { draft: D };
  // The approved entry holds what is sent, the command with every value it applies, and the digest of the draft it
  // was built from: a copy of the draft besides the command could take two drafts' size (docs/table-design.md,
  // "Item size"). The draft itself is the one the latest earlier entry with a draft holds (every change of the
  // draft writes one); the digest names it.
  await context.commit(item, applying, 'approved', {
    detail: {
      applyId: applying.apply?.applyId ?? '',
      fields: fields.join(','),
      draftSha256: digestOf(item.draft),
    },
    event: { type: 'Record Change Approved', extra: commandOf(applying, kind.body) },
  });
  return applying;
}

/**
 * What an approval applies: the parts `options.fields` names (each must exist), or every part when none drifted.
 * Throws the approval's 400 or 409 otherwise.
 */
export function approvedFields<D>(
  item: ReviewItem & { draft: D },
  options: ApproveOptions,
  kind: CommandKind<D>,
): string[] {
  const all = kind.fieldsOf(item.draft);
  let fields = all;
  if (options.fields !== undefined) {
    const unknown = options.fields.filter((field) => !all.includes(field));
    if (unknown.length > 0) {
      throw new ValidationError(
        'The draft has no change for these fields',
        unknown.map((field) => ({ path: 'fields', message: `no change for ${field}` })),
      );
    }
    fields = all.filter((field) => options.fields?.includes(field));
  } else {
    const drifted = kind.drifted(item.draft);
    if (drifted.length > 0) {
      throw new ConflictError(
        `The record changed since the draft was made: ${drifted.join(', ')} now hold other values. Approve with ` +
          '"fields" naming the changes to apply (drifted ones included on purpose), or edit them first.',
        { status: item.status, version: item.version },
        { drifted },
      );
    }
  }
  return fields;
}

/** The settle path of a record kind: the CRM's answers, and its command published again. */
export const settleByCommand = <D>(
  body: CommandBody<D>,
  settle: Pick<SettlePath<D>, 'appliedResult' | 'rejectedDraft'>,
): SettlePath<D> => ({ ...settle, command: (item) => commandOf(item, body) });
