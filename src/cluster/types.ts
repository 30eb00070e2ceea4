/**
 * types — what the cluster state machine takes in and gives out.
 *
 *        events (step)           ┌───────────────────┐        ready()
 *   heartbeat, finish, probe ──▶ │  Cluster (pure)   │ ──▶ persist  (a record of the changes + its publication)
 *   job results, persisted   ──▶ │  no I/O, no clock │ ──▶ publish  (durable state to serve: at start, synced)
 *   config loaded, admit     ──▶ │                   │ ──▶ jobs     (engine quick tables and builds)
 *   tick(nowMs)              ──▶ └───────────────────┘ ──▶ probes, deferred replies, notices
 *
 * The host runs jobs on the engine, saves tables, and only then confirms with a `persisted`
 * event: nothing is served (published) before it is durable (persist before publish).
 */
import type { GroupConfig } from '../config/group-config.js';
import type { AdminCommand } from './admin/admin-command.js';
import type { BuildReport, QuickReport, ServerSpec, Table } from '../engine/types.js';
import type { HeartbeatRequest, MigrateFinish } from '../protocol/index.js';
import type { PersistedGroupTable, TableRecord } from './persisted-group-table.js';
import type { ClusterRole, Takeover } from './pair-roles.js';
import type { PeerLink } from './isolation.js';

/** ServerStatus — a data server's state. */
export type ServerStatus = 'alive' | 'standby' | 'down';

/** ClusterOptions — timings the original hard-coded; every field has a default (clusterDefaults). */
export interface ClusterOptions {
  /** settleMs — cold-start window after a fresh group's first heartbeat; null = max(T, 3 s). */
  settleMs: number | null;
  /** stuckMigrationMs — a live source with no finished bucket for this long gets its migration re-planned. */
  stuckMigrationMs: number;
  /** consistencyCheckMs — period of the full recount of buckets left to migrate. */
  consistencyCheckMs: number;
  /** probeIntervalMs — at most one TCP probe per silent data server per interval. */
  probeIntervalMs: number;
  /** persistRetryMs — wait before saving again after a failed save. */
  persistRetryMs: number;
  /** buildRetryMs — wait before rebuilding again after the engine threw (a refused build waits for a change instead). */
  buildRetryMs: number;
  /** migrationVersionIntervalMs — buckets that finish migrating are published together, one version per this interval. */
  migrationVersionIntervalMs: number;
}

/** clusterDefaults — the default ClusterOptions. */
export const clusterDefaults: ClusterOptions = {
  settleMs: null,
  stuckMigrationMs: 10 * 60_000,
  consistencyCheckMs: 5 * 60_000,
  probeIntervalMs: 1000,
  persistRetryMs: 1000,
  buildRetryMs: 30_000,
  migrationVersionIntervalMs: 1000,
};

/** QuickJob — promote live copies and clear dead slots of a group's table (engine quickTable). */
export interface QuickJob {
  kind: 'quick';
  jobId: number;
  groupName: string;
  table: Table;
  servers: ServerSpec[];
  allowLost: boolean;
}

/** BuildJob — a full build of a group's destination table (engine build). */
export interface BuildJob {
  kind: 'build';
  jobId: number;
  groupName: string;
  bucketCount: number;
  copyCount: number;
  servers: ServerSpec[];
  /** source — the table to start from; null on a cold start. */
  source: Table | null;
  strategy: 'balanced' | 'rack' | 'auto';
  diffRatio: number;
  seed: number;
}

/** ClusterJob — engine work the host must run and report back with `jobDone`/`jobFailed`. */
export type ClusterJob = QuickJob | BuildJob;

/** QuickResult — the part of the engine's QuickReport the cluster uses. */
export type QuickResult = Pick<QuickReport, 'ok' | 'outcome' | 'table' | 'promotions' | 'clearedSlots' | 'lostBuckets'>;
/** BuildResult — the part of the engine's BuildReport the cluster uses. */
export type BuildResult = Pick<BuildReport, 'ok' | 'outcome' | 'table' | 'replicaMoves' | 'masterChanges'>;

/**
 * PublishedRows — a publication's tables (values k ≥ 1 = serverIds[k − 1], 0 = empty): whole, or
 * the rows of the buckets that changed since publication `baseSeq`, C current then C destination
 * values per bucket (the destination data servers are shown: admin/migration-release.ts).
 */
export type PublishedRows =
  | { kind: 'full'; current: Uint32Array; destination: Uint32Array }
  | { kind: 'rows'; baseSeq: number; bucketIndexes: Uint32Array; rows: Uint32Array };

