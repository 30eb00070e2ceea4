/**
 * Views end to end: a config server in this process, our agents over real TCP. They get their
 * views once and then only changes through a server failure and its migration; an original data
 * server's pull of migrated info is answered from the index; a peer that stops reading is not
 * sent another table until it drains, and is told meanwhile that nothing changed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { serverIdFromText } from '../../src/common/server-id.js';
import { loadConfigServerConf } from '../../src/config/configserver-conf.js';
import type { HeartbeatResponse } from '../../src/protocol/index.js';
import { decodeResponse, encodePacketFrame, FrameDecoder, Pcode } from '../../src/protocol/index.js';
import { ConfigServer } from '../../src/server/config-server.js';
import { TurnBudget } from '../../src/server/turn-budget.js';
import { contentDeferMsMax } from '../../src/limits.js';
import { SimulatedDataServer } from '../../bench/scale/simulated-data-server.js';
import { originalHeartbeat } from '../helpers/original-heartbeat.js';
import { rowsNaming, viewRows } from '../agent/test-tables.js';
import { freePort, waitFor } from './helpers/config-server-process.js';

interface Running {
  server: ConfigServer;
  port: number;
  ports: number[];
  dir: string;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(bucketCount: number, copyCount: number, serverCount: number, contentBudget?: TurnBudget): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-views-'));
  const port = await freePort();
  const ports: number[] = [];
  for (let i = 0; i < serverCount; i++) ports.push(await freePort());
  await writeFile(
    join(dir, 'group.conf'),
    [
      '[group_1]',
      `_bucket_number = ${bucketCount}`,
      `_copy_count = ${copyCount}`,
      '_server_down_time = 1',
      '_accept_strategy = 1',
      ...ports.map((dsPort) => `_server_list = 127.0.0.1:${dsPort}`),
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'configserver.conf'),
    [
      '[public]',
      `config_server = 127.0.0.1:${port}`,
      '[configserver]',
      `port = ${port}`,
      'group_file = group.conf',
      'data_dir = data',
      'migration_version_interval_ms = 300',
      '',
    ].join('\n'),
  );
  const server = new ConfigServer(await loadConfigServerConf(join(dir, 'configserver.conf')), pino({ level: 'silent' }), {
    tickMs: 50,
    cluster: { settleMs: 300 },
    contentBudget,
  });
  await server.start();
  cleanups.push(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return { server, port, ports, dir };
}

function simulated(running: Running, dsPort: number): SimulatedDataServer {
  const ds = new SimulatedDataServer({
    self: `127.0.0.1:${dsPort}`,
    configServers: [`127.0.0.1:${running.port}`],
    groupName: 'group_1',
    heartbeatIntervalMs: 100,
    migrateRatePerS: 2000,
    startDelayMs: 50,
    onRoundTrip: () => undefined,
  });
  cleanups.push(() => ds.stop());
  return ds;
}

/** publishedIds — the group's tables as the cluster holds them (published once nothing is unsaved). */
function publishedIds(running: Running): { current: BigUint64Array; destination: BigUint64Array; client: number } {
  const group = running.server.cluster.groupState('group_1');
  if (!group) throw new Error('no group');
  const idOf = (value: number) => (value === 0 ? 0n : group.tables.serverIds[value - 1]);
  return {
    current: BigUint64Array.from(group.tables.current, idOf),
    destination: BigUint64Array.from(group.tables.destination, idOf),
    client: group.published.versions.client,
  };
}

function settled(running: Running, agents: SimulatedDataServer[]): boolean {
  const group = running.server.cluster.groupState('group_1');
  if (!group || group.migrateBlockCount >= 0 || group.saving || group.changeSeq > group.savedChangeSeq) return false;
  return agents.every((ds) => ds.agent.versions.clientVersion === group.published.versions.client);
}

describe('views end to end', () => {
  test('each data server gets its view once, then only changes, through a failure and its migration', async () => {
    const running = await startServer(4096, 3, 8);
    const fleet = running.ports.map((dsPort) => simulated(running, dsPort));
    for (const ds of fleet) ds.start();
    await waitFor(
      () => settled(running, fleet),
      15_000,
      () => 'the first table on every data server',
    );
    fleet[3].stop();
    const live = fleet.filter((_, index) => index !== 3);
    const before = publishedIds(running).client;
    await waitFor(
      () => publishedIds(running).client > before + 2 && settled(running, live),
      20_000,
      () => 'convergence after the failure',
    );
    const { current, destination } = publishedIds(running);
    for (const ds of live) {
      expect(viewRows(ds.agent.tables!)).toEqual(rowsNaming(ds.agent.selfId, current, destination, 4096, 3));
      const counters = ds.agent.counters;
      expect(counters.views).toBe(1);
      expect(counters.viewsRefused).toBe(0);
      expect(counters.wholeTables).toBe(0);
      expect(counters.changeSets).toBeGreaterThanOrEqual(3);
      expect(counters.changeSetBytes).toBeLessThanOrEqual(64 * counters.changeSetSlots + 7 * counters.changeSets);
      expect(counters.changeSetsOverBound).toBe(0);
    }
    expect(running.server.counters.storeBytes).toBeGreaterThan(0);
  }, 60_000);
});

