/**
 * A hung primary (SIGSTOP: its port still accepts connections) is detected by real requests, and
 * the secondary takes over. Woken up (SIGCONT) with work pending — a data server died meanwhile —
 * the old primary never publishes under its old epoch: it steps down, copies the new state, and
 * then takes its role back under a newer epoch. Our data servers never apply an older table.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataServerProcess } from '../e2e/processes.js';
import { buildOnce, freePort } from '../server/helpers/config-server-process.js';
import { groupConfText } from '../server/helpers/group-conf.js';
import { logsOf, PairProcesses, signal, timeOf, waitForEvent } from './helpers/pair-processes.js';

let pair: PairProcesses;
let dataServers: DataServerProcess[] = [];

beforeAll(async () => {
  buildOnce();
  const ports = [await freePort(), await freePort(), await freePort()];
  pair = await PairProcesses.create({ groupConf: groupConfText({ ports, bucketCount: 48, serverDownTimeS: 1 }), peerTimeoutMs: 600 });
  for (const server of pair.servers) await server.start();
  dataServers = ports.map((port) => new DataServerProcess(port, pair.addresses.join(','), 'group_1'));
  await waitForEvent(pair.servers[1], 'pair-synced', 10_000);
  await waitForEvent(pair.servers[0], 'published', 10_000, (line) => Number(line.server) >= 10);
  await new Promise((resolve) => setTimeout(resolve, 1500));
});

afterAll(async () => {
  for (const dataServer of dataServers) await dataServer.kill('SIGKILL');
  await pair?.cleanup();
});

/** appliedVersions — the server versions a data server applied, in order. */
function appliedVersions(dataServer: DataServerProcess): number[] {
  return dataServer.logs.filter((line) => line.msg === 'table applied').map((line) => Number(line.serverVersion));
}

describe('config-server pair: a hung primary', () => {
  let wokeAtMs = 0;

  test('SIGSTOP of the primary is detected and the secondary takes over', async () => {
    const [first, second] = pair.servers;
    const stoppedAtMs = Date.now();
    signal(first, 'SIGSTOP');
    const took = await waitForEvent(second, 'pair-primary', 6000);
    console.log(`takeover after SIGSTOP: ${timeOf(took) - stoppedAtMs} ms`);
    expect(took.epoch).toBe('1');
    // The agents report a hung server after 1.5 s without an answer, checked at their 1 s beats.
    expect(timeOf(took) - stoppedAtMs).toBeLessThan(3500);
  });

  test('woken with a rebuild pending, the old primary steps down and never publishes under epoch 0', async () => {
    const [first, second] = pair.servers;
    const victim = dataServers[2];
    await victim.kill('SIGKILL');
    await waitForEvent(second, 'server-down', 6000, (line) => line.server === victim.address);
    wokeAtMs = Date.now();
    signal(first, 'SIGCONT');
    await waitForEvent(first, 'pair-step-down', 5000);
    await waitForEvent(first, 'pair-primary', 8000, (line) => line.epoch === '2');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stale = logsOf(first, 'published').filter((line) => timeOf(line) >= wokeAtMs && line.epoch !== '2');
    expect(stale).toEqual([]);
  });

  test('our data servers only ever applied newer tables', () => {
    for (const dataServer of dataServers.slice(0, 2)) {
      const versions = appliedVersions(dataServer);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(versions.at(-1)).toBeGreaterThanOrEqual(210);
    }
  });
});
