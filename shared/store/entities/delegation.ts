/**
 * The records beside a member's delegation (the delegation itself is on the `Member` record and its mailbox
 * records, where routing reads it):
 * - `Away`: one row per delegating member in the workspace's `AWAY` partition, what "who is away and who covers"
 *   reads (one Query, the size of the workspace's delegations, not of its items);
 * - `DelegationJob`: the walk of the member's queue that brings their open items in line with the delegation, in
 *   the `due` index (a shard of `DUE#DELEGATION`) while it has work: now after a PUT or DELETE, and at `until` to end it. It
 *   holds the queue position it reached, so a walk that stops resumes there.
 */
import * as z from 'zod/mini';
import type { Delegation } from '../../domain/review-item.js';
import type { DelegationJob } from '../../use-cases/ports.js';
import { escapeKeySegment, tenant } from '../key-parts.js';
import type { Attributes, TableKey } from '../table.js';
import { dueShardKey } from './due.js';
import { delegationRecord, parseRecord } from './record-schemas.js';

export const AWAY_ENTITY = 'Away';
export const DELEGATION_JOB_ENTITY = 'DelegationJob';
export const DELEGATION_DUE_PK = 'DUE#DELEGATION';

export const delegationKeys = {
  awayPk: (workspaceId: string) => `${tenant(workspaceId)}#AWAY`,
  away: (workspaceId: string, userId: string): TableKey => ({
    pk: delegationKeys.awayPk(workspaceId),
    sk: `U#${escapeKeySegment(userId)}`,
  }),
  job: (workspaceId: string, userId: string): TableKey => ({
    pk: `${tenant(workspaceId)}#DELEGATION#${escapeKeySegment(userId)}`,
    sk: 'JOB',
  }),
  dueSk: (at: string, workspaceId: string, userId: string) =>
    `${at}#${escapeKeySegment(workspaceId)}#${escapeKeySegment(userId)}`,
};

interface AwayRow {
  userId: string;
  delegation: Delegation;
}

export const awayRecord = (workspaceId: string, row: AwayRow): Attributes => ({
  ...delegationKeys.away(workspaceId, row.userId),
  entity: AWAY_ENTITY,
  userId: row.userId,
  delegation: row.delegation,
});

const awaySchema = z.object({ userId: z.string(), delegation: delegationRecord });
export const parseAway = (record: Attributes): AwayRow => parseRecord(awaySchema, record, 'away row');

export const delegationJobRecord = (job: DelegationJob): Attributes => ({
  ...delegationKeys.job(job.workspaceId, job.userId),
  entity: DELEGATION_JOB_ENTITY,
  ...job,
  duePk: dueShardKey(
    DELEGATION_DUE_PK,
    `${escapeKeySegment(job.workspaceId)}#${escapeKeySegment(job.userId)}`,
  ),
  dueSk: delegationKeys.dueSk(job.dueAt, job.workspaceId, job.userId),
});

const jobSchema = z.object({
  workspaceId: z.string(),
  userId: z.string(),
  jobId: z.string(),
  dueAt: z.string(),
  cursor: z.nullable(z.object({ pk: z.string(), sk: z.string() })),
});
export const parseDelegationJob = (record: Attributes): DelegationJob =>
  parseRecord(jobSchema, record, 'delegation job');

export const delegationJobConditions = {
  /** The job still serves the delegation change it was read for. */
  serves: (jobId: string) => ({
    ConditionExpression: 'jobId = :jobId',
    ExpressionAttributeValues: { ':jobId': jobId },
  }),
};
