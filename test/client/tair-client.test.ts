import { afterEach, describe, expect, test } from 'vitest';
import { fetchGroupTable, GroupFetchError, TairClient, TairRequestError } from '../../src/client/index.js';
import { parseServerAddress } from '../../src/common/server-id.js';
import { FakeConfigServer } from '../agent/fake-config-server.js';
import { roundRobin, stable } from '../agent/test-tables.js';
import { freePorts, startCluster, waitFor, type TestCluster } from '../dataserver/cluster-helpers.js';

const bucketCount = 16;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(serverCount: number, copyCount: number): Promise<TestCluster> {
  const started = await startCluster('group_1', serverCount);
  cleanups.push(() => started.stop());
  started.configServer.publish(stable(roundRobin(started.ids, bucketCount, copyCount), bucketCount, copyCount));
  await waitFor(
    () => [...started.dataServers.values()].every((server) => server.agent.versions.clientVersion === started.configServer.clientVersion),
    'tables',
  );
  return started;
}

async function open(configServers: string[], refreshIntervalMs = 50, retryDeadlineMs = 3000): Promise<TairClient> {
  const client = await TairClient.open({ configServers, groupName: 'group_1', refreshIntervalMs, retryDeadlineMs, requestTimeoutMs: 500 });
  cleanups.push(() => client.close());
  return client;
}

describe('TairClient: getting the table', () => {
  test('config servers are asked in list order; an unreachable first one is skipped', async () => {
    const running = await cluster(2, 2);
    const [closedPort] = await freePorts(1);
    const client = await open([`127.0.0.1:${closedPort}`, running.configServer.address]);
    expect(client.table.version).toBe(running.configServer.clientVersion);
    expect(client.table.summary().servers).toHaveLength(2);
  });

  test('no usable config server: a GroupFetchError naming each one and why', async () => {
    const [closedPort] = await freePorts(1);
    const empty = await new FakeConfigServer('group_1').start();
    cleanups.push(() => empty.stop());
    const error = await open([`127.0.0.1:${closedPort}`, empty.address]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GroupFetchError);
    expect((error as GroupFetchError).reasons).toHaveLength(2);
    expect((error as GroupFetchError).reasons[0]).toContain(`127.0.0.1:${closedPort}`);
    expect((error as GroupFetchError).reasons[1]).toMatch(/unknown or not ready/);
  });

  test('an answer from an older epoch is ignored; a secondary is used only when no primary answers', async () => {
    const running = await cluster(2, 2);
    const secondary = await new FakeConfigServer('group_1').start();
    cleanups.push(() => secondary.stop());
    secondary.publish(stable(roundRobin(running.ids, bucketCount, 2), bucketCount, 2));
    secondary.publish(secondary.tables!);
    secondary.role = 'secondary';
    const addresses = [secondary.address, running.configServer.address].map((text) => parseServerAddress(text, 5198));
    const options = { configServers: addresses, groupName: 'group_1', knownVersion: 0, epoch: 0n, startIndex: 0, timeoutMs: 500 };
    expect((await fetchGroupTable(options)).table?.version).toBe(running.configServer.clientVersion);
    running.configServer.epoch = 3n;
    expect((await fetchGroupTable({ ...options, configServers: addresses.slice(0, 1) })).table?.version).toBe(secondary.clientVersion);
    const older = await fetchGroupTable({ ...options, configServers: addresses.slice(0, 1), epoch: 3n }).catch((error: unknown) => error);
    expect((older as GroupFetchError).reasons[0]).toMatch(/epoch 0 is older than 3/);
    const unchanged = await fetchGroupTable({ ...options, knownVersion: running.configServer.clientVersion, startIndex: 1 });
    expect(unchanged.table).toBeNull();
    expect(unchanged.epoch).toBe(3n);
  });
});

