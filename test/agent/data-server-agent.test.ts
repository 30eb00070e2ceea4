/**
 * The agent against a fake config server over real TCP, on a clock the test moves by hand
 * (ManualTimers): no fixed sleeps. The network is real, so after moving time a test waits for
 * the effect it expects (a bounded wait on a condition); what must *not* happen is checked after
 * the clock passed the moment it could have.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { DataServerAgent, type TableChange } from '../../src/agent/index.js';
import { HeartbeatLink } from '../../src/agent/heartbeat-link.js';
import { AgentCore } from '../../src/agent/agent-core.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import { backoffDelayMs } from '../../src/common/backoff.js';
import { retryDelayMsMax } from '../../src/limits.js';
import { FakeConfigServer } from './fake-config-server.js';
import { roundRobin, stable } from './test-tables.js';
import { waitFor } from '../dataserver/cluster-helpers.js';
import { ManualTimers } from '../helpers/manual-timers.js';

const self = '127.0.0.1:7001';
const selfId = serverIdFromText(self, 5191);
const others = [serverIdFromText('127.0.0.1:7002', 5191), serverIdFromText('127.0.0.1:7003', 5191)];
const bucketCount = 12;
const copyCount = 2;
const beatMs = 30;
const finishPauseMs = 20;
/** half — the jitter draw of every retry: each delay is 3/4 of its ceiling. */
const half = () => 0.5;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(): Promise<FakeConfigServer> {
  const server = await new FakeConfigServer('group_1').start();
  cleanups.push(() => server.stop());
  return server;
}

function agentFor(configServers: FakeConfigServer[], timers: ManualTimers): DataServerAgent {
  const agent = new DataServerAgent({
    self,
    configServers: configServers.map((server) => server.address),
    groupName: 'group_1',
    heartbeatIntervalMs: beatMs,
    requestTimeoutMs: 500,
    finishRetryPauseMs: finishPauseMs,
    timers,
    random: half,
  });
  cleanups.push(() => agent.stop());
  return agent;
}

function migrating(server: FakeConfigServer): void {
  server.publish({
    bucketCount,
    copyCount,
    current: roundRobin([selfId, ...others], bucketCount, copyCount),
    destination: roundRobin([...others, selfId], bucketCount, copyCount),
  });
}

/** refusals — counts the agent's reports of refused or failed finishes (each schedules a retry). */
function refusals(agent: DataServerAgent): { count: number } {
  const counter = { count: 0 };
  agent.on('problem', (message) => {
    if (message.startsWith('migrate finish')) counter.count += 1;
  });
  return counter;
}

/** beats — move the clock one beat at a time, `count` times, each time until the agent has the replies of `perBeat` config servers. */
async function beats(timers: ManualTimers, agent: DataServerAgent, count: number, perBeat = 1): Promise<void> {
  for (let beat = 0; beat < count; beat++) {
    const answered = agent.counters.heartbeatReplies;
    timers.advance(beatMs);
    await waitFor(() => agent.counters.heartbeatReplies >= answered + perBeat, 'the replies of a beat');
  }
}

