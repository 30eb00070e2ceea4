/**
 * A split between the two config servers only (a fault-injecting proxy on the line between them;
 * our data servers reach both directly): the secondary does not take over, because the data
 * servers report that they still reach the primary, so there are never two primaries building.
 * Healed, the secondary is brought back in sync. Once the primary is really gone, the reports
 * change and the secondary does take over.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Pcode } from '../../src/protocol/index.js';
import { DataServerProcess } from '../e2e/processes.js';
import { buildOnce, freePort } from '../server/helpers/config-server-process.js';
import type { ConfigServerProcess } from '../server/helpers/config-server-process.js';
import { groupConfText } from '../server/helpers/group-conf.js';
import { eventually, logsOf, PairProcesses, waitForEvent } from './helpers/pair-processes.js';

const peerTimeoutMs = 600;
let pair: PairProcesses;
let dataServers: DataServerProcess[] = [];

beforeAll(async () => {
  buildOnce();
  const ports = [await freePort(), await freePort(), await freePort()];
  pair = await PairProcesses.create({ groupConf: groupConfText({ ports, bucketCount: 48, serverDownTimeS: 1 }), peerTimeoutMs, proxied: true });
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

/** servedVersion — the client version a server answers get_group with (0: not serving). */
async function servedVersion(server: ConfigServerProcess): Promise<number> {
  const reply = await server.request({ pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'group_1' } });
  return reply.pcode === Pcode.getGroupResponse ? reply.body.configVersion : 0;
}

describe('config-server pair: a split between the config servers only', () => {
  test('cut: the secondary keeps waiting (vetoed by the data servers), the primary keeps building alone', async () => {
    const [first, second] = pair.servers;
    pair.setCut(true);
    await waitForEvent(second, 'pair-waiting', 3000, (line) => String(line.reason).includes('still reach the peer'));
    const victim = dataServers[2];
    await victim.kill('SIGKILL');
    await waitForEvent(first, 'server-down', 5000, (line) => line.server === victim.address);
    await waitForEvent(first, 'published', 5000, (line) => line.epoch === '0' && Number(line.server) > 10);
    await new Promise((resolve) => setTimeout(resolve, 5 * peerTimeoutMs));
    expect(logsOf(second, 'pair-primary')).toEqual([]);
    expect(logsOf(second, 'published')).toEqual([]);
    expect(logsOf(second, 'build-started')).toEqual([]);
    expect(logsOf(first, 'pair-step-down')).toEqual([]);
  });

  test('healed: the secondary copies what it missed and serves the same version', async () => {
    const [first, second] = pair.servers;
    const syncedBefore = logsOf(second, 'pair-synced').length;
    pair.setCut(false);
    await eventually(
      async () => logsOf(second, 'pair-synced').length > syncedBefore,
      5000,
      () => 'no resync',
    );
    await eventually(
      async () => (await servedVersion(second)) === (await servedVersion(first)),
      3000,
      () => 'versions differ',
    );
    expect(logsOf(second, 'pair-primary')).toEqual([]);
  });

  test('cut again and the primary really dies: the reports change, the secondary takes over', async () => {
    const [first, second] = pair.servers;
    pair.setCut(true);
    await first.kill9();
    const took = await waitForEvent(second, 'pair-primary', 6000);
    expect(took.epoch).toBe('1');
  });
});
