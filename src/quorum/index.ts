/**
 * quorum — quorum mode on etcd (issue 14): leader election by lease, fenced publication of
 * tables as change records and snapshots, followers that rebuild every committed table, and
 * local copies for a start without etcd. The host's interface: quorum-coordinator.ts.
 */
export { QuorumCoordinator } from './quorum-coordinator.js';
export type { QuorumCoordinatorEvents, QuorumCoordinatorOptions } from './quorum-coordinator.js';
export { readQuorumConfig, quorumConfKeys, defaultEtcdPrefix, defaultLeaseTtlMs } from './quorum-config.js';
export type { Coordination, EtcdAuth, EtcdSettings, EtcdTls, QuorumConfig } from './quorum-config.js';
export type { PublishOutcome, PublisherOptions } from './fenced-publisher.js';
export type { EtcdReach, QuorumHealth, QuorumRole } from './quorum-health.js';
export type { CommittedTable } from './table-reader.js';
export type { LeaderInfo } from './table-follower.js';
export { createEtcdClient } from './etcd-client.js';
export { checkEtcdAccess, describeRefusal, refusalOf } from './etcd-access.js';
export type { EndpointAccess, EtcdRefusal } from './etcd-access.js';
export { QuorumCodec } from './quorum-codec.js';
export type { CodecMeter, QuorumCodecOptions } from './quorum-codec.js';
