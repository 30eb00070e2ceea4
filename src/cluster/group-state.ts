/**
 * group-state — one group: its config, tables, versions, migration progress, pending work, and
 * the published snapshot that requests are answered from.
 *
 *   working state ──change──▶ changeSeq++ ──tick──▶ persist(record) ──persisted──▶ published
 *                                                    (changed rows)              (versions, sources)
 *
 * Heartbeat and get_group replies read `published` only (and the host's views of the published
 * tables), so what a peer sees is always durable and versions and tables in one reply belong
 * together. `saved` holds the tables as of the last record: the next record is what differs.
 */
import type { GroupConfig } from '../config/group-config.js';
import type { PersistedGroupTable, TableVersions } from './persisted-group-table.js';
import type { GroupTables } from './group-tables.js';
import { createEmptyTables, createTables, isAllZero } from './group-tables.js';
import { countMigrations } from './migration-plan.js';
import type { MigrationWave, OperatorState } from './admin/migration-release.js';
import { createOperatorState } from './admin/migration-release.js';
import { tableHashOf } from './table-hash.js';
import { initialVersion } from './versions.js';

/** SourceProgress — a migration source: buckets it still has to move, and its last finished one. */
export interface SourceProgress {
  left: number;
  lastProgressMs: number;
}

/** PublishedGroup — the durable state replies are built from (the tables themselves are the host's views). */
export interface PublishedGroup {
  seq: number;
  versions: TableVersions;
  transitionVersion: number;
  migrating: boolean;
  hasTable: boolean;
  bucketCount: number;
  copyCount: number;
  /** sources — migration sources and their buckets left. */
  sources: readonly { serverId: bigint; left: number }[];
}

/** SavedTables — the tables as of the last record (the base the next record's rows differ from). */
export interface SavedTables {
  current: Uint32Array;
  progress: Uint32Array;
  destination: Uint32Array;
}

/** RecordState — where the group's history stands. */
export interface RecordState {
  saved: SavedTables;
  /** seq — the last record made (saved or in flight). */
  seq: number;
  /** tableHash — table-hash.ts of `saved`. */
  tableHash: number;
  /** serverListGeneration — the tables' server-list generation at the last record. */
  serverListGeneration: number;
  /** wholeNext — the next record carries whole tables (after a failed save; when the store compacts). */
  wholeNext: boolean;
  /** wholePublicationNext — the next publication carries whole tables (the views start over). */
  wholePublicationNext: boolean;
  /** publishedWave — the migration wave the last publication showed (null: the whole migration). */
  publishedWave: MigrationWave | null;
}

/** deferredFinishKey — the key of a held finish reply: one per (server, bucket). */
export function deferredFinishKey(serverId: bigint, bucketIndex: number): string {
  return `${serverId}:${bucketIndex}`;
}

/** DeferredFinish — a finish reply held until the change it acknowledges is saved. */
export interface DeferredFinish {
  token: number;
  code: number;
  changeSeq: number;
  serverId: bigint;
  bucketIndex: number;
}

/** RebuildRequest — a rebuild waiting for its time. */
export interface RebuildRequest {
  dueMs: number;
  reason: string;
  /** forceBump — bump the server version even if the table comes out unchanged (re-plan). */
  forceBump: boolean;
}

/** RunningJob — the engine job in flight for the group (one at a time). */
export interface RunningJob {
  jobId: number;
  kind: 'quick' | 'build';
  reason: string;
  forceBump: boolean;
  /** memberGeneration / tableGeneration — as when the job was issued, to spot stale results. */
  memberGeneration: number;
  tableGeneration: number;
}

/** PendingSave — the save in flight and what it covers. */
export interface PendingSave {
  seq: number;
  changeSeq: number;
  published: PublishedGroup;
}

/** GroupState — see the file comment. */
export interface GroupState {
  name: string;
  config: GroupConfig;
  tables: GroupTables;
  versions: TableVersions;
  /** transitionVersion — memory only, 0 after a restart. */
  transitionVersion: number;
  epoch: bigint;
  /** configHash — the group section's hash the tables were last built or loaded with. */
  configHash: string;
  hasTable: boolean;
  /** migration — per source (table value k); empty when nothing has to move. */
  migration: Map<number, SourceProgress>;
  /** migrateBlockCount — buckets left, −1 when not migrating. */
  migrateBlockCount: number;
  rebuild: RebuildRequest | null;
  /** buildAfterSave — a quick table was installed; the full build starts once it is published. */
  buildAfterSave: { reason: string; forceBump: boolean } | null;
  job: RunningJob | null;
  /** memberGeneration — bumped when the set of live members or the build settings change. */
  memberGeneration: number;
  /** tableGeneration — bumped on every change of the current/progress tables. */
  tableGeneration: number;
  firstHeartbeatMs: number | null;
  /** liveCount — ALIVE members, cached for the member generation it was counted at. */
  liveCount: { generation: number; count: number };
  /** failedGeneration — the member generation a build last failed at; no automatic retry until it changes. */
  failedGeneration: number | null;
  /** alarms — code → message; non-empty means "status error" in query_info. */
  alarms: Map<string, string>;
  lastConsistencyCheckMs: number;
  /** proxyReported — data servers whose proxy report was applied in this migration. */
  proxyReported: Set<bigint>;
  /** finishesPending — finished buckets applied to the tables but not yet given a version (migration-tracking.ts). */
  finishesPending: number;
  /** lastFoldMs — when finished buckets were last given a version. */
  lastFoldMs: number;
  changeSeq: number;
  savedChangeSeq: number;
  saving: PendingSave | null;
  saveRetryAtMs: number;
  publishSeq: number;
  /** deferred — finish replies held until a save covers `changeSeq`, at most one per (server, bucket). */
  deferred: Map<string, DeferredFinish>;
  published: PublishedGroup;
  /** records — the save history: last record, saved tables, what the next record and publication must carry. */
  records: RecordState;
  /** operator — pause, migration cap and drain bookkeeping set by admin commands (src/cluster/admin). */
  operator: OperatorState;
  /** reportedServerVersionMax — the highest server version a known data server said it holds (0 = none). */
  reportedServerVersionMax: number;
}