function frames(socket: Socket): { replies: HeartbeatResponse[] } {
  const state = { replies: [] as HeartbeatResponse[] };
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) {
      const packet = decodeResponse(frame.pcode, frame.body);
      if (packet.pcode === Pcode.heartbeatResponse) state.replies.push(packet.body);
    }
  });
  return state;
}

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  cleanups.push(() => socket.destroy());
  return socket;
}

describe('original peers', () => {
  test('pull_migrated_info is answered from the index: for each bucket the sender masters, the bucket and its copies', async () => {
    const running = await startServer(1024, 2, 3);
    const fleet = running.ports.slice(1).map((dsPort) => simulated(running, dsPort));
    for (const ds of fleet) ds.start();
    const serverId = serverIdFromText(`127.0.0.1:${running.ports[0]}`, 0);
    const socket = await open(running.port);
    const seen = frames(socket);
    const beat = (pull: boolean) =>
      socket.write(
        encodePacketFrame(seen.replies.length + 100, {
          pcode: Pcode.heartbeatRequest,
          body: { ...originalHeartbeat({ serverId, serverVersion: 0, transitionVersion: 0 }), pullMigratedInfo: pull },
        }),
      );
    beat(false);
    await waitFor(
      () => settled(running, fleet) && running.server.cluster.serverRecord(serverId)?.status === 'alive',
      15_000,
      () => 'a table',
    );
    const count = seen.replies.length;
    beat(true);
    const reply = await waitFor(
      () => seen.replies[count],
      5000,
      () => 'the reply',
    );
    const { current } = publishedIds(running);
    const expected: bigint[] = [];
    for (let bucketIndex = 0; bucketIndex < 1024; bucketIndex++) {
      if (current[bucketIndex] !== serverId) continue;
      expected.push(BigInt(bucketIndex), current[bucketIndex], current[1024 + bucketIndex]);
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(reply.migratedInfo).toEqual(expected);
  }, 30_000);

  test('a peer that stops reading gets heartbeat answers without the table until it drains', async () => {
    const running = await startServer(1 << 18, 2, 3);
    const fleet = running.ports.slice(1).map((dsPort) => simulated(running, dsPort));
    for (const ds of fleet) ds.start();
    const serverId = serverIdFromText(`127.0.0.1:${running.ports[0]}`, 0);
    // Settled: no rebuild to come, so the version (and its blob) stays while the test runs.
    await waitFor(
      () => {
        const group = running.server.cluster.groupState('group_1');
        return group?.published.hasTable && group.rebuild === null && group.job === null && settled(running, fleet);
      },
      30_000,
      () => 'a settled table',
    );
    const socket = await open(running.port);
    const beat = (channelId: number) =>
      socket.write(
        encodePacketFrame(channelId, {
          pcode: Pcode.heartbeatRequest,
          body: { ...originalHeartbeat({ serverId, serverVersion: 0, transitionVersion: 0 }), extension: { epoch: 0n, largeTableAccepted: true } },
        }),
      );
    // A big table is compressed when first asked for: beat until a reply carries it.
    const first = frames(socket);
    for (let channelId = 1; !first.replies.some((reply) => reply.tableBlob.length > 0); channelId++) {
      beat(channelId);
      await waitFor(
        () => first.replies.length >= channelId,
        5000,
        () => 'a reply',
      );
    }
    socket.removeAllListeners('data');
    socket.pause();
    const sentBefore = running.server.counters.replyBytes;
    for (let channelId = 100; channelId < 140; channelId++) beat(channelId);
    // Every heartbeat answered (at least ~100 bytes each) and nothing more being written.
    let last = -1;
    for (let poll = 0; poll < 100; poll++) {
      const sent = running.server.counters.replyBytes - sentBefore;
      if (sent === last && sent > 40 * 100) break;
      last = sent;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seen = frames(socket);
    socket.resume();
    await waitFor(
      () => seen.replies.length === 40,
      20_000,
      () => `40 replies (${seen.replies.length})`,
    );
    const withTable = seen.replies.filter((reply) => reply.tableBlob.length > 0).length;
    expect(withTable).toBeGreaterThan(0);
    expect(withTable).toBeLessThan(40);
    // One without the table tells the peer its (empty) table is current, so it asks again.
    for (const reply of [...first.replies, ...seen.replies].filter((reply) => reply.tableBlob.length === 0)) {
      expect(reply).toMatchObject({ serverVersion: 0, bucketCount: 0, copyCount: 0, transition: { version: 0 } });
    }
    beat(200);
    await waitFor(
      () => seen.replies.length === 41,
      10_000,
      () => 'the reply after draining',
    );
    expect(seen.replies[40].tableBlob.length).toBeGreaterThan(0);
  }, 60_000);
});

describe('content per turn', () => {
  test('past the turn budget a heartbeat that needs its view waits for a later turn; one that needs nothing is answered at once', async () => {
    const turns: (() => void)[] = [];
    const running = await startServer(4096, 2, 3, new TurnBudget(1, 16, (callback) => turns.push(callback)));
    const fleet = running.ports.slice(1).map((dsPort) => simulated(running, dsPort));
    for (const ds of fleet) ds.start();
    // Turns pass as the probe polls while the fleet settles.
    await waitFor(
      () => {
        for (const turn of turns.splice(0)) turn();
        const group = running.server.cluster.groupState('group_1');
        return group?.published.hasTable === true && group.rebuild === null && group.job === null && settled(running, fleet);
      },
      30_000,
      () => 'a settled table',
    );
    // The fleet's own beats charge the budget too: stop them, then turn by hand.
    for (const ds of fleet) await ds.stop();
    for (const turn of turns.splice(0)) turn();
    const serverId = serverIdFromText(`127.0.0.1:${running.ports[0]}`, 0);
    const socket = await open(running.port);
    const seen = frames(socket);
    const beat = (channelId: number, held: { server: number; client: number } | null) =>
      socket.write(
        encodePacketFrame(channelId, {
          pcode: Pcode.heartbeatRequest,
          body: {
            ...originalHeartbeat({ serverId, serverVersion: held?.server ?? 0, transitionVersion: 0 }),
            extension: { epoch: 0n, largeTableAccepted: true, view: { heldClientVersion: held?.client ?? 0, fresh: held === null } },
          },
        }),
      );
    const replies = (count: number) =>
      waitFor(
        () => seen.replies.length >= count,
        5000,
        () => `${count} replies (${seen.replies.length})`,
      );
    beat(1, null);
    await replies(1);
    const first = seen.replies[0];
    expect(first.extension?.content?.kind).toBe('view');
    // The budget is spent: a second fresh view waits, while a beat that holds the latest is answered.
    beat(2, null);
    beat(3, { server: first.serverVersion, client: first.clientVersion });
    await replies(2);
    expect(seen.replies[1].extension?.content).toBeUndefined();
    expect(seen.replies[1].serverVersion).toBe(first.serverVersion);
    expect(turns.length).toBeGreaterThan(0);
    for (const turn of turns.splice(0)) turn();
    await replies(3);
    const deferred = seen.replies[2];
    expect(deferred.extension?.content?.kind).toBe('view');
    expect(Buffer.from(deferred.extension?.content?.rows ?? []).equals(Buffer.from(first.extension?.content?.rows ?? []))).toBe(true);
  }, 60_000);

  test('a reply that waited past contentDeferMsMax goes without its table and tells an original peer nothing changed', async () => {
    const turns: (() => void)[] = [];
    const pump = () => {
      for (const turn of turns.splice(0)) turn();
    };
    const running = await startServer(4096, 2, 3, new TurnBudget(1, 16, (callback) => turns.push(callback)));
    const fleet = running.ports.slice(1).map((dsPort) => simulated(running, dsPort));
    for (const ds of fleet) ds.start();
    await waitFor(
      () => {
        pump();
        const group = running.server.cluster.groupState('group_1');
        return group?.published.hasTable === true && group.rebuild === null && group.job === null && settled(running, fleet);
      },
      30_000,
      () => 'a settled table',
    );
    for (const ds of fleet) await ds.stop();
    pump();
    const serverId = serverIdFromText(`127.0.0.1:${running.ports[0]}`, 0);
    const socket = await open(running.port);
    const seen = frames(socket);
    const beat = (channelId: number) =>
      socket.write(
        encodePacketFrame(channelId, {
          pcode: Pcode.heartbeatRequest,
          body: { ...originalHeartbeat({ serverId, serverVersion: 0, transitionVersion: 0 }), extension: { epoch: 0n, largeTableAccepted: true } },
        }),
      );
    const replies = (count: number) =>
      waitFor(
        () => seen.replies.length >= count,
        5000,
        () => `${count} replies (${seen.replies.length})`,
      );
    beat(1);
    await replies(1);
    expect(seen.replies[0].tableBlob.length).toBeGreaterThan(0);
    // The budget is spent and no turn passes: the next one waits, longer than contentDeferMsMax.
    beat(2);
    await new Promise((resolve) => setTimeout(resolve, contentDeferMsMax + 200));
    expect(seen.replies).toHaveLength(1);
    pump();
    await replies(2);
    expect(seen.replies[1].tableBlob.length).toBe(0);
    expect(seen.replies[1]).toMatchObject({ serverVersion: 0, bucketCount: 0, copyCount: 0, transition: { version: 0 } });
    beat(3);
    await replies(3);
    expect(seen.replies[2].tableBlob.length).toBeGreaterThan(0);
  }, 60_000);
});