describe('TairClient with any number of config servers (quorum mode)', () => {
  test('the one answering as primary is asked first at the next refresh; a new leader elsewhere is found and then asked first', async () => {
    const running = await cluster(2, 2);
    const tables = stable(roundRobin(running.ids, bucketCount, 2), bucketCount, 2);
    const fakes = await Promise.all([0, 1, 2, 3].map(() => new FakeConfigServer('group_1').start()));
    for (const fake of fakes) {
      cleanups.push(() => fake.stop());
      fake.publish(tables);
      fake.role = 'secondary';
      fake.epoch = 4n;
    }
    fakes[2].role = 'primary';
    const client = await TairClient.open({
      configServers: fakes.map((fake) => fake.address),
      groupName: 'group_1',
      refreshIntervalMs: 0,
      requestTimeoutMs: 500,
    });
    cleanups.push(async () => client.close());
    const asked = (): number[] => fakes.map((fake) => fake.getGroupRequests);
    expect(asked()).toEqual([1, 1, 1, 0]);
    await client.refresh();
    expect(asked()).toEqual([1, 1, 2, 0]);
    fakes[2].role = 'secondary';
    fakes[3].role = 'primary';
    fakes[3].epoch = 5n;
    fakes[3].publish(tables);
    expect(await client.refresh()).toBe(true);
    expect(asked()).toEqual([1, 1, 3, 1]);
    await client.refresh();
    expect(asked()).toEqual([1, 1, 3, 2]);
  });
});

describe('TairClient: routing and refreshing', () => {
  test("a newer version in a data server's reply makes the background refresh fetch the table", async () => {
    const running = await cluster(2, 2);
    const client = await open([running.configServer.address]);
    await client.put('k', 'v');
    const before = client.table.version;
    running.configServer.publish(running.configServer.tables!);
    await waitFor(
      () => [...running.dataServers.values()].every((server) => server.agent.versions.clientVersion === running.configServer.clientVersion),
      'the data servers to learn the version',
    );
    expect((await client.get('k'))?.toString()).toBe('v');
    await waitFor(() => client.table.version !== before, 'the background refresh');
    expect(client.table.version).toBe(running.configServer.clientVersion);
  });

  test('a write to a server that is no longer master is refused, the client refreshes and succeeds', async () => {
    const running = await cluster(2, 2);
    const client = await open([running.configServer.address], 0);
    await client.put('k', 'one');
    const table = running.configServer.tables!.current;
    const swapped = table.slice();
    swapped.set(table.subarray(bucketCount), 0);
    swapped.set(table.subarray(0, bucketCount), bucketCount);
    running.configServer.publish(stable(swapped, bucketCount, 2));
    await waitFor(
      () => [...running.dataServers.values()].every((server) => server.agent.versions.clientVersion === running.configServer.clientVersion),
      'the data servers to take the swapped table',
    );
    await client.put('k', 'two');
    expect(client.stats.retries).toBeGreaterThanOrEqual(1);
    expect(client.stats.serverErrors).toBeGreaterThanOrEqual(1);
    expect(client.table.version).toBe(running.configServer.clientVersion);
    expect((await client.get('k'))?.toString()).toBe('two');
  });

  test('reads fall back to another copy when one is down; writes to a dead master fail after the deadline', async () => {
    const running = await cluster(2, 2);
    const client = await open([running.configServer.address], 0, 400);
    for (let i = 0; i < 20; i++) await client.put(`key-${i}`, `value-${i}`);
    const deadPort = running.ports[0];
    await running.dataServers.get(deadPort)!.stop();
    running.dataServers.delete(deadPort);
    for (let i = 0; i < 20; i++) expect((await client.get(`key-${i}`))?.toString()).toBe(`value-${i}`);
    const deadMastered = [...Array(40).keys()]
      .map((i) => `probe-${i}`)
      .find((key) => {
        return client.table.masterOfBucket(client.table.bucketOf(Buffer.from(key))) === running.ids[0];
      })!;
    const started = Date.now();
    const error = await client.put(deadMastered, 'x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TairRequestError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  test('keys outside 1..1024 bytes are refused before anything is sent', async () => {
    const running = await cluster(2, 2);
    const client = await open([running.configServer.address]);
    await expect(client.put('', 'v')).rejects.toThrow(/key of 0 bytes/);
    await expect(client.get('x'.repeat(1025))).rejects.toThrow(/key of 1025 bytes/);
    expect(client.stats.requests).toBe(0);
  });
});
