/**
 * DynamoDB's transaction conflict rule, in front of DynamoDB Local.
 *
 * DynamoDB Local runs transactions one at a time, so it never refuses one for `TransactionConflict`. DynamoDB does:
 * while a TransactWriteItems commits, its items are held, and (developer guide, "Transaction conflict handling")
 * - another TransactWriteItems touching one of them is cancelled: `TransactionCanceledException`, a
 *   `CancellationReasons` entry per action (`TransactionConflict` for a held item, `None` for the others);
 * - a PutItem, UpdateItem or DeleteItem of one of them fails with `TransactionConflictException`;
 * - a TransactGetItems touching one of them, or an item an ongoing BatchWriteItem, PutItem, UpdateItem or
 *   DeleteItem is writing, is cancelled like a TransactWriteItems;
 * - GetItem and the other reads are never refused.
 *
 * This is an HTTP proxy on 127.0.0.1 that forwards every request to DynamoDB Local unchanged (headers, SigV4 ones
 * included, and bodies; the Streams API too, which DynamoDB Local serves on the same port) and answers those
 * refusals itself, with the bytes DynamoDB sends, so the AWS SDK throws what it throws against AWS. A
 * TransactWriteItems holds its items while it commits: from when it arrives until DynamoDB Local has answered it and
 * `commitWindowMs` has passed since it arrived (the commit's length in DynamoDB); only then is its caller answered,
 * as DynamoDB answers a transaction once its commit is over, so a caller's next request never meets its own
 * transaction. A refused request is not forwarded and holds nothing.
 *
 * Items are told apart by table and primary key. A key is read from `Key`, or from `Item` for a put, with the
 * table's key schema, learnt once per table by a DescribeTable sent upstream. Not modelled: PartiQL writes
 * (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction), which are forwarded as they are; a BatchWriteItem
 * write on a held item (DynamoDB's documentation names no answer for it: it is forwarded); numbers that are equal
 * but written differently (`1` and `1.0`) count as two keys.
 *
 * Only the requests it checks (the writes and TransactGetItems) are read whole before they are forwarded; every
 * other request and every answer is streamed through.
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { pipeline } from 'node:stream';
import { StartupError } from './errors.js';
import { closeServer } from './http-server.js';
import { boundPort, LOCAL_HOST } from './ports.js';

export interface ConflictRuleOptions {
  /** DynamoDB Local's endpoint, e.g. `http://127.0.0.1:8000`. */
  upstream: string;
  /** How long a transaction's commit lasts at least, from its arrival: its items are held, its answer waits. */
  commitWindowMs: number;
  /** 0 or unset: any free port. */
  port?: number;
}

export interface ConflictStats {
  commitWindowMs: number;
  /** Requests answered with a conflict instead of being forwarded. */
  refused: {
    total: number;
    /** TransactWriteItems and TransactGetItems cancelled (`TransactionCanceledException`). */
    transactions: number;
    /** PutItem, UpdateItem and DeleteItem refused (`TransactionConflictException`). */
    writes: number;
    /** By operation: `{ TransactWriteItems: 2, PutItem: 1 }`. */
    byOperation: Record<string, number>;
  };
  /** Requests forwarded to DynamoDB Local, by operation (`GetRecords` for the Streams API's). */
  forwarded: { total: number; byOperation: Record<string, number> };
  /** Items held by committing transactions right now. */
  held: number;
}

export interface ConflictRule {
  /** Point a DynamoDB client here (`endpoint`) instead of at DynamoDB Local. */
  endpoint: string;
  port: number;
  commitWindowMs: number;
  stats(): ConflictStats;
  /** Zeroes the counts (what is held stays held). */
  resetStats(): void;
  /** Stops listening, closes every connection and lets go of every item. */
  stop(): Promise<void>;
}

export const CONFLICT_WINDOW_VARIABLE = 'DYNAMODB_CONFLICT_WINDOW_MS';
/** Longest commit window accepted (a larger one is surely a mistake: an hour). */
const MAX_WINDOW_MS = 3_600_000;

/**
 * The commit window `DYNAMODB_CONFLICT_WINDOW_MS` asks for: 0 when unset, empty or 0 (the rule is off), else a
 * whole number of milliseconds.
 */
export function conflictWindowFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[CONFLICT_WINDOW_VARIABLE]?.trim();
  if (raw === undefined || raw === '') return 0;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > MAX_WINDOW_MS)
    throw new StartupError(
      `${CONFLICT_WINDOW_VARIABLE} must be a whole number of milliseconds from 0 (off) to ${MAX_WINDOW_MS}, got "${raw}"`,
    );
  return value;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';
/** DynamoDB's message for a held item, in a cancellation reason and in TransactionConflictException alike. */
export const CONFLICT_MESSAGE = 'Transaction is ongoing for the item';

