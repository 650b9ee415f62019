/**
 * `Automation Step Trust Changed` (spec 3, "Trust"; spec 5): after apply-tallies counted a batch, every step whose
 * trust counters the batch touched is looked at again, workspace-wide (every scope's row of its version): when its
 * recommendation differs from the one last published, a `TrustState` record moves to the new one and the event goes
 * into the outbox in the same transaction, conditional on the state being the one read. Two handlers that see the
 * same change: one wins, the other's condition fails and it publishes nothing.
 *
 * It looks at every tally of the batch, counted now or before: a batch the stream hands over again after a crash
 * between the count and this look is looked at again, so no change is missed. The look reads; it writes only when a
 * recommendation changes (rarely, and one record per step: nothing hot). A settings change takes effect at the step's
 * next decision.
 */
import type { TrustRecommendation, TrustSettings } from '../domain/trust.js';
import { trustFigures } from '../domain/trust.js';
import { WriteConflictError } from '../errors.js';
import { stepOfTrustPart, TRUST_DECISIONS_PREFIX, TRUST_HUMAN_PREFIX } from '../use-cases/ports.js';
import { FEEDBACK_ENTITY, feedbackKeys } from './entities/automation-feedback.js';
import { outboxRecord } from './entities/outbox-record.js';
import type { Tally } from './entities/tally.js';
import { escapeKeySegment, tenant } from './key-parts.js';
import type { Attributes, Table } from './table.js';

export const TRUST_STATE_ENTITY = 'TrustState';

interface StepKey {
  workspaceId: string;
  automationId: string;
  automationVersion: string | undefined;
  /** `<draftType>:<stepId>`, as the counters name it. */
  part: string;
}

const stateKey = (step: StepKey) => ({
  pk: `${tenant(step.workspaceId)}#TRUST#${escapeKeySegment(step.automationId)}`,
  sk: `${feedbackKeys.versionPrefix(step.automationVersion)}${escapeKeySegment(step.part)}`,
});

/** The steps whose trust counters these tallies move. */
export function trustStepsOf(tallies: Tally[]): StepKey[] {
  const steps = new Map<string, StepKey>();
  for (const write of tallies.flatMap((tally) => tally.writes)) {
    if (write.set.entity !== FEEDBACK_ENTITY || typeof write.set.workspaceId !== 'string') continue;
    for (const name of Object.keys(write.add)) {
      if (!name.startsWith(TRUST_DECISIONS_PREFIX)) continue;
      const step: StepKey = {
        workspaceId: write.set.workspaceId,
        automationId: String(write.set.automationId),
        automationVersion:
          typeof write.set.automationVersion === 'string' ? write.set.automationVersion : undefined,
        part: name.slice(TRUST_DECISIONS_PREFIX.length),
      };
      steps.set(JSON.stringify(stateKey(step)), step);
    }
  }
  return [...steps.values()];
}

/**
 * Publishes the steps' recommendation changes. Requests per batch: one Query per automation version (its rows, one
 * per scope) and one GetItem of each workspace's settings; per step looked at, one GetItem of its state, plus one
 * transaction when the recommendation changed. Returns how many changed.
 */
export async function publishTrustChanges(
  table: Table,
  tallies: Tally[],
  settingsOf: (workspaceId: string) => Promise<TrustSettings>,
  now: Date,
): Promise<number> {
  let changed = 0;
  // One read of a workspace's settings per batch, however many of its steps the batch moves.
  const settingsRead = new Map<string, Promise<TrustSettings>>();
  const settingsOfOnce = (workspaceId: string) => {
    let read = settingsRead.get(workspaceId);
    if (!read) {
      read = settingsOf(workspaceId);
      settingsRead.set(workspaceId, read);
    }
    return read;
  };
  // One read of a version's rows per batch, however many of its steps the batch moves.
  const rowsRead = new Map<string, Promise<Attributes[]>>();
  const rowsOnce = (step: StepKey) => {
    const pk = feedbackKeys.pk(step.workspaceId, step.automationId);
    const prefix = feedbackKeys.versionPrefix(step.automationVersion);
    let read = rowsRead.get(`${pk}\n${prefix}`);
    if (!read) {
      read = table.queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
        ExpressionAttributeValues: { ':pk': pk, ':v': prefix },
        ConsistentRead: true,
      });
      rowsRead.set(`${pk}\n${prefix}`, read);
    }
    return read;
  };
  for (const step of trustStepsOf(tallies)) {
    const rows = await rowsOnce(step);
    const sum = (prefix: string) =>
      rows.reduce((total, row) => total + (Number(row[`${prefix}${step.part}`]) || 0), 0);
    const settings = await settingsOfOnce(step.workspaceId);
    const figures = trustFigures(sum(TRUST_DECISIONS_PREFIX), sum(TRUST_HUMAN_PREFIX), settings);
    const state = await table.get(stateKey(step));
    const previous = (state?.recommendation as TrustRecommendation | undefined) ?? 'keep_reviewing';
    if (figures.recommendation === previous) continue;
    const seq = (Number(state?.seq) || 0) + 1;
    const detail = {
      workspaceId: step.workspaceId,
      automationId: step.automationId,
      automationVersion: step.automationVersion ?? null,
      ...stepOfTrustPart(step.part),
      recommendation: figures.recommendation,
      previous,
      decisions: figures.decisions,
      neededHuman: figures.neededHuman,
      neededHumanRate: figures.neededHumanRate,
      upperBound: figures.upperBound,
      maxHumanRate: settings.maxHumanRate,
      minDecisions: settings.minDecisions,
      at: now.toISOString(),
    };
    const stateRecord: Attributes = {
      ...stateKey(step),
      entity: TRUST_STATE_ENTITY,
      recommendation: figures.recommendation,
      seq,
      changedAt: detail.at,
    };
    const outboxId = `TRUST#${escapeKeySegment(step.automationId)}#${stateKey(step).sk}#${seq}`;
    try {
      await table.transact([
        {
          Put: {
            TableName: table.name,
            Item: stateRecord,
            ConditionExpression: state ? 'seq = :seq' : 'attribute_not_exists(pk)',
            ...(state ? { ExpressionAttributeValues: { ':seq': state.seq } } : {}),
          },
        },
        {
          Put: {
            TableName: table.name,
            Item: outboxRecord(
              step.workspaceId,
              outboxId,
              [{ detailType: 'Automation Step Trust Changed', detail }],
              now,
            ),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
      changed += 1;
    } catch (error) {
      // Another handler moved the state first: it published the change.
      if (!(error instanceof WriteConflictError) || error.inFlightOnly) throw error;
    }
  }
  return changed;
}
