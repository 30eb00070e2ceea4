/**
 * Engine jobs off the event loop: a real ConfigServer in this process, over TCP on 127.0.0.1,
 * with four fake data servers heart-beating a 65,536 × 2 group (B·C past the runner's
 * worker threshold, so every build runs in the worker engine).
 *
 *   - the first build runs in the worker while this thread keeps running: the test watches
 *     the build's step count from the event loop, and heartbeats are answered meanwhile;
 *   - a rebuild whose worker is stopped mid-build fails at once (`build-failed`, the group
 *     keeps serving its table), and the retry runs on a new worker and reaches every server
 *     (as the destination table: the data then migrates).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfigServerConf } from '../../src/config/configserver-conf.js';
import { ConfigServer } from '../../src/server/config-server.js';
import { type EngineRunner, workerSlotThreshold } from '../../src/server/engine-runner.js';
import { freePort, waitFor } from './helpers/config-server-process.js';
import { FakeDataServer } from './helpers/fake-data-server.js';
import { groupConfText } from './helpers/group-conf.js';

const bucketCount = 65_536;
const copyCount = 2;
type LogLine = Record<string, unknown> & { event?: string };

let dir: string;
let server: ConfigServer;
let runner: EngineRunner;
const logs: LogLine[] = [];
let dataServers: FakeDataServer[] = [];

beforeAll(async () => {
  expect(bucketCount * copyCount).toBeGreaterThan(workerSlotThreshold);
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-engine-jobs-'));
  const port = await freePort();
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  await writeFile(join(dir, 'group.conf'), groupConfText({ ports, bucketCount, copyCount, serverDownTimeS: 1 }));
  const configPath = join(dir, 'configserver.conf');
  await writeFile(
    configPath,
    [
      '[public]',
      `config_server = 127.0.0.1:${port}`,
      '[configserver]',
      `port = ${port}`,
      `address = 127.0.0.1:${port}`,
      'group_file = group.conf',
      'data_dir = data',
      'log_file = cfgsvr.log',
      'pid_file = cfgsvr.pid',
      '[tairserver]',
      'port = 5191',
      '',
    ].join('\n'),
  );
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  server = new ConfigServer(await loadConfigServerConf(configPath), logger, {
    tickMs: 50,
    cluster: { settleMs: 300, buildRetryMs: 300 },
  });
  // The runner is the server's own; the test reads its progress and stops its worker.
  runner = (server as unknown as { engines: EngineRunner }).engines;
  await server.start();
  dataServers = ports.map((dsPort) => new FakeDataServer({ configServerPort: port, port: dsPort, intervalMs: 100 }));
}, 30_000);

afterAll(async () => {
  for (const ds of dataServers) await ds.kill();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * watchBuild — resolves with the first step count this thread reads from a running worker
 * build (polling once per event-loop turn), after calling `onSeen` in that same turn. Seeing
 * one at all means this thread ran while the build was running.
 */
function watchBuild(onSeen: () => void, timeoutMs = 20_000): Promise<{ steps: number; slots: number }> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      const progress = runner.workerProgress();
      if (progress) {
        onSeen();
        resolve(progress);
        return;
      }
      if (Date.now() > deadline) reject(new Error('no worker build was seen running'));
      else setImmediate(poll);
    };
    poll();
  });
}

// Whether the server's latest table (the destination: where data goes once migrated) holds
// every slot, each on one of the live servers.
function tableComplete(ds: FakeDataServer, live: Set<bigint>): boolean {
  if (ds.destination.length !== bucketCount * copyCount) return false;
  for (const id of ds.destination) if (!live.has(id)) return false;
  return true;
}

describe('engine jobs run in the worker, and a stopped worker fails its job and is replaced', () => {
  test('the first build runs in the worker while heartbeats are answered, and every server gets the table', async () => {
    let heartbeat: Promise<unknown> | null = null;
    const seen = watchBuild(() => {
      heartbeat = dataServers[0].heartbeatOnce();
    });
    for (const ds of dataServers) await ds.start();
    const progress = await seen;
    expect(progress.slots).toBe(bucketCount * copyCount);
    // A heartbeat sent while the build was running is answered.
    await expect(heartbeat).resolves.toMatchObject({ groupName: 'group_1' });
    const live = new Set(dataServers.map((ds) => ds.serverId));
    await waitFor(
      () => dataServers.every((ds) => tableComplete(ds, live)),
      20_000,
      () => 'not every server got the table',
    );
    expect(logs.filter((line) => line.event === 'table-built')).toHaveLength(1);
  }, 40_000);

  test('a rebuild whose worker is stopped mid-build fails at once; the retry on a new worker reaches every server', async () => {
    const builtBefore = logs.filter((line) => line.event === 'table-built').length;
    let stopping: Promise<void> | null = null;
    const seen = watchBuild(() => {
      stopping = runner.stopWorker();
    });
    await dataServers[3].kill();
    await seen;
    await stopping;
    const failed = await waitFor(
      () => logs.find((line) => line.event === 'build-failed'),
      20_000,
      () => 'no build-failed',
    );
    expect(String(failed.msg)).toContain('engine worker closed');
    const survivors = dataServers.slice(0, 3);
    const live = new Set(survivors.map((ds) => ds.serverId));
    await waitFor(
      () => survivors.every((ds) => tableComplete(ds, live)),
      20_000,
      () => 'the retry did not reach the servers',
    );
    expect(logs.filter((line) => line.event === 'table-built').length).toBeGreaterThan(builtBefore);
  }, 60_000);
});