/** The operations whose items are looked at; every other request is streamed through untouched. */
const CHECKED = new Set([
  'TransactWriteItems',
  'TransactGetItems',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
]);
/** Operations after which a table's key schema may have changed: the cache is dropped. */
const SCHEMA_CHANGES = new Set(['CreateTable', 'DeleteTable']);

type AttributeValue = Record<string, unknown>;
type Key = Record<string, AttributeValue>;
/** A table's key attribute names, or undefined when DescribeTable did not answer them. */
type KeyNames = string[] | undefined;

/**
 * The items a request touches, in the order DynamoDB reports them (a TransactItems entry each; a BatchWriteItem's
 * requests table by table), as `table` + key; undefined where the key cannot be told (a put into a table whose key
 * schema is unknown, a malformed entry). `keyNames(table)` gives a table's key attribute names (only asked for puts).
 */
export async function itemsTouched(
  operation: string,
  body: unknown,
  keyNames: (table: string) => Promise<KeyNames>,
): Promise<(string | undefined)[]> {
  const input = asObject(body);
  const fromKey = (table: unknown, key: unknown) => itemId(table, asObject(key));
  const fromItem = async (table: unknown, item: unknown) => {
    if (typeof table !== 'string') return undefined;
    const names = await keyNames(tableNameOf(table));
    const attributes = asObject(item);
    if (names === undefined || attributes === undefined) return undefined;
    const key: Key = {};
    for (const name of names) {
      const value = asObject(attributes[name]);
      if (value === undefined) return undefined;
      key[name] = value;
    }
    return itemId(table, key);
  };
  if (input === undefined) return [];
  switch (operation) {
    case 'PutItem':
      return [await fromItem(input.TableName, input.Item)];
    case 'UpdateItem':
    case 'DeleteItem':
      return [fromKey(input.TableName, input.Key)];
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const actions = Array.isArray(input.TransactItems) ? input.TransactItems : [];
      return Promise.all(
        actions.map(async (entry) => {
          const action = asObject(entry) ?? {};
          const put = asObject(action.Put);
          if (put) return fromItem(put.TableName, put.Item);
          const keyed = asObject(action.Update ?? action.Delete ?? action.ConditionCheck ?? action.Get);
          return keyed ? fromKey(keyed.TableName, keyed.Key) : undefined;
        }),
      );
    }
    case 'BatchWriteItem': {
      const ids: Promise<string | undefined>[] = [];
      for (const [table, requests] of Object.entries(asObject(input.RequestItems) ?? {})) {
        for (const entry of Array.isArray(requests) ? requests : []) {
          const request = asObject(entry) ?? {};
          const put = asObject(request.PutRequest);
          const del = asObject(request.DeleteRequest);
          if (put) ids.push(fromItem(table, put.Item));
          else if (del) ids.push(Promise.resolve(fromKey(table, del.Key)));
        }
      }
      return Promise.all(ids);
    }
    default:
      return [];
  }
}

/** The JSON DynamoDB answers (HTTP 400) for a transaction cancelled because some of its items are held. */
export function transactionCanceled(conflicts: boolean[]): Record<string, unknown> {
  const codes = conflicts.map((conflict) => (conflict ? 'TransactionConflict' : 'None'));
  return {
    __type: `${ERROR_PREFIX}TransactionCanceledException`,
    CancellationReasons: conflicts.map((conflict) =>
      conflict ? { Code: 'TransactionConflict', Message: CONFLICT_MESSAGE } : { Code: 'None' },
    ),
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
  };
}

/** The JSON DynamoDB answers (HTTP 400) for a PutItem, UpdateItem or DeleteItem of a held item. */
export function transactionConflict(): Record<string, unknown> {
  return { __type: `${ERROR_PREFIX}TransactionConflictException`, message: CONFLICT_MESSAGE };
}

interface Holder {
  /** The transaction's ClientRequestToken: its own retry is not a conflict (DynamoDB Local makes it idempotent). */
  token: string | undefined;
}

