/**
 * Admission of data servers: with `_accept_strategy = 1` a newcomer goes DOWN → STANDBY → ALIVE
 * and is given buckets; with 0 a returning server is kept solitary, and its heartbeats never
 * bump anyone's versions (the original's version storm).
 */
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildOnce, ConfigServerProcess, freePort, waitFor } from './helpers/config-server-process.js';
import { FakeDataServer } from './helpers/fake-data-server.js';
import { groupConfText } from './helpers/group-conf.js';

const bucketCount = 32;
let server: ConfigServerProcess | null = null;
let dataServers: FakeDataServer[] = [];

beforeAll(() => buildOnce());

afterEach(async () => {
  for (const ds of dataServers) await ds.kill();
  await server?.cleanup();
  server = null;
});

async function startCluster(acceptStrategy: 0 | 1, listed: number, running: number): Promise<ConfigServerProcess> {
  const ports: number[] = [];
  for (let i = 0; i < listed; i++) ports.push(await freePort());
  const process = await ConfigServerProcess.create(groupConfText({ ports, bucketCount, acceptStrategy }));
  server = process;
  await process.start(['--settle-ms', '800']);
  dataServers = ports.map((port) => new FakeDataServer({ configServerPort: process.port, port, intervalMs: 200 }));
  for (const ds of dataServers.slice(0, running)) await ds.start();
  await waitFor(() => dataServers.slice(0, running).every((ds) => ds.serverVersion >= 10 && ds.current.length > 0), 10_000);
  return process;
}

describe('admission', () => {
  test('accept strategy 1: a newcomer passes STANDBY, becomes ALIVE and is given buckets', async () => {
    const process = await startCluster(1, 4, 3);
    const newcomer = dataServers[3];
    const versionBefore = dataServers[0].serverVersion;
    await newcomer.start();
    await process.waitForLog((line) => line.event === 'server-standby' && line.server === newcomer.id, 3000);
    const alive = await process.waitForLog((line) => line.event === 'server-alive' && line.server === newcomer.id, 5000);
    expect(alive.msg).toContain('STANDBY → ALIVE');
    await waitFor(() => dataServers[0].serverVersion > versionBefore && dataServers[0].destination.includes(newcomer.serverId), 5000);
    for (const ds of dataServers) {
      for (const bucket of ds.bucketsToMigrate()) expect(await ds.sendFinish(bucket)).toBe(0);
    }
    await waitFor(() => !dataServers[0].tables.at(-1)?.migrating && dataServers[0].current.includes(newcomer.serverId), 5000);
    const masters = dataServers.map((ds) => Array.from(dataServers[0].current.subarray(0, bucketCount)).filter((id) => id === ds.serverId).length);
    // The engine keeps masters within one of an even share to save moves.
    expect(Math.min(...masters)).toBeGreaterThanOrEqual(bucketCount / 4 - 1);
  });

  test('accept strategy 0: a returning server stays solitary and bumps no version', async () => {
    const process = await startCluster(0, 3, 3);
    const returning = dataServers[2];
    await returning.kill();
    await waitFor(() => dataServers[0].tables.at(-1)?.migrating, 5000);
    const versions = () => [dataServers[0].clientVersion, dataServers[0].serverVersion];
    const before = versions();
    const comeback = new FakeDataServer({ configServerPort: process.port, port: Number(returning.id.split(':')[1]), intervalMs: 100 });
    dataServers.push(comeback);
    await comeback.start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(comeback.replies.length).toBeGreaterThan(5);
    for (const reply of comeback.replies) expect(reply).toMatchObject({ clientVersion: 1, serverVersion: 1, bucketCount: 0 });
    await dataServers[0].heartbeatOnce();
    expect(versions()).toEqual(before);
    const rejected = process.logs.filter((line) => line.event === 'server-rejected');
    expect(rejected).toHaveLength(1);
    // The message names the exact command that lets it in.
    expect(rejected[0].msg).toContain(
      `kept solitary until an operator admits it: tair-cs admin --config-servers 127.0.0.1:${process.port} admit group_1 ${returning.id}`,
    );
  });
});