describe('DataServerAgent against a fake config server', () => {
  test('heartbeats every config server on each interval and reports the table it gets', async () => {
    const [first, second] = [await fake(), await fake()];
    migrating(first);
    const timers = new ManualTimers();
    const agent = agentFor([first, second], timers);
    const changes: TableChange[] = [];
    agent.on('table', (change) => changes.push(change));
    agent.start();
    await waitFor(() => agent.counters.heartbeatReplies === 2, 'the first replies');
    await beats(timers, agent, 2, 2);
    expect(first.heartbeats).toHaveLength(3);
    expect(second.heartbeats).toHaveLength(3);
    expect(changes).toHaveLength(1);
    expect(changes[0].replanned).toBe(true);
    expect(changes[0].plan.migrations.length).toBeGreaterThan(0);
    expect(first.heartbeats.at(-1)).toMatchObject({ serverId: selfId, configVersion: first.serverVersion, serverFlag: 1 });
    expect(first.heartbeats.at(-1)?.extension).toMatchObject({ largeTableAccepted: true, view: { heldClientVersion: first.clientVersion, fresh: false } });
  });

  test('a finish answered 1 is retried with a growing pause until it is answered 0, then never again', async () => {
    const configServer = await fake();
    migrating(configServer);
    configServer.finishCode = 1;
    const timers = new ManualTimers();
    const agent = agentFor([configServer], timers);
    const results: { bucketIndex: number; code: number }[] = [];
    agent.on('finish', (result) => results.push(result));
    const refused = refusals(agent);
    agent.start();
    await waitFor(() => agent.plan !== null, 'the table');
    const [task] = agent.plan!.migrations;
    expect(agent.reportMigrated(task.bucketIndex, agent.versions.serverVersion)).toBe(true);
    for (let failures = 1; failures <= 4; failures++) {
      await waitFor(() => refused.count === failures, `finish ${failures} refused`);
      const delayMs = backoffDelayMs(failures, { baseMs: finishPauseMs, capMs: retryDelayMsMax }, 0.5);
      timers.advance(delayMs - 1);
      expect(agent.counters.finishPackets).toBe(failures);
      if (failures === 4) configServer.finishCode = null;
      timers.advance(1);
      await waitFor(() => agent.counters.finishPackets === failures + 1, `retry ${failures} after ${delayMs} ms`);
    }
    await waitFor(() => results.length === 1, 'the finish to be accepted');
    expect(results[0]).toEqual({ bucketIndex: task.bucketIndex, code: 0 });
    expect(configServer.finishes.at(-1)).toEqual({ version: agent.versions.serverVersion, serverId: selfId, bucketIndex: task.bucketIndex });
    await beats(timers, agent, 3);
    timers.advance(10 * retryDelayMsMax);
    expect(agent.counters.finishPackets).toBe(5);
    expect(agent.pendingFinishCount).toBe(0);
  });

  test('a finish refused for a minute costs tens of packets, not hundreds: the pause is capped, not fixed', async () => {
    const configServer = await fake();
    migrating(configServer);
    configServer.finishCode = 1;
    const timers = new ManualTimers();
    const agent = agentFor([configServer], timers);
    const refused = refusals(agent);
    agent.start();
    await waitFor(() => agent.plan !== null, 'the table');
    agent.reportMigrated(agent.plan!.migrations[0].bucketIndex, agent.versions.serverVersion);
    let elapsedMs = 0;
    while (elapsedMs < 60_000) {
      const sent = agent.counters.finishPackets;
      await waitFor(() => refused.count === sent, 'the refusal');
      timers.advance(retryDelayMsMax);
      elapsedMs += retryDelayMsMax;
      await waitFor(() => agent.counters.finishPackets > sent, 'the next retry');
    }
    // Pauses 15, 30, 60 … up to 3,750 ms (3/4 of the 5 s cap): about 20 packets in a minute, not the 600 of a fixed 100 ms.
    expect(agent.counters.finishPackets).toBeLessThanOrEqual(25);
  });

  test('a new table stops the retries of the old version; a finish for an old version is not sent', async () => {
    const configServer = await fake();
    migrating(configServer);
    configServer.finishCode = 1;
    const timers = new ManualTimers();
    const agent = agentFor([configServer], timers);
    agent.start();
    await waitFor(() => agent.plan !== null, 'the table');
    const oldVersion = agent.versions.serverVersion;
    agent.reportMigrated(agent.plan!.migrations[0].bucketIndex, oldVersion);
    await waitFor(() => configServer.finishes.length === 1, 'a refused finish');
    configServer.publish(stable(configServer.tables!.current, bucketCount, copyCount));
    await beats(timers, agent, 1);
    await waitFor(() => agent.versions.serverVersion !== oldVersion, 'the new table');
    const sent = agent.counters.finishPackets;
    // Longer than any retry pause, beat by beat (a single jump would also time out the heartbeats in flight).
    await beats(timers, agent, Math.ceil((2 * retryDelayMsMax) / beatMs));
    expect(agent.counters.finishPackets).toBe(sent);
    expect(agent.pendingFinishCount).toBe(0);
    expect(agent.reportMigrated(0, oldVersion)).toBe(false);
  });

  test('versions 1 make it solitary once; an unreachable second config server only costs problem events', async () => {
    const configServer = await fake();
    configServer.publish(stable(roundRobin([selfId, ...others], bucketCount, copyCount), bucketCount, copyCount));
    const timers = new ManualTimers();
    const agent = new DataServerAgent({
      self,
      configServers: [configServer.address, '127.0.0.1:1'],
      heartbeatIntervalMs: beatMs,
      requestTimeoutMs: 300,
      timers,
      random: half,
    });
    cleanups.push(() => agent.stop());
    const problems: string[] = [];
    agent.on('problem', (message) => problems.push(message));
    let solitaryEvents = 0;
    agent.on('solitary', () => solitaryEvents++);
    agent.start();
    await waitFor(() => agent.tables !== null, 'the table');
    configServer.solitary = true;
    await beats(timers, agent, 1);
    await waitFor(() => agent.solitary, 'solitary');
    await beats(timers, agent, 3);
    expect(solitaryEvents).toBe(1);
    expect(agent.tables).toBeNull();
    expect(problems.some((message) => message.includes('config server #1'))).toBe(true);
  });

  test('a table of another group is refused', async () => {
    const configServer = await new FakeConfigServer('other_group').start();
    cleanups.push(() => configServer.stop());
    configServer.publish(stable(roundRobin([selfId, ...others], bucketCount, copyCount), bucketCount, copyCount));
    const agent = agentFor([configServer], new ManualTimers());
    const problems: string[] = [];
    agent.on('problem', (message) => problems.push(message));
    agent.start();
    await waitFor(() => problems.length > 0, 'a problem');
    expect(problems[0]).toMatch(/group 'other_group'/);
    expect(agent.tables).toBeNull();
  });
});

describe('HeartbeatLink reconnects with backoff', () => {
  test('a config server that closes every connection is tried at beats spaced by a growing, capped backoff', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as { port: number }).port;
    const timers = new ManualTimers();
    let failures = 0;
    const link = new HeartbeatLink({ ip: '127.0.0.1', port }, 500, { onResponse: () => undefined, onError: () => failures++ }, timers, 100, half);
    cleanups.push(() => link.close());
    const request = new AgentCore(selfId, [0n]).heartbeatRequest();
    const attempts: number[] = [];
    for (let beat = 1; beat <= 50; beat++) {
      timers.advance(100);
      if (!link.beat(request)) continue;
      attempts.push(timers.nowMs());
      await waitFor(() => failures === attempts.length, `attempt ${attempts.length} to fail`);
    }
    // Each failure waits 3/4 of 100 · 2^(n−1) ms (capped at 5 s) before the next beat may reconnect.
    expect(attempts).toEqual([100, 200, 400, 700, 1300, 2500, 4900]);
  });
});
