import { afterEach, describe, expect, test } from 'vitest';
import { addressFromServerId } from '../../src/common/server-id.js';
import { TairClient } from '../../src/client/index.js';
import { FrameConnection } from '../../src/client/frame-connection.js';
import { DataCode, DataPcode, decodeDataReply, encodeDataRequest, type DataRequest } from '../../src/client/data-protocol.js';
import { bucketOfKey } from '../../src/client/tair-hash.js';
import { quickTable, roundRobin, stable } from '../agent/test-tables.js';
import { startCluster, waitFor, type TestCluster } from './cluster-helpers.js';

const bucketCount = 32;
const copyCount = 2;
let cluster: TestCluster | null = null;
let client: TairClient | null = null;

afterEach(async () => {
  client?.close();
  client = null;
  await cluster?.stop();
  cluster = null;
});

async function ready(serverCount: number): Promise<TestCluster> {
  cluster = await startCluster('group_1', serverCount);
  cluster.configServer.publish(stable(roundRobin(cluster.ids, bucketCount, copyCount), bucketCount, copyCount));
  await tablesApplied(cluster);
  client = await TairClient.open({ configServers: [cluster.configServer.address], groupName: 'group_1', refreshIntervalMs: 50 });
  return cluster;
}

async function tablesApplied(current: TestCluster): Promise<void> {
  await waitFor(
    () => [...current.dataServers.values()].every((server) => server.agent.versions.clientVersion === current.configServer.clientVersion),
    'every data server to hold the latest table',
  );
}

async function ask(serverId: bigint, request: DataRequest) {
  const connection = await FrameConnection.open(addressFromServerId(serverId), 1000);
  try {
    return decodeDataReply(await connection.request((channelId) => encodeDataRequest(channelId, request), 1000));
  } finally {
    connection.close();
  }
}

/** Which in-process servers store `key` (looked up in their memory, not through the protocol). */
function holdersOf(current: TestCluster, key: string): bigint[] {
  const bucketIndex = bucketOfKey(Buffer.from(key), bucketCount);
  return current.ports
    .filter((port) => current.dataServers.get(port)?.store.get(bucketIndex, Buffer.from(key)) !== undefined)
    .map((port) => current.ids[current.ports.indexOf(port)]);
}

function rowOfKey(table: BigUint64Array, key: string): bigint[] {
  const bucketIndex = bucketOfKey(Buffer.from(key), bucketCount);
  return [table[bucketIndex], table[bucketCount + bucketIndex]];
}

