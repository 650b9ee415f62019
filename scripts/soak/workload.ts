/**
 * What the soak proposes: emails (some on a thread, some with an expiry), record updates of a few opportunities and
 * record creations; about a third reuse an earlier dedup key, so they replace its open item (or start a new one when
 * it was decided). Every email's subject carries the run's tag and the proposal's number, so its sends can be found
 * in local SES.
 */
import {
  type DraftProposed,
  draftProposedSchema,
  type MemberChanged,
} from '../../shared/events/in-schemas.js';
import { pick } from './crashes.js';

export interface SoakProposal {
  event: DraftProposed;
}

const FROM = 'alice@acme.com';

export const SOAK_MEMBERS = (workspaceId: string): MemberChanged[] =>
  [
    { userId: 'u_alice', role: 'member' as const, mailboxes: [FROM] },
    { userId: 'u_bob', role: 'member' as const, mailboxes: ['bob@acme.com'] },
    { userId: 'u_admin', role: 'admin' as const, mailboxes: [FROM, 'admin@acme.com'] },
  ].map((m) => ({ ...m, workspaceId, active: true, changedAt: '2026-01-01T00:00:00.000Z' }));

export function proposalFor(
  random: () => number,
  world: { workspaceId: string; tag: string; proposals: SoakProposal[] },
  now: Date,
): SoakProposal {
  const n = world.proposals.length;
  const roll = random();
  const kind = roll < 0.6 ? 'email' : roll < 0.85 ? 'update' : 'create';
  const sameKind = world.proposals.filter((p) => kindOf(p) === kind);
  const dedupKey =
    sameKind.length > 0 && random() < 0.35
      ? (pick(random, sameKind).event.dedupKey as string)
      : `${kind}-${n}`;
  const subject = `${world.tag} p${n}`;
  const run = {
    id: `run_${n}`,
    stepId: 'step_1',
    automationId: kind === 'email' ? 'auto_mail' : 'auto_records',
    automationName: kind === 'email' ? 'Follow-ups' : 'Pipeline hygiene',
    executedAs: kind === 'email' ? { kind: 'user', userId: 'u_alice' } : { kind: 'workspace' },
  };
  const record = `opp_${1 + Math.floor(random() * 4)}`;
  const draft =
    kind === 'email'
      ? {
          type: 'email',
          from: FROM,
          to: ['carol@globex.com'],
          subject,
          bodyText: `Proposal ${n}`,
          ...(random() < 0.4 ? { threadId: `th_${dedupKey}` } : {}),
        }
      : kind === 'update'
        ? {
            type: 'record.update',
            record: {
              type: 'opportunity',
              id: record,
              name: 'Globex renewal',
              ownerId: 'u_bob',
              version: '1',
            },
            changes: [
              { field: 'stage', label: 'Stage', op: 'set', before: 'Negotiation', after: 'Closed Won' },
              { field: 'amount', op: 'set', before: 12_000, after: 15_000 + n },
            ],
          }
        : {
            type: 'record.create',
            record: { type: 'contact', name: `Dave ${n}` },
            fields: [{ field: 'email', label: 'Email', value: `dave${n}@globex.com` }],
          };
  const event = draftProposedSchema.parse({
    workspaceId: world.workspaceId,
    proposedAt: now.toISOString(),
    dedupKey,
    ...(random() < 0.3
      ? { expiresAt: new Date(now.getTime() + (2 + Math.floor(random() * 20)) * 60_000).toISOString() }
      : {}),
    run,
    reason: 'Soak',
    relatedRecords: [{ type: 'account', id: 'acc_1', name: 'Globex', ownerId: 'u_bob' }],
    draft,
  });
  return { event };
}

function kindOf(proposal: SoakProposal): 'email' | 'update' | 'create' {
  const { type } = proposal.event.draft;
  return type === 'email' ? 'email' : type === 'record.update' ? 'update' : 'create';
}