export async function startConflictRule(options: ConflictRuleOptions): Promise<ConflictRule> {
  const { commitWindowMs } = options;
  if (!Number.isSafeInteger(commitWindowMs) || commitWindowMs < 0)
    throw new StartupError(`The commit window must be a whole number of milliseconds, got ${commitWindowMs}`);
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:')
    throw new StartupError(`The conflict rule forwards to an http:// endpoint, not ${options.upstream}`);
  const agent = new Agent({ keepAlive: true });

  /** Items held by transactions: id → holder. */
  const held = new Map<string, Holder>();
  /** Items single writes (PutItem, UpdateItem, DeleteItem, BatchWriteItem) are writing now: id → how many. */
  const writing = new Map<string, number>();
  const releases = new Set<NodeJS.Timeout>();
  const schemas = new Map<string, Promise<KeyNames>>();

  let refused = { transactions: 0, writes: 0, byOperation: {} as Record<string, number> };
  let forwarded = { total: 0, byOperation: {} as Record<string, number> };
  const count = (byOperation: Record<string, number>, operation: string) => {
    byOperation[operation] = (byOperation[operation] ?? 0) + 1;
  };

  /** Sends the request on to DynamoDB Local and streams the answer back; `answered(ok)` once it is over. */
  function forward(
    request: IncomingMessage,
    response: ServerResponse,
    operation: string,
    body: Buffer | undefined,
    answered?: (committed: boolean) => void,
    commitEndsAt?: number,
  ): void {
    forwarded.total += 1;
    count(forwarded.byOperation, operation);
    let done = false;
    const finish = (committed: boolean) => {
      if (done) return;
      done = true;
      answered?.(committed);
    };
    const outgoing = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (answer) => {
        if (commitEndsAt === undefined) {
          response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
          // Committed once DynamoDB Local says so, whether or not the client stayed to read it.
          pipeline(answer, response, () => finish(answer.statusCode === 200));
          return;
        }
        // A transaction: its caller hears of it once its commit is over, as from DynamoDB, and not before.
        const respond = () => {
          finish(answer.statusCode === 200);
          response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
          pipeline(answer, response, () => undefined);
        };
        const wait = commitEndsAt - Date.now();
        if (wait <= 0) return respond();
        const timer = setTimeout(() => {
          releases.delete(timer);
          respond();
        }, wait);
        releases.add(timer);
      },
    );
    // Nothing left to answer with: the client sees its connection drop, as it would with DynamoDB Local gone.
    outgoing.on('error', () => {
      finish(false);
      response.destroy();
    });
    if (body === undefined) pipeline(request, outgoing, () => undefined);
    else outgoing.end(body);
  }

  function refuse(
    response: ServerResponse,
    operation: string,
    kind: 'transactions' | 'writes',
    body: unknown,
  ) {
    refused[kind] += 1;
    count(refused.byOperation, operation);
    const text = JSON.stringify(body);
    response.writeHead(400, {
      'content-type': JSON_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    response.end(text);
  }

  /** A table's key attribute names, asked of DynamoDB Local once (with the caller's headers: its database). */
  function keyNamesOf(database: string, headers: IncomingHttpHeaders) {
    return (table: string): Promise<KeyNames> => {
      const cacheKey = `${database}\u0000${table}`;
      let names = schemas.get(cacheKey);
      if (names === undefined) {
        names = describeKey(table, headers).then((found) => {
          if (found === undefined) schemas.delete(cacheKey); // asked again next time
          return found;
        });
        schemas.set(cacheKey, names);
      }
      return names;
    };
  }

  function describeKey(table: string, headers: IncomingHttpHeaders): Promise<KeyNames> {
    const text = JSON.stringify({ TableName: table });
    const {
      'content-length': _length,
      'transfer-encoding': _encoding,
      'x-amz-target': _target,
      ...rest
    } = headers;
    return new Promise((resolve) => {
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: 'POST',
          path: '/',
          headers: {
            ...rest,
            'content-type': JSON_CONTENT_TYPE,
            'content-length': Buffer.byteLength(text),
            'x-amz-target': `${TARGET_PREFIX}DescribeTable`,
          },
          agent,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('error', () => resolve(undefined));
          answer.on('end', () => {
            if (answer.statusCode !== 200) return resolve(undefined);
            try {
              const schema = JSON.parse(Buffer.concat(chunks).toString('utf8'))?.Table?.KeySchema;
              const names = Array.isArray(schema)
                ? schema.map((key: { AttributeName?: unknown }) => key.AttributeName)
                : [];
              resolve(
                names.length > 0 && names.every((name) => typeof name === 'string') ? names : undefined,
              );
            } catch {
              resolve(undefined);
            }
          });
        },
      );
      outgoing.on('error', () => resolve(undefined));
      outgoing.end(text);
    });
  }

  async function check(request: IncomingMessage, response: ServerResponse, operation: string) {
    let body: Buffer;
    try {
      body = await readAll(request);
    } catch {
      return; // the client went away
    }
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return forward(request, response, operation, body); // DynamoDB Local answers what it makes of it
    }
    const database = databaseOf(request.headers.authorization);
    const ids = (
      await itemsTouched(operation, input, keyNamesOf(database, request.headers)).catch(
        () => [] as (string | undefined)[],
      )
    ).map((id) => (id === undefined ? undefined : `${database}\u0000${id}`));
    // From here to the forward nothing awaits: what is checked is what is held.
    const known = ids.filter((id): id is string => id !== undefined);
    switch (operation) {
      case 'TransactWriteItems': {
        const token = stringOr(asObject(input)?.ClientRequestToken);
        const conflicts = ids.map((id) => {
          const holder = id === undefined ? undefined : held.get(id);
          return holder !== undefined && (holder.token === undefined || holder.token !== token);
        });
        if (conflicts.some(Boolean))
          return refuse(response, operation, 'transactions', transactionCanceled(conflicts));
        const holder: Holder = { token };
        const mine = known.filter((id) => !held.has(id));
        for (const id of mine) held.set(id, holder);
        // Its commit lasts the window from its arrival, or as long as DynamoDB Local takes if that is longer.
        const release = () => {
          for (const id of mine) if (held.get(id) === holder) held.delete(id);
        };
        return forward(request, response, operation, body, release, Date.now() + commitWindowMs);
      }
      case 'TransactGetItems': {
        const conflicts = ids.map((id) => id !== undefined && (held.has(id) || writing.has(id)));
        if (conflicts.some(Boolean))
          return refuse(response, operation, 'transactions', transactionCanceled(conflicts));
        return forward(request, response, operation, body);
      }
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        if (known.some((id) => held.has(id)))
          return refuse(response, operation, 'writes', transactionConflict());
        return forwardWrite(request, response, operation, body, known);
      default: // BatchWriteItem: forwarded, see the module comment
        return forwardWrite(request, response, operation, body, known);
    }
  }

  /** A single write: its items are being written (for TransactGetItems) until it is answered. */
  function forwardWrite(
    request: IncomingMessage,
    response: ServerResponse,
    operation: string,
    body: Buffer,
    ids: string[],
  ) {
    for (const id of ids) writing.set(id, (writing.get(id) ?? 0) + 1);
    forward(request, response, operation, body, () => {
      for (const id of ids) {
        const left = (writing.get(id) ?? 1) - 1;
        if (left > 0) writing.set(id, left);
        else writing.delete(id);
      }
    });
  }

  const server = createServer((request, response) => {
    const target = request.headers['x-amz-target'];
    const operation = typeof target === 'string' ? target.slice(target.lastIndexOf('.') + 1) : 'Unknown';
    const dynamodb = typeof target === 'string' && target.startsWith(TARGET_PREFIX);
    if (dynamodb && request.method === 'POST' && CHECKED.has(operation)) {
      check(request, response, operation).catch(() => response.destroy());
      return;
    }
    if (dynamodb && SCHEMA_CHANGES.has(operation)) schemas.clear();
    forward(request, response, operation, undefined);
  });
  server.unref(); // never what keeps a process alive (tests stop it; npm start stops it on exit)

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new StartupError(`Port ${options.port} for the DynamoDB conflict rule is already in use`, {
              cause: error,
            })
          : error,
      ),
    );
    server.listen({ port: options.port ?? 0, host: LOCAL_HOST, exclusive: true }, () =>
      resolve(boundPort(server)),
    );
  });

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${LOCAL_HOST}:${port}`,
    port,
    commitWindowMs,
    stats: () => ({
      commitWindowMs,
      refused: {
        total: refused.transactions + refused.writes,
        transactions: refused.transactions,
        writes: refused.writes,
        byOperation: { ...refused.byOperation },
      },
      forwarded: { total: forwarded.total, byOperation: { ...forwarded.byOperation } },
      held: held.size,
    }),
    resetStats: () => {
      refused = { transactions: 0, writes: 0, byOperation: {} };
      forwarded = { total: 0, byOperation: {} };
    },
    stop: () => {
      stopped ??= (async () => {
        for (const timer of releases) clearTimeout(timer);
        releases.clear();
        held.clear();
        writing.clear();
        await closeServer(server);
        agent.destroy();
      })();
      return stopped;
    },
  };
}

/** Which DynamoDB Local database a request is for: without -sharedDb it keeps one per access key and region. */
function databaseOf(authorization: string | undefined): string {
  const scope = authorization?.match(/Credential=([^/,\s]+)\/[^/]+\/([^/]+)\//);
  return scope ? `${scope[1]}/${scope[2]}` : '';
}

function itemId(table: unknown, key: Key | undefined): string | undefined {
  if (typeof table !== 'string' || key === undefined) return undefined;
  const entries = Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return undefined;
  return `${tableNameOf(table)}\u0000${JSON.stringify(entries)}`;
}

/** A table ARN (`arn:aws:dynamodb:…:table/name`) names the same table as its name. */
function tableNameOf(table: string): string {
  const at = table.startsWith('arn:') ? table.indexOf(':table/') : -1;
  return at < 0 ? table : table.slice(at + ':table/'.length);
}

function asObject(value: unknown): Record<string, AttributeValue> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, AttributeValue>)
    : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