describe('reference data server', () => {
  test('a put is on every copy of its bucket when it is answered, and nowhere else', async () => {
    const current = await ready(3);
    const table = current.configServer.tables!.current;
    for (let i = 0; i < 50; i++) {
      await client!.put(`key-${i}`, `value-${i}`);
      expect(holdersOf(current, `key-${i}`).sort()).toEqual(rowOfKey(table, `key-${i}`).sort());
    }
    for (let i = 0; i < 50; i++) expect((await client!.get(`key-${i}`))?.toString()).toBe(`value-${i}`);
    expect(await client!.remove('key-7')).toBe(true);
    expect(holdersOf(current, 'key-7')).toEqual([]);
    expect(await client!.get('key-7')).toBeNull();
    expect(await client!.remove('key-7')).toBe(false);
  });

  test('a replica refuses writes and a non-holder refuses reads, with its version', async () => {
    const current = await ready(3);
    const [master, replica] = rowOfKey(current.configServer.tables!.current, 'k');
    const outsider = current.ids.find((id) => id !== master && id !== replica)!;
    const key = Buffer.from('k');
    const write = await ask(replica, { pcode: DataPcode.put, key, value: Buffer.from('v') });
    expect(write).toMatchObject({ code: DataCode.wrongServer, configVersion: current.configServer.clientVersion });
    expect((await ask(outsider, { pcode: DataPcode.get, key })).code).toBe(DataCode.wrongServer);
    expect((await ask(master, { pcode: DataPcode.put, key, value: Buffer.from('v') })).code).toBe(DataCode.ok);
    expect((await ask(replica, { pcode: DataPcode.get, key })).value.toString()).toBe('v');
  });

  test('a fourth server: its buckets migrate to it, the group converges, every key keeps its value', async () => {
    const current = await ready(3);
    const ports = current.ports;
    for (let i = 0; i < 300; i++) await client!.put(`key-${i}`, `value-${i}`);
    const extra = await startClusterPort(current);
    const destination = roundRobin([...current.ids], bucketCount, copyCount);
    current.configServer.publish({ bucketCount, copyCount, current: current.configServer.tables!.current, destination });
    await waitFor(() => !current.configServer.migrating, 'migration to converge');
    expect(current.configServer.finishes.length).toBeGreaterThan(0);
    await tablesApplied(current);
    for (let i = 0; i < 300; i++) {
      expect((await client!.get(`key-${i}`))?.toString()).toBe(`value-${i}`);
      expect(holdersOf(current, `key-${i}`).sort()).toEqual(rowOfKey(destination, `key-${i}`).sort());
    }
    expect(current.dataServers.get(extra)!.store.entryCount()).toBeGreaterThan(0);
    expect(ports).toContain(extra);
  });

  test('a dead server: the quick table serves every key, migration restores two copies', async () => {
    const current = await ready(4);
    for (let i = 0; i < 300; i++) await client!.put(`key-${i}`, `value-${i}`);
    const deadPort = current.ports[3];
    await current.dataServers.get(deadPort)!.stop();
    current.dataServers.delete(deadPort);
    const dead = current.ids[3];
    const live = current.ids.slice(0, 3);
    const quick = quickTable(current.configServer.tables!.current, bucketCount, copyCount, [dead]);
    const destination = roundRobin(live, bucketCount, copyCount);
    current.configServer.publish({ bucketCount, copyCount, current: quick, destination });
    for (let i = 0; i < 300; i++) expect((await client!.get(`key-${i}`))?.toString()).toBe(`value-${i}`);
    await waitFor(() => !current.configServer.migrating, 'migration to converge');
    await tablesApplied(current);
    for (let i = 0; i < 300; i++) expect(holdersOf(current, `key-${i}`).sort()).toEqual(rowOfKey(destination, `key-${i}`).sort());
  });

  test('writes during a migration end up on every destination copy with their last value', async () => {
    const current = await ready(3);
    for (let i = 0; i < 200; i++) await client!.put(`key-${i}`, 'old');
    await startClusterPort(current);
    const destination = roundRobin([...current.ids].reverse(), bucketCount, copyCount);
    current.configServer.publish({ bucketCount, copyCount, current: current.configServer.tables!.current, destination });
    let round = 0;
    while (current.configServer.migrating && round < 200) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => client!.put(`key-${(round * 20 + j) % 200}`, `new-${round}`)));
      round++;
    }
    await waitFor(() => !current.configServer.migrating, 'migration to converge');
    await tablesApplied(current);
    for (let i = 0; i < 200; i++) {
      const values = holdersOf(current, `key-${i}`).map((serverId) => {
        const port = current.ports[current.ids.indexOf(serverId)];
        return current.dataServers
          .get(port)!
          .store.get(bucketOfKey(Buffer.from(`key-${i}`), bucketCount), Buffer.from(`key-${i}`))!
          .toString();
      });
      expect(values).toHaveLength(2);
      expect(values[0]).toBe(values[1]);
      expect(values[0]).toBe((await client!.get(`key-${i}`))!.toString());
    }
  });

  test('a master hand-over (masters swap, no new copy) needs no data copy and converges', async () => {
    const current = await ready(3);
    await client!.put('swap', 'value');
    const table = current.configServer.tables!.current;
    const swapped = table.slice();
    swapped.set(table.subarray(bucketCount), 0);
    swapped.set(table.subarray(0, bucketCount), bucketCount);
    current.configServer.publish({ bucketCount, copyCount, current: table, destination: swapped });
    await waitFor(() => !current.configServer.migrating, 'hand-over to converge');
    expect(current.configServer.finishes.length).toBe(bucketCount);
    expect((await client!.get('swap'))?.toString()).toBe('value');
  });

  test('an accepted finish moves the bucket at once: the old master refuses writes before any new table arrives', async () => {
    const current = await ready(3);
    for (let i = 0; i < 100; i++) await client!.put(`key-${i}`, `value-${i}`);
    current.configServer.sendTransitions = false;
    current.configServer.completeMigrations = false;
    const destination = roundRobin([...current.ids].reverse(), bucketCount, copyCount);
    const before = current.configServer.tables!.current.slice();
    current.configServer.publish({ bucketCount, copyCount, current: before, destination });
    const serverVersion = current.configServer.serverVersion;
    const finishesWanted = [...Array(bucketCount).keys()].filter((bucketIndex) => {
      const currentRow = [before[bucketIndex], before[bucketCount + bucketIndex]];
      const destinationRow = [destination[bucketIndex], destination[bucketCount + bucketIndex]];
      return currentRow[0] !== destinationRow[0] || !currentRow.slice(1).includes(destinationRow[1]);
    });
    await waitFor(() => current.configServer.finishes.length >= finishesWanted.length, 'every finish');
    const moved = finishesWanted.find((bucketIndex) => before[bucketIndex] !== destination[bucketIndex])!;
    const key = [...Array(5000).keys()].map((i) => `probe-${i}`).find((text) => bucketOfKey(Buffer.from(text), bucketCount) === moved)!;
    await waitFor(() => !current.dataServers.get(current.ports[current.ids.indexOf(before[moved])])!.agent.plan!.mastering.includes(moved), 'the settle');
    const reply = await ask(before[moved], { pcode: DataPcode.put, key: Buffer.from(key), value: Buffer.from('x') });
    expect(reply.code).toBe(DataCode.wrongServer);
    expect(current.configServer.serverVersion).toBe(serverVersion);
  });

  test('solitary: nothing is served, the data stays, the next table brings the server back', async () => {
    const current = await ready(3);
    await client!.put('k', 'v');
    const [master] = rowOfKey(current.configServer.tables!.current, 'k');
    current.configServer.solitary = true;
    const server = current.dataServers.get(current.ports[current.ids.indexOf(master)])!;
    await waitFor(() => server.agent.solitary, 'the data server to go solitary');
    expect((await ask(master, { pcode: DataPcode.get, key: Buffer.from('k') })).code).toBe(DataCode.notServing);
    current.configServer.solitary = false;
    current.configServer.publish(current.configServer.tables!);
    await waitFor(() => !server.agent.solitary, 'the data server to take the table');
    expect((await ask(master, { pcode: DataPcode.get, key: Buffer.from('k') })).value.toString()).toBe('v');
  });
});

async function startClusterPort(current: TestCluster): Promise<number> {
  const { freePorts } = await import('./cluster-helpers.js');
  const { idsOf } = await import('../agent/test-tables.js');
  const [port] = await freePorts(1);
  current.ports.push(port);
  current.ids.push(...idsOf([port]));
  await current.startDataServer(port);
  return port;
}
