/**
 * "Nothing was written": every row of a table, read with a consistent Scan (tests only) and kept as one
 * canonical string per row, so two snapshots compare with `expect(...).toEqual(...)` and a difference names
 * the rows that appeared, went or changed.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { localClient } from '../../infra/local/dynamodb-local.js';

export interface TableSnapshot {
  /** `pk|sk` → the row as canonical JSON (DynamoDB JSON, keys sorted). */
  rows: Map<string, string>;
}

export interface RowDifference {
  added: string[];
  removed: string[];
  changed: { key: string; before: string; after: string }[];
}

export function tableSnapshotter(endpoint: string, tableName: string) {
  const client = localClient(endpoint);
  return {
    async snapshot(): Promise<TableSnapshot> {
      const rows = new Map<string, string>();
      let ExclusiveStartKey: Record<string, never> | undefined;
      do {
        const out = await client.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey }),
        );
        for (const item of out.Items ?? []) {
          rows.set(`${item.pk?.S}|${item.sk?.S}`, canonical(item));
        }
        ExclusiveStartKey = out.LastEvaluatedKey as typeof ExclusiveStartKey;
      } while (ExclusiveStartKey);
      return { rows };
    },
    destroy: () => client.destroy(),
  };
}

/** What changed between two snapshots; every list empty when nothing did. */
export function differenceOf(before: TableSnapshot, after: TableSnapshot): RowDifference {
  const added = [...after.rows.keys()].filter((key) => !before.rows.has(key));
  const removed = [...before.rows.keys()].filter((key) => !after.rows.has(key));
  const changed = [...after.rows.entries()].flatMap(([key, row]) => {
    const old = before.rows.get(key);
    return old !== undefined && old !== row ? [{ key, before: old, after: row }] : [];
  });
  return { added, removed, changed };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : inner,
  );
}
