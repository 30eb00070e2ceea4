/**
 * A migration in progress survives a failover, with data servers that speak the original protocol
 * (no extension: they follow entry #0, and entry #1 only while #0 is flagged down; nothing
 * reports on the pair, so the secondary takes over on the primary's silence alone). Finishes sent
 * to the secondary are answered (forwarded).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOnce, freePort } from '../server/helpers/config-server-process.js';
import { groupConfText } from '../server/helpers/group-conf.js';
import { OriginalDataServer } from './helpers/original-data-server.js';
import { PairProcesses, waitFor, waitForEvent } from './helpers/pair-processes.js';

const bucketCount = 48;
let pair: PairProcesses;
let dataServers: OriginalDataServer[] = [];

beforeAll(async () => {
  buildOnce();
  const ports = [await freePort(), await freePort(), await freePort()];
  // A finish is answered once its folded version is saved and pushed to the secondary: a short
  // interval keeps that well inside the data servers' 2 s wait on a loaded machine.
  pair = await PairProcesses.create({
    groupConf: groupConfText({ ports, bucketCount, serverDownTimeS: 1 }),
    peerTimeoutMs: 600,
    migrationVersionIntervalMs: 200,
  });
  for (const server of pair.servers) await server.start();
  await waitForEvent(pair.servers[1], 'pair-synced', 10_000);
  dataServers = ports.map(
    (port) =>
      new OriginalDataServer(
        pair.servers.map((server) => server.port),
        port,
      ),
  );
  for (const dataServer of dataServers) await dataServer.start();
  await waitFor(() => dataServers.every((dataServer) => dataServer.serverVersion >= 10 && !dataServer.migrating), 10_000);
});

afterAll(async () => {
  for (const dataServer of dataServers) await dataServer.kill();
  await pair?.cleanup();
});

/** rowDone — the bucket's current row is its destination row in `dataServer`'s latest table. */
function rowDone(dataServer: OriginalDataServer, bucketIndex: number): boolean {
  return [0, 1].every(
    (copyIndex) => dataServer.current[copyIndex * bucketCount + bucketIndex] === dataServer.destination[copyIndex * bucketCount + bucketIndex],
  );
}

describe('config-server pair: a migration across a failover', () => {
  const finished: number[] = [];

  test('a data server dies, the migration starts; finishes to the primary and to the secondary are answered', async () => {
    const [ds1, ds2, ds3] = dataServers;
    await ds3.kill();
    await waitFor(() => ds1.migrating && ds1.bucketsToMigrate().length > 1 && ds2.bucketsToMigrate().length > 0, 8000);
    const [viaPrimary, viaSecondary] = ds1.bucketsToMigrate();
    expect(await ds1.sendFinish(viaPrimary, 0)).toBe(0);
    expect(await ds1.sendFinish(viaSecondary, 1)).toBe(0);
    const viaPrimary2 = ds2.bucketsToMigrate()[0];
    expect(await ds2.sendFinish(viaPrimary2, 0)).toBe(0);
    finished.push(viaPrimary, viaSecondary, viaPrimary2);
    await waitFor(() => finished.every((bucketIndex) => rowDone(ds1, bucketIndex)), 5000);
    expect(ds1.bucketsToMigrate().length + ds2.bucketsToMigrate().length).toBeGreaterThan(0);
  });

  test('kill -9 of the primary: the secondary takes over with the progress made, versions jump', async () => {
    const [first, second] = pair.servers;
    const [ds1] = dataServers;
    const before = ds1.serverVersion;
    await first.kill9();
    await waitForEvent(second, 'pair-primary', 5000);
    await waitFor(() => ds1.serverVersion >= before + 100 && ds1.activeIndex === 1, 5000);
    expect(ds1.migrating).toBe(true);
    for (const bucketIndex of finished) expect(rowDone(ds1, bucketIndex)).toBe(true);
  });

  test('the data servers finish against the new primary and the migration converges', async () => {
    const [, second] = pair.servers;
    const [ds1, ds2] = dataServers;
    for (const dataServer of [ds1, ds2]) {
      for (const bucketIndex of dataServer.bucketsToMigrate()) expect(await dataServer.sendFinish(bucketIndex)).toBe(0);
    }
    await waitForEvent(second, 'migration-complete', 5000);
    await waitFor(() => !ds1.migrating && ds1.current.every((serverId, slot) => serverId === ds1.destination[slot]), 5000);
    const holders = new Set(ds1.current);
    expect(holders).toEqual(new Set([ds1.serverId, ds2.serverId]));
    for (const dataServer of [ds1, ds2]) {
      expect(dataServer.applied).toEqual([...dataServer.applied].sort((a, b) => a - b));
    }
  });
});
