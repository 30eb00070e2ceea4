/**
 * What the pair changes in the cluster state machine (src/cluster/pair-roles.ts): a secondary only
 * tracks liveness and serves what it is sent; a takeover jumps versions past what data servers
 * hold; a gap in our own ticks does not make every data server DOWN. Table transfers are checked.
 */
import { describe, expect, test } from 'vitest';
import { Cluster } from '../../src/cluster/index.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import { parseGroupConf } from '../../src/config/group-conf.js';
import type { HeartbeatRequest } from '../../src/protocol/index.js';
import { readTablePacket, tablePacket } from '../../src/pair/table-transfer.js';
import type { PersistedGroupTable } from '../../src/store/persisted-table.js';
import { groupConfText } from '../server/helpers/group-conf.js';

const ports = [7001, 7002, 7003];
const ids = ports.map((port) => serverIdFromText(`127.0.0.1:${port}`, 0));

function newCluster(): Cluster {
  const { groups, problems } = parseGroupConf(groupConfText({ ports, bucketCount: 4, copyCount: 2 }), 'group.conf', { defaultDataServerPort: 5191 });
  expect(problems).toEqual([]);
  return new Cluster({ groups, saved: new Map(), nowMs: 0, options: { settleMs: 100 } });
}

function heartbeat(serverId: bigint, configVersion = 0): HeartbeatRequest {
  return {
    serverFlag: 1,
    serverId,
    notReady: false,
    transition: { version: 0, dataNeedMove: false, failovering: false, migrating: false },
    configVersion,
    recoveryVersion: 0,
    pullMigratedInfo: false,
    proxyBucketIndexes: [],
    pluginsVersion: 0,
    areaCapacityVersion: 0,
    areaCapacities: [],
    statBytes: Buffer.alloc(0),
  };
}

/** primaryTable — what a primary would have sent: 4 buckets × 2 copies over the first two servers. */
function primaryTable(epoch: bigint, version: number): PersistedGroupTable {
  const table = Uint32Array.from([1, 2, 1, 2, 2, 1, 2, 1]);
  return {
    groupName: 'group_1',
    bucketCount: 4,
    copyCount: 2,
    versions: { client: version, server: version, plugins: 1, areaCapacity: 10 },
    epoch,
    migrateBlockCount: -1,
    configHash: '',
    servers: ['127.0.0.1:7001', '127.0.0.1:7002'],
    recordSeq: 2,
    current: table,
    progress: table.slice(),
    destination: table.slice(),
  };
}

describe('the cluster as a secondary', () => {
  test('liveness only: no build, no save, however long the data servers heartbeat', () => {
    const cluster = newCluster();
    cluster.step({ type: 'roleChanged', nowMs: 0, role: 'secondary' });
    for (let nowMs = 0; nowMs <= 2000; nowMs += 100) {
      for (const serverId of ids) cluster.step({ type: 'heartbeat', nowMs, request: heartbeat(serverId) });
      cluster.step({ type: 'tick', nowMs });
    }
    const ready = cluster.ready();
    expect(ready.jobs).toEqual([]);
    expect(ready.persist).toEqual([]);
    expect(ids.map((serverId) => cluster.serverRecord(serverId)?.status)).toEqual(['alive', 'alive', 'alive']);
  });

  test('a synced table is served at once; its servers that heartbeat us are ALIVE', () => {
    const cluster = newCluster();
    cluster.step({ type: 'roleChanged', nowMs: 0, role: 'secondary' });
    expect(cluster.step({ type: 'tableSynced', table: primaryTable(3n, 40), transitionVersion: 5, nowMs: 100 })).toBe(true);
    const group = cluster.groupState('group_1');
    expect(group?.published.versions.server).toBe(40);
    expect(group?.published.transitionVersion).toBe(5);
    expect(group?.epoch).toBe(3n);
    const reply = cluster.step({ type: 'heartbeat', nowMs: 150, request: heartbeat(ids[0]) });
    expect(reply.response.serverVersion).toBe(40);
    expect(reply.tableGroup).toBe('group_1');
    expect(cluster.step({ type: 'tableSynced', table: { ...primaryTable(3n, 41), groupName: 'group_9' }, transitionVersion: 0, nowMs: 200 })).toBe(false);
  });

  test('a takeover jumps versions past what data servers hold, and the primary saves it', () => {
    const cluster = newCluster();
    cluster.step({ type: 'roleChanged', nowMs: 0, role: 'secondary' });
    cluster.step({ type: 'tableSynced', table: primaryTable(0n, 40), transitionVersion: 0, nowMs: 0 });
    for (const serverId of ids.slice(0, 2)) cluster.step({ type: 'heartbeat', nowMs: 10, request: heartbeat(serverId, 40) });
    cluster.step({ type: 'heartbeat', nowMs: 10, request: heartbeat(ids[2], 55) });
    cluster.step({ type: 'heartbeat', nowMs: 10, request: heartbeat(ids[1], 90), sourceVerified: false });
    cluster.ready();
    cluster.step({ type: 'takeOver', takeover: { epoch: 1n, versionStep: 100 }, nowMs: 20 });
    cluster.step({ type: 'roleChanged', nowMs: 20, role: 'primary' });
    cluster.step({ type: 'tick', nowMs: 30 });
    const [save] = cluster.ready().persist;
    expect(save.record.versions.server).toBe(155);
    expect(save.record.versions.client).toBe(155);
    expect(save.record.epoch).toBe(1n);
  });

  test('a gap between ticks (the process was stopped) does not make the data servers DOWN', () => {
    const cluster = newCluster();
    for (const serverId of ids) cluster.step({ type: 'heartbeat', nowMs: 0, request: heartbeat(serverId) });
    cluster.step({ type: 'tick', nowMs: 50 });
    cluster.step({ type: 'tick', nowMs: 30_000 });
    expect(ids.map((serverId) => cluster.serverRecord(serverId)?.status)).toEqual(['alive', 'alive', 'alive']);
    expect(cluster.ready().notices.some((notice) => notice.event === 'stalled')).toBe(true);
    for (let nowMs = 30_100; nowMs <= 32_500; nowMs += 100) cluster.step({ type: 'tick', nowMs });
    expect(ids.map((serverId) => cluster.serverRecord(serverId)?.status)).toEqual(['down', 'down', 'down']);
  });
});

describe('table transfer', () => {
  test('a table and its transition version go through; a damaged one is refused', async () => {
    const sent = primaryTable(2n, 12);
    const packet = await tablePacket('group_1', sent, 9);
    const received = await readTablePacket(packet);
    expect(received.transitionVersion).toBe(9);
    expect(received.table?.versions).toEqual(sent.versions);
    expect(Array.from(received.table?.current ?? [])).toEqual(Array.from(sent.current));
    const tampered = await tablePacket('group_1', { ...sent, epoch: 3n }, 9);
    await expect(readTablePacket({ ...tampered, originalBytes: packet.originalBytes + 1 })).rejects.toThrow(/inflate/);
    await expect(readTablePacket({ ...packet, groupName: 'group_2' })).rejects.toThrow(/group_1/);
    expect((await readTablePacket(await tablePacket('group_1', null, 0))).table).toBeNull();
  });
});
