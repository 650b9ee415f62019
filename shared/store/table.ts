/**
 * The table as the entities see it: the document client, the table name, and the few request shapes every
 * entity uses (get, query, transact). Conditional failures become domain errors here, once:
 * a lost transaction is a WriteConflictError carrying the old records DynamoDB returned (ALL_OLD).
 */
import { TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  ExecuteStatementCommand,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { crashPoint } from '../crash-points.js';
import { WriteConflictError } from '../errors.js';
import { withTenantOp } from './entities/tenant.js';

export type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];
export type Attributes = Record<string, unknown>;
export interface TableKey {
  pk: string;
  sk: string;
}

/**
 * Attempts of a transaction cancelled only because another one was in flight on the same items, with full jitter
 * between them (a random wait up to a cap that doubles from 25 ms to 800 ms): about 1.6 s at most in all, long past
 * any one commit, so racing writers spread out instead of meeting again.
 */
export const TRANSACTION_CONFLICT_ATTEMPTS = 7;
const CONFLICT_BACKOFF_MS = { base: 25, max: 800 };
/** DynamoDB's limit on the actions of one transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;
/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_KEYS = 100;

export class Table {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  async get(key: TableKey): Promise<Attributes | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  /** Strongly consistent reads of many keys, in requests of 100; keys DynamoDB left unprocessed are read again. */
  async batchGet(keys: TableKey[]): Promise<Attributes[]> {
    const rows: Attributes[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
      let pending: TableKey[] = keys.slice(start, start + BATCH_GET_KEYS);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } } }),
        );
        rows.push(...(out.Responses?.[this.name] ?? []));
        pending = (out.UnprocessedKeys?.[this.name]?.Keys ?? []) as TableKey[];
      }
    }
    return rows;
  }

  async query(input: Omit<QueryCommandInput, 'TableName'>) {
    return this.db.send(new QueryCommand({ ...input, TableName: this.name }));
  }

  /** Every row of a query, one request per MB. Only for partitions whose size is bounded by design. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Attributes[]> {
    const rows: Attributes[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.query({ ...input, ExclusiveStartKey });
      rows.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return rows;
  }

  /**
   * A PartiQL SELECT, every page. One request reads several partitions of an index (`WHERE pk IN [?, ?]`), where
   * a Query reads one. Only ever with the partition key in the WHERE clause, so it never scans.
   */
  async selectAll(statement: string, parameters: unknown[]): Promise<Attributes[]> {
    const rows: Attributes[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.db.send(
        new ExecuteStatementCommand({ Statement: statement, Parameters: parameters, NextToken }),
      );
      rows.push(...(out.Items ?? []));
      NextToken = out.NextToken;
    } while (NextToken);
    return rows;
  }

  /**
   * A single write (PutItem, UpdateItem, DeleteItem). DynamoDB refuses one with TransactionConflictException while a
   * transaction commits on its item: that says nothing about the item's state, so it is retried as a transaction
   * cancelled for a conflict is. Any other error, a failed condition included, is the caller's.
   */
  async write<T>(send: () => Promise<T>): Promise<T> {
    crashPoint('store.write.before');
    for (let attempt = 1; ; attempt++) {
      let out: T;
      try {
        out = await send();
      } catch (error) {
        if (!(error instanceof TransactionConflictException) || attempt >= TRANSACTION_CONFLICT_ATTEMPTS)
          throw error;
        await sleep(fullJitter(attempt));
        continue;
      }
      crashPoint('store.write.after');
      return out;
    }
  }

  /**
   * Runs one transaction. A cancellation because another transaction was in flight on the same items
   * (`TransactionConflict`, with no condition failing) says nothing about the items' state, so it is retried a
   * few times with jitter: otherwise two concurrent claims could both be cancelled and nobody would win.
   * A failed condition is a lost race and becomes a WriteConflictError carrying the old records (ALL_OLD); a
   * cancellation for an invalid action is thrown as DynamoDB gave it. Every record it writes under a workspace's
   * keys gets the tenant index attributes here (entities/tenant.ts).
   */
  async transact(items: TransactItem[]): Promise<void> {
    crashPoint('store.transact.before');
    const TransactItems = items.map(withTenantOp);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems }));
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        // An invalid action (a record over DynamoDB's item size) is not a lost race: retrying cannot help.
        if (reasons.some((r) => r.Code === 'ValidationError')) throw error;
        const conflict = new WriteConflictError(
          'A conditional write lost a race',
          reasons.map((r) => r.Code),
          { cause: error },
        );
        if (conflict.inFlightOnly && attempt < TRANSACTION_CONFLICT_ATTEMPTS) {
          await sleep(fullJitter(attempt));
          continue;
        }
        // Cancellation reasons carry raw attribute values (ALL_OLD); unmarshall them like the document client would.
        conflict.oldRecords = reasons.flatMap((r) => (r.Item ? [unmarshall(r.Item)] : []));
        throw conflict;
      }
      crashPoint('store.transact.after');
      return;
    }
  }
}

export function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** AWS's "full jitter": a random wait between 0 and an exponentially growing cap. */
const fullJitter = (attempt: number) =>
  Math.random() * Math.min(CONFLICT_BACKOFF_MS.max, CONFLICT_BACKOFF_MS.base * 2 ** (attempt - 1));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