/** Publication — what a group serves, for the host's views (src/views). */
export interface Publication {
  groupName: string;
  /** seq — increases with every publication of the group. */
  seq: number;
  bucketCount: number;
  copyCount: number;
  /** versions — the server and client versions that name this state (change sets are keyed by them). */
  versions: { server: number; client: number };
  hasTable: boolean;
  serverIds: readonly bigint[];
  rows: PublishedRows;
}

/** PersistRequest — make `record` durable, then serve `publication`, then step `persisted`. */
export interface PersistRequest {
  groupName: string;
  seq: number;
  record: TableRecord;
  publication: Publication;
}

/** ProbeRequest — TCP-connect to a silent data server and step `probeResult`. */
export interface ProbeRequest {
  serverId: bigint;
  /** address — `ip:port`. */
  address: string;
}

/** DeferredReply — a finish reply held until the change it acknowledges was saved. */
export interface DeferredReply {
  token: number;
  code: number;
}

/** NoticeLevel — the log level of a notice. */
export type NoticeLevel = 'info' | 'warn' | 'error';

/** Notice — something the operator should read; `event` is a stable name to grep for. */
export interface Notice {
  level: NoticeLevel;
  event: string;
  message: string;
  group?: string;
  server?: string;
}

/** Ready — everything the host must do after the last steps, drained by `ready()`. */
export interface Ready {
  persist: PersistRequest[];
  publish: Publication[];
  jobs: ClusterJob[];
  probes: ProbeRequest[];
  replies: DeferredReply[];
  notices: Notice[];
}

/** ConfigLoadKind — first load, content edit, or same content with a new mtime (operator's touch). */
export type ConfigLoadKind = 'initial' | 'edit' | 'touch';

/** ClusterEvent — every input of the state machine, time included (`tick`). */
export type ClusterEvent =
  /**
   * heartbeat — `sourceVerified` false: the connection does not come from the address the sender
   * claims (its reported version is then not used as a version floor); absent = verified.
   */
  | { type: 'heartbeat'; nowMs: number; request: HeartbeatRequest; sourceVerified?: boolean }
  | { type: 'migrateFinish'; nowMs: number; finish: MigrateFinish; token: number }
  | { type: 'probeResult'; nowMs: number; serverId: bigint; reachable: boolean }
  | { type: 'quickDone'; nowMs: number; jobId: number; result: QuickResult }
  | { type: 'buildDone'; nowMs: number; jobId: number; result: BuildResult }
  | { type: 'jobFailed'; nowMs: number; jobId: number; message: string }
  /** persisted — save `seq` is durable and served; `compactWanted`: the store wants whole tables next. */
  | { type: 'persisted'; nowMs: number; groupName: string; seq: number; compactWanted?: boolean }
  | { type: 'persistFailed'; nowMs: number; groupName: string; seq: number; message: string }
  | {
      type: 'configLoaded';
      nowMs: number;
      kind: ConfigLoadKind;
      groups: GroupConfig[];
      /** saved — saved tables of groups this load adds (the host loads them first). */
      saved?: ReadonlyMap<string, PersistedGroupTable>;
    }
  | { type: 'admitServer'; nowMs: number; serverId: bigint }
  | { type: 'admin'; nowMs: number; command: AdminCommand }
  /** tick — periodic work: liveness, due rebuilds, cold starts, migration checks, saves. */
  | { type: 'tick'; nowMs: number }
  /** flush — save every group with unsaved changes now, retry delays ignored (shutdown). */
  | { type: 'flush'; nowMs: number }
  /** roleChanged — the config-server pair made this server primary or secondary (src/pair). */
  | { type: 'roleChanged'; nowMs: number; role: ClusterRole }
  /** tableSynced — a secondary takes the primary's saved table of a group (answer: false if the group is unknown). */
  | { type: 'tableSynced'; nowMs: number; table: PersistedGroupTable; transitionVersion: number }
  /** recordSynced — a secondary takes the primary's next record (answer: false unless it follows what it holds). */
  | { type: 'recordSynced'; nowMs: number; record: TableRecord; transitionVersion: number }
  /** republish — the host's views lost a group's state: serve whole tables again with the next save. */
  | { type: 'republish'; nowMs: number; groupName: string }
  /** takeOver — become primary under a new epoch with versions jumped (send roleChanged too). */
  | { type: 'takeOver'; nowMs: number; takeover: Takeover }
  /** peerLink — the pair's view of its peer changed (isolation.ts). */
  | { type: 'peerLink'; nowMs: number; link: PeerLink };

/** FinishOutcome — a finish is answered now (`code`) or once its change is saved (`deferred`). */
export type FinishOutcome = { deferred: false; code: number } | { deferred: true };

/** AdmitOutcome — whether an operator's admission was taken. */
export type AdmitOutcome = { ok: true } | { ok: false; reason: string };
