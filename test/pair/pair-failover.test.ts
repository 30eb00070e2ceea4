/**
 * The pair with three of our data servers (`tair-cs dataserver`), real processes on 127.0.0.1:
 * kill -9 of the primary → the secondary takes over within the budget and then rebuilds when a
 * data server dies; the old primary restarts, copies the state, takes its role back; a client
 * polling both servers the whole time never sees a version go down.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Pcode } from '../../src/protocol/index.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import { inflateTable } from '../../src/protocol/index.js';
import { DataServerProcess } from '../e2e/processes.js';
import { buildOnce, freePort } from '../server/helpers/config-server-process.js';
import { groupConfText } from '../server/helpers/group-conf.js';
import { PairProcesses, eventually, logsOf, timeOf, waitFor, waitForEvent } from './helpers/pair-processes.js';
import { VersionMonitor } from './helpers/version-monitor.js';

const peerTimeoutMs = 600;
const bucketCount = 48;
let pair: PairProcesses;
let dataServers: DataServerProcess[] = [];
let monitor: VersionMonitor;

beforeAll(async () => {
  buildOnce();
  const ports = [await freePort(), await freePort(), await freePort()];
  pair = await PairProcesses.create({ groupConf: groupConfText({ ports, bucketCount, serverDownTimeS: 1 }), peerTimeoutMs });
  const [first, second] = pair.servers;
  await first.start();
  await second.start();
  dataServers = ports.map((port) => new DataServerProcess(port, pair.addresses.join(','), 'group_1'));
  await waitForEvent(first, 'pair-primary', 10_000);
  await waitForEvent(second, 'pair-synced', 10_000);
  await eventually(
    () => servedIds(0),
    10_000,
    () => 'no table served',
  );
  monitor = new VersionMonitor(pair.servers, 'group_1');
  await waitFor(
    () => monitor.answers.some((answer) => answer.role === 'primary') && monitor.answers.some((answer) => answer.role === 'secondary'),
    5000,
    () => 'the monitor got no answer from both',
  );
});

afterAll(async () => {
  await monitor?.stop();
  for (const dataServer of dataServers) await dataServer.kill('SIGKILL');
  await pair?.cleanup();
});

/** servedIds — the distinct data servers in the table a server serves now (null: none). */
async function servedIds(index: number): Promise<Set<bigint> | null> {
  const reply = await pair.servers[index].request({ pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'group_1' } });
  if (reply.pcode !== Pcode.getGroupResponse || reply.body.configVersion < 10 || reply.body.tableBlob.length === 0) return null;
  const { bucketCount: buckets, copyCount } = reply.body;
  return new Set(inflateTable(reply.body.tableBlob, buckets * copyCount));
}

describe('config-server pair: failover and fail-back', () => {
  test('an edit of group.conf on the primary reaches the secondary, which serves it', async () => {
    const [first, second] = pair.servers;
    const edited = readFileSync(first.groupConfPath, 'utf8').replace('group_status = on', 'group_status = on\nowner = pair-test');
    writeFileSync(first.groupConfPath, edited);
    await eventually(
      async () => readFileSync(second.groupConfPath, 'utf8') === edited,
      5000,
      () => 'group.conf not copied',
    );
    await eventually(
      async () => {
        const reply = await second.request({ pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'group_1' } });
        return reply.pcode === Pcode.getGroupResponse && reply.body.groupParams.some((param) => param.key === 'owner' && param.value === 'pair-test');
      },
      5000,
      () => 'the secondary does not serve the new key',
    );
  });

  test('kill -9 of the primary: the secondary takes over under a new epoch within the budget', async () => {
    const [first, second] = pair.servers;
    const killedAtMs = Date.now();
    await first.kill9();
    const took = await waitForEvent(second, 'pair-primary', 5000);
    const takeoverMs = timeOf(took) - killedAtMs;
    console.log(`takeover after kill -9: ${takeoverMs} ms (peer timeout ${peerTimeoutMs} ms)`);
    expect(took.epoch).toBe('1');
    expect(took.newEpoch).toBe(true);
    expect(takeoverMs).toBeLessThan(3000);
    const published = await waitForEvent(second, 'published', 3000, (line) => line.epoch === '1');
    expect(Number(published.server)).toBeGreaterThanOrEqual(110);
  });

  test('the new primary rebuilds when a data server dies', async () => {
    const [, second] = pair.servers;
    const victim = dataServers[2];
    const victimId = serverIdFromText(victim.address, 0);
    await victim.kill('SIGKILL');
    await waitForEvent(second, 'server-down', 6000, (line) => line.server === victim.address);
    await eventually(
      async () => {
        const ids = await servedIds(1);
        return ids !== null && !ids.has(victimId);
      },
      8000,
      () => 'the dead data server is still in the table',
    );
    expect(logsOf(second, 'build-started').length + logsOf(second, 'quick-table').length).toBeGreaterThan(0);
  });

  test('the old primary restarts, copies the state, and takes its role back; versions never go down', async () => {
    const [first, second] = pair.servers;
    const restartedAtMs = Date.now();
    await first.start();
    const synced = await waitForEvent(first, 'pair-synced', 8000);
    const back = await waitForEvent(first, 'pair-primary', 8000);
    console.log(`fail-back: synced after ${timeOf(synced) - restartedAtMs} ms, primary again after ${timeOf(back) - restartedAtMs} ms`);
    expect(back.epoch).toBe('2');
    await waitForEvent(second, 'pair-handing-over', 3000);
    await waitForEvent(second, 'pair-synced', 8000, (line) => line.epoch === '2');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await monitor.stop();
    expect(monitor.decreases).toEqual([]);
    const epochs = [...new Set(monitor.answers.filter((answer) => answer.role === 'primary').map((answer) => answer.epoch))];
    expect(epochs).toEqual([0n, 1n, 2n]);
    console.log(`largest gap between answers: ${monitor.largestGapMs(false)} ms (primary answers: ${monitor.largestGapMs(true)} ms)`);
  });
});
