/**
 * A data server goes silent: DOWN within T..2T, the quick table is published first (the dead
 * server out of the current table, nothing to migrate), then the destination; the survivors send
 * migrate-finish packets for the buckets they master and the group converges.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOnce, ConfigServerProcess, freePort, waitFor } from './helpers/config-server-process.js';
import type { ReceivedTable } from './helpers/fake-data-server.js';
import { FakeDataServer } from './helpers/fake-data-server.js';
import { groupConfText } from './helpers/group-conf.js';

const bucketCount = 48;
const downTimeMs = 1000;
let server: ConfigServerProcess;
let dataServers: FakeDataServer[] = [];

beforeAll(async () => {
  buildOnce();
  const ports = [await freePort(), await freePort(), await freePort()];
  server = await ConfigServerProcess.create(groupConfText({ ports, bucketCount, serverDownTimeS: downTimeMs / 1000 }));
  await server.start();
  dataServers = ports.map((port) => new FakeDataServer({ configServerPort: server.port, port, intervalMs: 200 }));
  for (const ds of dataServers) await ds.start();
  await waitFor(() => dataServers.every((ds) => ds.serverVersion >= 10 && ds.current.length > 0), 10_000);
});

afterAll(async () => {
  for (const ds of dataServers) await ds.kill();
  await server?.cleanup();
});

const holds = (table: BigUint64Array, serverId: bigint) => table.some((id) => id === serverId);

function rowsAreDistinct(table: BigUint64Array, liveIds: Set<bigint>): boolean {
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    const row = [table[bucketIndex], table[bucketCount + bucketIndex]];
    if (!row.every((id) => liveIds.has(id)) || row[0] === row[1]) return false;
  }
  return true;
}

describe('failover and migration', () => {
  let planned: ReceivedTable;

  test('a silent server is declared DOWN within T..2T, then the quick table, then the destination', async () => {
    const [ds1, ds2, ds3] = dataServers;
    const before = ds1.tables.length;
    const startVersion = ds1.serverVersion;
    const killedAtMs = Date.now();
    await ds3.kill();
    await server.waitForLog((line) => line.event === 'server-down' && line.server === ds3.id, 5000);
    const downAfterMs = Date.now() - killedAtMs;
    expect(downAfterMs).toBeGreaterThanOrEqual(downTimeMs - 250);
    expect(downAfterMs).toBeLessThanOrEqual(2 * downTimeMs + 500);
    await waitFor(() => ds1.tables.at(-1)?.migrating, 5000);
    const published = server.logs.filter((line) => line.event === 'published' && Number(line.server) > startVersion);
    expect(published.map((line) => line.migrateBlockCount !== -1)).toEqual([false, true]);
    const [quick, plan] = published;
    expect(Number(plan.server)).toBeGreaterThan(Number(quick.server));
    const received = ds1.tables.slice(before);
    for (const table of received) expect(holds(table.current, ds3.serverId)).toBe(false);
    for (const table of received.filter((table) => table.serverVersion === quick.server)) {
      expect(Array.from(table.destination)).toEqual(Array.from(table.current));
    }
    planned = received.at(-1) as ReceivedTable;
    expect(planned.serverVersion).toBe(plan.server);
    expect(rowsAreDistinct(planned.destination, new Set([ds1.serverId, ds2.serverId]))).toBe(true);
  });

  test('invalid finish packets are refused with code 1 and change nothing', async () => {
    const [ds1, ds2] = dataServers;
    const bucket = ds1.bucketsToMigrate()[0];
    expect(bucket).toBeDefined();
    const versionBefore = ds1.clientVersion;
    expect(await ds1.sendFinish(bucket, ds1.serverVersion - 1)).toBe(1);
    expect(await ds1.sendFinish(bucketCount)).toBe(1);
    expect(await ds1.sendFinish(-1)).toBe(1);
    expect(await ds2.sendFinish(bucket)).toBe(1);
    await ds1.heartbeatOnce();
    expect(ds1.clientVersion).toBe(versionBefore);
  });

  test('finish packets for every bucket to move: the group converges to the destination', async () => {
    const [ds1, ds2] = dataServers;
    const target = planned.destination;
    const clientBefore = ds1.clientVersion;
    for (const ds of [ds1, ds2]) {
      const codes = await Promise.all(ds.bucketsToMigrate().map((bucket) => ds.sendFinish(bucket)));
      expect(codes.every((code) => code === 0)).toBe(true);
    }
    await waitFor(() => ds1.serverVersion > planned.serverVersion && !ds1.tables.at(-1)?.migrating, 5000);
    const final = ds1.tables.at(-1) as ReceivedTable;
    expect(Array.from(final.current)).toEqual(Array.from(target));
    expect(Array.from(final.destination)).toEqual(Array.from(target));
    expect(final.clientVersion).toBeGreaterThan(clientBefore);
    await server.waitForLog((line) => line.event === 'migration-complete');
  });
});
