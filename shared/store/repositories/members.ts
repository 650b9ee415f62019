/**
 * The member directory (MemberRepository): members and their mailbox lookups, and the reads that route a
 * proposal or answer a caller in one request (a member with the automation's entry, or with the automation names).
 */
import type { Member } from '../../domain/review-item.js';
import { compareTimes } from '../../domain/time.js';
import { WriteConflictError } from '../../errors.js';
import type { MemberAndNames, MemberRepository, ProposalReads } from '../../use-cases/ports.js';
import { automationKeys, parseAutomationEntry } from '../entities/automation-entry.js';
import { automationNameKeys, namesOf } from '../entities/automation-names.js';
import { mailboxKeys, mailboxUpdates, membersOfMailbox } from '../entities/mailbox.js';
import {
  MEMBER_ENTITY,
  memberConditions,
  memberKeys,
  memberRecord,
  parseMember,
} from '../entities/member.js';
import type { Attributes, Table, TableKey, TransactItem } from '../table.js';

/** Attempts of a member change that keeps losing races with other changes of the same member. */
const MEMBER_ATTEMPTS = 5;

export class DynamoMemberRepository implements MemberRepository {
  constructor(private readonly table: Table) {}

  async getMember(workspaceId: string, userId: string): Promise<Member | undefined> {
    const record = await this.table.get(memberKeys.member(workspaceId, userId));
    return record ? parseMember(record) : undefined;
  }

  /**
   * Writes the member and moves it in the mailbox lookups, in one transaction conditional on the member record as
   * read; an older or equal `changedAt` than the stored one changes nothing. Returns whether it wrote.
   */
  async saveMemberIfNewer(member: Member): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.getMember(member.workspaceId, member.userId);
      if (stored && compareTimes(stored.changedAt, member.changedAt) >= 0) return false;
      // The directory knows nothing of delegations: the member's own stays as it is (and follows its mailboxes).
      const next: Member = stored?.delegation ? { ...member, delegation: stored.delegation } : member;
      const ops: TransactItem[] = [
        {
          Put: {
            TableName: this.table.name,
            Item: memberRecord(next),
            ...(stored ? memberConditions.unchangedSince(stored) : memberConditions.isNew()),
          },
        },
        ...mailboxUpdates(this.table.name, stored, next).map((Update) => ({ Update }) as TransactItem),
      ];
      try {
        await this.table.transact(ops);
        return true;
      } catch (error) {
        if (!(error instanceof WriteConflictError) || attempt >= MEMBER_ATTEMPTS) throw error;
      }
    }
  }

  async candidates(workspaceId: string, userIds: string[], mailboxes: string[]): Promise<Member[]> {
    return (await this.readCandidates(workspaceId, userIds, mailboxes, [])).candidates;
  }

  async proposalReads(
    workspaceId: string,
    userIds: string[],
    mailboxes: string[],
    automationId: string,
  ): Promise<ProposalReads> {
    const entryKey = automationKeys.workspaceEntry(workspaceId, automationId);
    const { candidates, rows } = await this.readCandidates(workspaceId, userIds, mailboxes, [entryKey]);
    const entry = rows.find((row) => row.pk === entryKey.pk && row.sk === entryKey.sk);
    const listedName = entry ? (parseAutomationEntry(entry).listedName ?? null) : null;
    return { candidates, listedName };
  }

  /** The members by id and by mailbox, with `extra` records read in the same BatchGetItem. */
  private async readCandidates(
    workspaceId: string,
    userIds: string[],
    mailboxes: string[],
    extra: TableKey[],
  ): Promise<{ candidates: Member[]; rows: Attributes[] }> {
    const users = [...new Set(userIds)];
    const addresses = [...new Set(mailboxes.map((m) => m.toLowerCase()))];
    const rows = await this.table.batchGet([
      ...users.map((userId) => memberKeys.member(workspaceId, userId)),
      ...addresses.map((mailbox) => mailboxKeys.mailbox(workspaceId, mailbox)),
      ...extra,
    ]);
    const byUser = new Map<string, Member>();
    for (const row of rows)
      if (row.entity === MEMBER_ENTITY) byUser.set(String(row.userId), parseMember(row));
    for (const address of addresses) {
      const row = rows.find((r) => r.pk === mailboxKeys.mailbox(workspaceId, address).pk);
      for (const { userId, role, delegation } of row ? membersOfMailbox(row) : []) {
        const known = byUser.get(userId);
        if (known) {
          if (!known.mailboxes.includes(address))
            byUser.set(userId, { ...known, mailboxes: [...known.mailboxes, address] });
        } else {
          byUser.set(userId, {
            workspaceId,
            userId,
            role,
            mailboxes: [address],
            active: true,
            changedAt: '',
            ...(delegation ? { delegation } : {}),
          });
        }
      }
    }
    return { candidates: [...byUser.values()], rows };
  }

  async memberAndNames(workspaceId: string, userId: string): Promise<MemberAndNames> {
    const memberKey = memberKeys.member(workspaceId, userId);
    const rows = await this.table.batchGet([memberKey, ...automationNameKeys.all(workspaceId)]);
    const memberRow = rows.find((row) => row.pk === memberKey.pk && row.sk === memberKey.sk);
    return {
      member: memberRow ? parseMember(memberRow) : undefined,
      names: namesOf(workspaceId, rows),
    };
  }
}
