/**
 * The tenant index's shards (shared/store/entities/tenant.ts): a workspace's records are spread over this many index
 * partitions, and the privacy jobs walk each.
 */
export const TENANT_SHARDS = 16;
