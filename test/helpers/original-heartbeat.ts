/**
 * original-heartbeat — the pcode 9 body an original Tair data server sends: no extension,
 * no statistics, no proxy report. Shared by the fake data servers of the tests.
 */
import type { HeartbeatRequest } from '../../src/protocol/index.js';

/** OriginalHeartbeatState — what a fake data server knows when it heartbeats. */
export interface OriginalHeartbeatState {
  serverId: bigint;
  serverVersion: number;
  transitionVersion: number;
  notReady?: boolean;
}

/** originalHeartbeat — the heartbeat such a data server sends now. */
export function originalHeartbeat(state: OriginalHeartbeatState): HeartbeatRequest {
  return {
    serverFlag: 1,
    serverId: state.serverId,
    notReady: state.notReady ?? false,
    transition: { version: state.transitionVersion, dataNeedMove: false, failovering: false, migrating: false },
    configVersion: state.serverVersion,
    recoveryVersion: 0,
    pullMigratedInfo: false,
    proxyBucketIndexes: [],
    pluginsVersion: 0,
    areaCapacityVersion: 0,
    areaCapacities: [],
    statBytes: Buffer.alloc(0),
  };
}
