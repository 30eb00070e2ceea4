/**
 * persisted-group-table — what must survive a restart of one group, as the cluster state machine
 * hands it to the store (src/store writes and verifies it; the cluster never imports the store).
 *
 * Tables are copy-major, one u32 per slot, with dense server indexes:
 *
 *   slot = copyIndex * bucketCount + bucketIndex     (copy 0 = master copy)
 *   value 0 = empty slot, value k ≥ 1 = servers[k - 1]
 */

/** TableVersions — the versions that survive a restart (transition and recovery versions live in memory only). */
export interface TableVersions {
  client: number;
  server: number;
  plugins: number;
  areaCapacity: number;
}

/** PersistedGroupTable — one group's tables and the state that must survive a restart. */
export interface PersistedGroupTable {
  groupName: string;
  bucketCount: number;
  copyCount: number;
  versions: TableVersions;
  /** epoch — the config-server pair's term; 0 until the pair has elected anyone. */
  epoch: bigint;
  /** migrateBlockCount — buckets still migrating, −1 when not migrating. */
  migrateBlockCount: number;
  /** configHash — hex hash of the group's config section the table was built from ('' if unknown). */
  configHash: string;
  /** servers — `ip:port` of table value k at index k − 1. */
  servers: string[];
  current: Uint32Array;
  progress: Uint32Array;
  destination: Uint32Array;
}
