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