/** createGroupState — a group from its config and, when there is one, its saved table. */
export function createGroupState(config: GroupConfig, saved: PersistedGroupTable | null, nowMs: number): GroupState {
  const tables = saved
    ? createTables(saved.bucketCount, saved.copyCount, saved.servers, {
        current: saved.current.slice(),
        progress: saved.progress.slice(),
        destination: saved.destination.slice(),
      })
    : createEmptyTables(config.bucketCount, config.copyCount);
  const group: GroupState = {
    name: config.name,
    config,
    tables,
    versions: saved ? { ...saved.versions } : { client: initialVersion, server: initialVersion, plugins: initialVersion, areaCapacity: initialVersion },
    transitionVersion: 0,
    epoch: saved?.epoch ?? 0n,
    configHash: saved?.configHash ?? '',
    hasTable: !isAllZero(tables.current),
    migration: new Map(),
    migrateBlockCount: -1,
    rebuild: null,
    buildAfterSave: null,
    job: null,
    memberGeneration: 0,
    tableGeneration: 0,
    firstHeartbeatMs: null,
    failedGeneration: null,
    liveCount: { generation: -1, count: 0 },
    alarms: new Map(),
    lastConsistencyCheckMs: nowMs,
    proxyReported: new Set(),
    finishesPending: 0,
    lastFoldMs: nowMs,
    changeSeq: 0,
    savedChangeSeq: 0,
    saving: null,
    saveRetryAtMs: 0,
    publishSeq: 1,
    deferred: new Map(),
    published: null as unknown as PublishedGroup,
    records: createRecordState(tables, saved?.recordSeq ?? 0),
    operator: createOperatorState(),
    reportedServerVersionMax: 0,
  };
  // A group without a saved table starts its history with whole tables (the store's first snapshot).
  if (!saved) group.records.wholeNext = true;
  resetMigration(group, nowMs);
  group.published = snapshotPublished(group, group.publishSeq);
  return group;
}

/** createRecordState — the history of tables loaded at record `seq` (O(B·C): copies and their hash). */
export function createRecordState(tables: GroupTables, seq: number): RecordState {
  const saved = { current: tables.current.slice(), progress: tables.progress.slice(), destination: tables.destination.slice() };
  return {
    saved,
    seq,
    tableHash: tableHashOf(saved.current, saved.progress, saved.destination),
    serverListGeneration: tables.serverListGeneration,
    wholeNext: false,
    wholePublicationNext: false,
    publishedWave: null,
  };
}

/** resetMigration — recount what has to move from the tables (every source's clock starts now). */
export function resetMigration(group: GroupState, nowMs: number): void {
  const counted = countMigrations(group.tables);
  const previous = group.migration;
  group.migration = new Map();
  for (const [source, left] of counted.perSource) {
    group.migration.set(source, { left, lastProgressMs: previous.get(source)?.lastProgressMs ?? nowMs });
  }
  group.migrateBlockCount = counted.total > 0 ? counted.total : -1;
}

/** markChanged — the working state changed and must be saved, then published. */
export function markChanged(group: GroupState): void {
  group.changeSeq += 1;
}

/** hasUnsavedChanges — a change not yet covered by a finished save. */
export function hasUnsavedChanges(group: GroupState): boolean {
  return group.changeSeq > group.savedChangeSeq;
}

/** snapshotPublished — what replies will read once this state is durable. */
export function snapshotPublished(group: GroupState, seq: number): PublishedGroup {
  const sources = [...group.migration]
    .sort(([a], [b]) => a - b)
    .map(([value, progressOf]) => ({ serverId: group.tables.serverIds[value - 1], left: progressOf.left }));
  return {
    seq,
    versions: { ...group.versions },
    transitionVersion: group.transitionVersion,
    migrating: group.migrateBlockCount >= 0,
    hasTable: group.hasTable,
    bucketCount: group.tables.bucketCount,
    copyCount: group.tables.copyCount,
    sources,
  };
}

/** setAlarm — raise (or refresh) an alarm; returns true when it is new. */
export function setAlarm(group: GroupState, code: string, message: string): boolean {
  const isNew = group.alarms.get(code) !== message;
  group.alarms.set(code, message);
  return isNew;
}
