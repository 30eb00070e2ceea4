/**
 * persisted-group-table — what must survive a restart of one group, as the cluster state machine
 * hands it to the store (src/store writes and verifies it; the cluster never imports the store).
 *
 * Tables are copy-major, one u32 per slot, with dense server indexes:
 *
 *   slot = copyIndex * bucketCount + bucketIndex     (copy 0 = master copy)
 *   value 0 = empty slot, value k ≥ 1 = servers[k - 1]
 *
 * Each save is one *record* in the group's history: the header of the state it reaches and either
 * the rows of the buckets that changed since the record before it (seq − 1) or the whole tables:
 *
 *   record 1 (tables) ──▶ record 2 (rows) ──▶ record 3 (rows) ──▶ … ──▶ record n (tables) ──▶ …
 */

/** TableVersions — the versions that survive a restart (transition and recovery versions live in memory only). */
export interface TableVersions {
  client: number;
  server: number;
  plugins: number;
  areaCapacity: number;
}

/** TableHeader — a group's state apart from its tables. */
export interface TableHeader {
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
}

/** PersistedGroupTable — one group's tables and the state that must survive a restart. */
export interface PersistedGroupTable extends TableHeader {
  /** recordSeq — the last record this state includes (0: none, e.g. an imported or version-1 file). */
  recordSeq: number;
  current: Uint32Array;
  progress: Uint32Array;
  destination: Uint32Array;
}

/** RecordRows — the changed buckets (ascending) and their rows: C current, C progress, C destination values each. */
export interface RecordRows {
  kind: 'rows';
  bucketIndexes: Uint32Array;
  rows: Uint32Array;
}

/** RecordTables — the whole tables (a record that starts a new base: the first, or after a compaction or failure). */
export interface RecordTables {
  kind: 'tables';
  current: Uint32Array;
  progress: Uint32Array;
  destination: Uint32Array;
}

/** TableRecord — one save: the header reached, and what changed since record `seq − 1` (or everything). */
export interface TableRecord extends Omit<TableHeader, 'servers'> {
  seq: number;
  /** servers — the server list, or null when it is the same as in the record before. */
  servers: string[] | null;
  /** tableHash — table-hash.ts of the three tables after this record: replays verify they reach it. */
  tableHash: number;
  body: RecordRows | RecordTables;
}

/** tableOfRecord — the state a record of whole tables stands for (`servers`: its list, which such a record always carries). */
export function tableOfRecord(record: TableRecord, servers: string[], tables: RecordTables): PersistedGroupTable {
  const { groupName, bucketCount, copyCount, versions, epoch, migrateBlockCount, configHash, seq } = record;
  return {
    groupName,
    bucketCount,
    copyCount,
    versions: { ...versions },
    epoch,
    migrateBlockCount,
    configHash,
    servers,
    recordSeq: seq,
    current: tables.current,
    progress: tables.progress,
    destination: tables.destination,
  };
}
