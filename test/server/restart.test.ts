/**
 * Stopping and restarting the config server in the middle of a migration: SIGTERM saves and
 * exits 0, the restarted server serves exactly the versions and tables it saved, and the
 * migration carries on to convergence.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inflateTable, Pcode } from '../../src/protocol/index.js';
import type { GetGroupResponse } from '../../src/protocol/index.js';
import { buildOnce, ConfigServerProcess, freePort, waitFor } from './helpers/config-server-process.js';
import { FakeDataServer } from './helpers/fake-data-server.js';
import { groupConfText } from './helpers/group-conf.js';

const bucketCount = 40;
let server: ConfigServerProcess;
let dataServers: FakeDataServer[] = [];

beforeAll(async () => {
  buildOnce();
  const ports = [await freePort(), await freePort(), await freePort()];
  server = await ConfigServerProcess.create(groupConfText({ ports, bucketCount }));
  await server.start();
  dataServers = ports.map((port) => new FakeDataServer({ configServerPort: server.port, port, intervalMs: 200 }));
  for (const ds of dataServers) await ds.start();
  await waitFor(() => dataServers.every((ds) => ds.serverVersion >= 10 && ds.current.length > 0), 10_000);
});

afterAll(async () => {
  for (const ds of dataServers) await ds.kill();
  await server?.cleanup();
});

async function getGroup(): Promise<GetGroupResponse> {
  const reply = await server.request({ pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'group_1' } });
  if (reply.pcode !== Pcode.getGroupResponse) throw new Error(`pcode ${reply.pcode}`);
  return reply.body;
}

describe('restart in the middle of a migration', () => {
  test('SIGTERM saves, exits 0 and removes the pid file; the restart serves what was saved and the migration resumes', async () => {
    const [ds1, ds2, ds3] = dataServers;
    await ds3.kill();
    await waitFor(() => ds1.tables.at(-1)?.migrating, 5000);
    const half = ds1.bucketsToMigrate().slice(0, 3);
    for (const bucket of half) expect(await ds1.sendFinish(bucket)).toBe(0);
    const before = await getGroup();
    const machinesBefore = await server.request({ pcode: Pcode.migratingMachinesRequest, body: { serverId: ds1.serverId } });

    const pidFile = join(server.dir, 'cfgsvr.pid');
    expect(existsSync(pidFile)).toBe(true);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
    expect(server.logs.some((line) => line.event === 'stopped')).toBe(true);

    await server.start();
    const after = await getGroup();
    expect(after.configVersion).toBe(before.configVersion);
    expect(Array.from(inflateTable(after.tableBlob, 2 * bucketCount))).toEqual(Array.from(inflateTable(before.tableBlob, 2 * bucketCount)));
    const machinesAfter = await server.request({ pcode: Pcode.migratingMachinesRequest, body: { serverId: ds1.serverId } });
    expect(machinesAfter.body).toEqual(machinesBefore.body);

    await waitFor(() => ds1.replies.length > 0 && ds1.replies.at(-1)?.serverVersion === ds1.serverVersion, 5000);
    for (const ds of [ds1, ds2]) {
      for (const bucket of ds.bucketsToMigrate()) expect(await ds.sendFinish(bucket)).toBe(0);
    }
    await waitFor(() => !ds1.tables.at(-1)?.migrating && ds1.tables.at(-1)?.serverVersion !== undefined, 5000);
    const final = await getGroup();
    expect(final.configVersion).toBeGreaterThan(after.configVersion);
    expect(Array.from(inflateTable(final.tableBlob, 2 * bucketCount)).includes(ds3.serverId)).toBe(false);
    expect(server.logs.some((line) => line.event === 'migration-complete')).toBe(true);
  });
});
