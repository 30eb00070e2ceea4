/**
 * fake-fleet — data servers simulated the way the original's behave towards the config server:
 * they report the version of the table they hold, take a table when one is sent, and migrate
 * the buckets they master towards the destination.
 */
import { serverIdFromText } from '../../../src/common/server-id.js';
import { originalHeartbeat } from '../../helpers/original-heartbeat.js';
import type { HeartbeatRequest } from '../../../src/protocol/index.js';
import type { HeartbeatReply } from '../../../src/cluster/index.js';

/** FakeDataServer — one simulated data server. */
export interface FakeDataServer {
  name: string;
  id: string;
  serverId: bigint;
  /** beating — sends a heartbeat every second while time advances. */
  beating: boolean;
  /** reachable — what a TCP probe of it finds. */
  reachable: boolean;
  notReady: boolean;
  serverVersion: number;
  transitionVersion: number;
  nextBeatMs: number;
  solitary: boolean;
}

/** dataServerName — `ds1` is 127.0.0.1:5191, `ds12` is 127.0.0.1:5202. */
export function dataServerAddress(name: string): string {
  const match = /^ds(\d+)$/.exec(name);
  if (!match) throw new Error(`'${name}' is not a data server name (ds1, ds2, ...)`);
  return `127.0.0.1:${5190 + Number(match[1])}`;
}

/** createFakeDataServer — a silent server that has never heard from the config server. */
export function createFakeDataServer(name: string): FakeDataServer {
  const id = dataServerAddress(name);
  return {
    name,
    id,
    serverId: serverIdFromText(id, 0),
    beating: false,
    reachable: true,
    notReady: false,
    serverVersion: 0,
    transitionVersion: 0,
    nextBeatMs: 0,
    solitary: false,
  };
}

/** heartbeatOf — the pcode 9 body the server would send now. */
export function heartbeatOf(server: FakeDataServer): HeartbeatRequest {
  return originalHeartbeat(server);
}

/** absorbReply — what the server takes from the reply; returns a one-line summary. */
export function absorbReply(server: FakeDataServer, reply: HeartbeatReply): string {
  const { response } = reply;
  if (response.clientVersion === 1 && response.serverVersion === 1 && response.bucketCount === 0) {
    server.solitary = true;
    return `${server.name} ← solitary`;
  }
  server.solitary = false;
  if (response.bucketCount > 0) {
    server.serverVersion = response.serverVersion;
    server.transitionVersion = response.transition.version;
  }
  const table = reply.tableGroup ? ` table B=${response.bucketCount} C=${response.copyCount}` : response.bucketCount > 0 ? ' B/C (no table yet)' : '';
  const migrating = response.transition.migrating ? ` migrating t=${response.transition.version}` : '';
  return `${server.name} ← ${response.clientVersion}/${response.serverVersion}${table}${migrating}`;
}
