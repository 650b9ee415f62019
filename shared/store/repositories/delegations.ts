/**
 * Delegations (DelegationRepository): a member's delegation is written on the member record and its mailbox
 * records (where routing reads it), with the workspace's away row and the job that walks the member's queue, in one
 * transaction conditional on the member as read. The job reads the queue a page at a time and the page's items in
 * one BatchGetItem, so a walk costs about 2 reads per page and one item change per item that changes.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Delegation, Member, ReviewItem } from '../../domain/review-item.js';
import { WriteConflictError } from '../../errors.js';
import type { DelegationJob, DelegationRepository, QueueCursor, QueuePage } from '../../use-cases/ports.js';
import {
  awayRecord,
  DELEGATION_DUE_PK,
  delegationJobConditions,
  delegationJobRecord,
  delegationKeys,
  parseDelegationJob,
} from '../entities/delegation.js';
import { queryDue } from '../entities/due.js';
import { mailboxDelegationUpdates } from '../entities/mailbox.js';
import { memberConditions, memberKeys } from '../entities/member.js';
import { queueKeys } from '../entities/queue-entry.js';
import { itemKeys, parseItem } from '../entities/review-item.js';
import { withTenant } from '../entities/tenant.js';
import { isConditionalFailure, type Table, type TransactItem } from '../table.js';

export class DynamoDelegationRepository implements Omit<DelegationRepository, 'awayMembers'> {
  constructor(private readonly table: Table) {}

  async setDelegation(
    member: Member,
    delegation: Delegation | undefined,
    job: DelegationJob,
  ): Promise<boolean> {
    const { workspaceId, userId } = member;
    const name = this.table.name;
    const condition = memberConditions.unchangedSince(member);
    const ops: TransactItem[] = [
      {
        Update: {
          TableName: name,
          Key: memberKeys.member(workspaceId, userId),
          ...(delegation
            ? { UpdateExpression: 'SET delegation = :delegation' }
            : { UpdateExpression: 'REMOVE delegation' }),
          ConditionExpression: `attribute_exists(pk) AND active = :active AND ${condition.ConditionExpression}`,
          ExpressionAttributeValues: {
            ...condition.ExpressionAttributeValues,
            ':active': true,
            ...(delegation ? { ':delegation': delegation } : {}),
          },
        },
      },
      ...mailboxDelegationUpdates(name, member, delegation).map((Update) => ({ Update }) as TransactItem),
      delegation
        ? { Put: { TableName: name, Item: awayRecord(workspaceId, { userId, delegation }) } }
        : { Delete: { TableName: name, Key: delegationKeys.away(workspaceId, userId) } },
      { Put: { TableName: name, Item: delegationJobRecord(job) } },
    ];
    try {
      await this.table.transact(ops);
      return true;
    } catch (error) {
      if (error instanceof WriteConflictError) return false;
      throw error;
    }
  }

  async dueDelegationJobs(until: string, limit: number): Promise<DelegationJob[]> {
    return (await queryDue(this.table, DELEGATION_DUE_PK, until, limit)).map(parseDelegationJob);
  }

  async getDelegationJob(workspaceId: string, userId: string) {
    const record = await this.table.get(delegationKeys.job(workspaceId, userId));
    return record ? parseDelegationJob(record) : undefined;
  }

  async saveDelegationJob(job: DelegationJob): Promise<boolean> {
    return this.conditional(() =>
      this.table.db.send(
        new PutCommand({
          TableName: this.table.name,
          Item: withTenant(delegationJobRecord(job)),
          ...delegationJobConditions.serves(job.jobId),
        }),
      ),
    );
  }

  async finishDelegationJob(job: DelegationJob): Promise<boolean> {
    return this.conditional(() =>
      this.table.db.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: delegationKeys.job(job.workspaceId, job.userId),
          ...delegationJobConditions.serves(job.jobId),
        }),
      ),
    );
  }

  async queuePage(
    workspaceId: string,
    userId: string,
    cursor: QueueCursor | null,
    limit: number,
  ): Promise<QueuePage> {
    const out = await this.table.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': queueKeys.pk(workspaceId, userId) },
      ProjectionExpression: 'pk, sk, summary.id',
      ConsistentRead: true,
      Limit: limit,
      ...(cursor ? { ExclusiveStartKey: cursor } : {}),
    });
    const itemIds = (out.Items ?? []).flatMap((row) => {
      const id = (row.summary as { id?: unknown } | undefined)?.id;
      return typeof id === 'string' ? [id] : [];
    });
    const last = out.LastEvaluatedKey;
    return { itemIds, next: last ? { pk: String(last.pk), sk: String(last.sk) } : null };
  }

  async getItems(workspaceId: string, itemIds: string[]): Promise<ReviewItem[]> {
    const rows = await this.table.batchGet(itemIds.map((id) => itemKeys.item(workspaceId, id)));
    return rows.map(parseItem);
  }

  private async conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.table.write(write);
      return true;
    } catch (error) {
      if (isConditionalFailure(error)) return false;
      throw error;
    }
  }
}
