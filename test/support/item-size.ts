/**
 * DynamoDB's measure of an item (what its 400 KB limit counts), from the item as stored: each attribute's name in
 * UTF-8 bytes plus its value's size (a string in UTF-8 bytes, a number at most 21, a boolean or null 1, a list or
 * map 3 plus 1 per element plus its elements, a map's names counted too). An estimate on the safe side, as AWS
 * documents it ("Item sizes and formats"). Reads every row with a Scan (tests only).
 */
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { TestTable } from './dynamo.js';

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return Math.min(21, Math.ceil(value.N.replace(/[-.]/g, '').length / 2) + 1);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  if (value.M !== undefined) return 3 + Object.keys(value.M).length + itemSize(value.M);
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.length * 21;
  throw new Error(`No size for ${JSON.stringify(value)}`);
}

/** The size of an item (or a map's contents): names and values. */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

export interface SizedRow {
  pk: string;
  sk: string;
  entity: string;
  bytes: number;
}

/** Every row of the table with its size, largest first. */
export async function rowSizes(table: TestTable): Promise<SizedRow[]> {
  const rows: SizedRow[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const out = await table.rawClient.send(
      new ScanCommand({ TableName: table.tableName, ConsistentRead: true, ExclusiveStartKey }),
    );
    for (const item of out.Items ?? [])
      rows.push({
        pk: item.pk?.S ?? '',
        sk: item.sk?.S ?? '',
        entity: item.entity?.S ?? '',
        bytes: itemSize(item),
      });
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return rows.sort((a, b) => b.bytes - a.bytes);
}
