/**
 * Tallies: the counters an item change moves (each reviewer's queue counter, the automation's open counts, its review
 * stats and its review feedback), kept OUT of the change's transaction. Every change of one automation, or of one
 * reviewer's queue, would otherwise write the same few records inside its transaction, and DynamoDB refuses a
 * transaction touching an item another transaction is committing (TransactionConflict): a burst of one automation's
 * proposals would be serialized on those records (docs/table-design.md, "Counters out of the transaction").
 *
 * So a change writes what it does to each counter as data: the `tally` attribute of its history record (of its
 * outbox record for a dropped proposal), in the change's own transaction. The table's stream hands those records
 * to `apply-tallies` (functions/apply-tallies.ts), which adds a batch of them to the counters in a few transactions,
 * each also writing one `TallyMarker` per change it counts, conditional on the marker being new: a change redelivered
 * by the stream, or retried after a crash, is counted exactly once, and never half.
 */
import * as z from 'zod/mini';
import type { Attributes, TableKey, TransactItem } from '../table.js';

export const TALLY_ATTRIBUTE = 'tally';
export const TALLY_MARKER_ENTITY = 'TallyMarker';
/** The stream keeps records 24 hours; a marker outlives every redelivery of its change by a wide margin. */
const MARKER_KEEP_SECONDS = 3 * 24 * 3600;

/** What one change does to one counter record. */
export interface CounterWrite {
  key: TableKey;
  /** Attributes set (identity, latest name, `lastAt`); of several changes to one record, the last counted wins. */
  set: Attributes;
  /** Attributes set only where absent (`firstAt`). */
  setIfAbsent?: Attributes;
  /** Numbers added (DynamoDB ADD; negative takes away). */
  add: Record<string, number>;
}

/** A change's tally, as the stream hands it over: the record that carries it, and its writes. */
export interface Tally {
  source: TableKey;
  writes: CounterWrite[];
}

/** Several changes' writes as one write per record, in the order given: sums added, the last set kept. */
export function mergeWrites(writes: CounterWrite[]): CounterWrite[] {
  const byKey = new Map<string, CounterWrite>();
  for (const write of writes) {
    const id = keyId(write.key);
    const merged = byKey.get(id);
    if (!merged) {
      byKey.set(id, {
        key: write.key,
        set: { ...write.set },
        ...(write.setIfAbsent ? { setIfAbsent: { ...write.setIfAbsent } } : {}),
        add: { ...write.add },
      });
      continue;
    }
    Object.assign(merged.set, write.set);
    if (write.setIfAbsent) merged.setIfAbsent = { ...write.setIfAbsent, ...merged.setIfAbsent };
    for (const [name, amount] of Object.entries(write.add))
      merged.add[name] = (merged.add[name] ?? 0) + amount;
  }
  return [...byKey.values()];
}

export const keyId = (key: TableKey): string => JSON.stringify([key.pk, key.sk]);

/** The UpdateItem of one (merged) counter write. */
export function counterUpdate(tableName: string, write: CounterWrite) {
  const names: Record<string, string> = {};
  const values: Attributes = {};
  const sets: string[] = [];
  const adds: string[] = [];
  let n = 0;
  const placeholder = (attribute: string, value: unknown) => {
    n += 1;
    names[`#a${n}`] = attribute;
    values[`:a${n}`] = value;
    return n;
  };
  for (const [attribute, value] of Object.entries(write.set)) {
    const i = placeholder(attribute, value);
    sets.push(`#a${i} = :a${i}`);
  }
  for (const [attribute, value] of Object.entries(write.setIfAbsent ?? {})) {
    const i = placeholder(attribute, value);
    sets.push(`#a${i} = if_not_exists(#a${i}, :a${i})`);
  }
  for (const [attribute, amount] of Object.entries(write.add)) {
    if (amount === 0) continue;
    const i = placeholder(attribute, amount);
    adds.push(`#a${i} :a${i}`);
  }
  const expression = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    TableName: tableName,
    Key: write.key,
    UpdateExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * The attribute a history or outbox record carries its change's tally in (none for a change that moves no counter).
 * Empty maps are left out: the stream would hand them over as values of no type.
 */
export function tallyAttribute(writes: CounterWrite[]): Attributes {
  if (writes.length === 0) return {};
  return {
    [TALLY_ATTRIBUTE]: writes.map(({ key, set, setIfAbsent, add }) => ({
      key,
      set,
      ...(setIfAbsent && Object.keys(setIfAbsent).length > 0 ? { setIfAbsent } : {}),
      ...(Object.keys(add).length > 0 ? { add } : {}),
    })),
  };
}

/** The marker that a change's tally was counted: beside the record that carries it, kept three days. */
export const markerKey = (source: TableKey): TableKey => ({ pk: source.pk, sk: `TALLIED#${source.sk}` });

export function markerPut(tableName: string, source: TableKey, now: Date): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...markerKey(source),
        entity: TALLY_MARKER_ENTITY,
        ttl: Math.floor(now.getTime() / 1000) + MARKER_KEEP_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

const attributes = z.record(z.string(), z.unknown());
const tallySchema = z.lazy(() =>
  z.array(
    z.object({
      key: z.object({ pk: z.string(), sk: z.string() }),
      set: attributes,
      setIfAbsent: z.optional(attributes),
      add: z._default(z.record(z.string(), z.number()), {}),
    }),
  ),
);

/** The tally a stream record's new image carries (undefined: it carries none). Throws when it does not parse. */
export function tallyOf(image: Attributes): Tally | undefined {
  const raw = image[TALLY_ATTRIBUTE];
  if (raw === undefined) return undefined;
  const source = { pk: String(image.pk), sk: String(image.sk) };
  const parsed = tallySchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`The tally of ${keyId(source)} does not parse: ${parsed.error.message}`);
  return { source, writes: parsed.data as CounterWrite[] };
}
