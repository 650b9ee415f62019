import { createHash } from 'node:crypto';

/**
 * Building blocks of every key. Every tenant key starts with `WS#<workspaceId>#`, so two workspaces never share a
 * partition. Variable parts (ids, user ids, mailboxes) are escaped (`%` → `%25`, `#` → `%23`), so a crafted id can
 * never forge a key of another shape (`acc#S#workspace` stays one part).
 */
export const escapeKeySegment = (value: string): string =>
  value.replaceAll('%', '%25').replaceAll('#', '%23');
/** The value an escaped key segment was made from. */
export const unescapeKeySegment = (value: string): string =>
  value.replaceAll('%23', '#').replaceAll('%25', '%');

export const tenant = (workspaceId: string): string => `WS#${escapeKeySegment(workspaceId)}`;

/** The sort key of every newest-first list: creation time, then the item id. */
export const listSk = (createdAt: string, itemId: string): string =>
  `${createdAt}#${escapeKeySegment(itemId)}`;

/**
 * Stable shards of a key among `shards`. Two hashes, each kept for the partitions already written with it (changing
 * one would move stored rows): FNV-1a (32-bit) for the automation names' and the tenant index's shards, the first
 * four bytes of SHA-256 for the workspace registry's, the due index's and the decided index's.
 */
export function fnvShard(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

export const sha256Shard = (key: string, shards: number): number =>
  createHash('sha256').update(key).digest().readUInt32BE(0) % shards;
