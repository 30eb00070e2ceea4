/**
 * cluster — the config server's pure state machine: data-server states, rebuilds, versions and
 * migration tracking. See cluster.ts for how a host drives it.
 */
export { Cluster } from './cluster.js';
export type { ClusterInit, ClusterReader, StepAnswer } from './cluster.js';
export type { HeartbeatReply } from './heartbeat.js';
export type { GetGroupReply } from './queries.js';
export type { GroupState, PublishedGroup } from './group-state.js';
export type { ServerRecord } from './server-record.js';
export { clusterDefaults } from './types.js';
export type {
  AdmitOutcome,
  BuildJob,
  BuildResult,
  ClusterEvent,
  ClusterJob,
  ClusterOptions,
  ConfigLoadKind,
  DeferredReply,
  FinishOutcome,
  Notice,
  PersistRequest,
  ProbeRequest,
  Publication,
  QuickJob,
  QuickResult,
  Ready,
  ServerStatus,
} from './types.js';
export { bumpVersion, solitaryVersion } from './versions.js';
export type { AdminCommand, AdminOutcome, AdminRefusal } from './admin/admin-command.js';
export type { OperatorState } from './admin/migration-release.js';
