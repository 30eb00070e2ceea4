import { afterEach, describe, expect, test } from 'vitest';
import { DataServerAgent, type TableChange } from '../../src/agent/index.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import { FakeConfigServer } from './fake-config-server.js';
import { roundRobin, stable } from './test-tables.js';
import { waitFor } from '../dataserver/cluster-helpers.js';

const self = '127.0.0.1:7001';
const selfId = serverIdFromText(self, 5191);
const others = [serverIdFromText('127.0.0.1:7002', 5191), serverIdFromText('127.0.0.1:7003', 5191)];
const bucketCount = 12;
const copyCount = 2;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(): Promise<FakeConfigServer> {
  const server = await new FakeConfigServer('group_1').start();
  cleanups.push(() => server.stop());
  return server;
}

function agentFor(configServers: FakeConfigServer[]): DataServerAgent {
  const agent = new DataServerAgent({
    self,
    configServers: configServers.map((server) => server.address),
    groupName: 'group_1',
    heartbeatIntervalMs: 30,
    requestTimeoutMs: 500,
    finishRetryPauseMs: 20,
  });
  cleanups.push(() => agent.stop());
  return agent;
}

describe('DataServerAgent against a fake config server', () => {
  test('heartbeats every config server on each interval and reports the table it gets', async () => {
    const [first, second] = [await fake(), await fake()];
    first.publish({
      bucketCount,
      copyCount,
      current: roundRobin([selfId, ...others], bucketCount, copyCount),
      destination: roundRobin([...others, selfId], bucketCount, copyCount),
    });
    const agent = agentFor([first, second]);
    const changes: TableChange[] = [];
    agent.on('table', (change) => changes.push(change));
    agent.start();
    await waitFor(() => first.heartbeats.length >= 3 && second.heartbeats.length >= 3, 'three heartbeats to each');
    expect(changes).toHaveLength(1);
    expect(changes[0].replanned).toBe(true);
    expect(changes[0].plan.migrations.length).toBeGreaterThan(0);
    expect(first.heartbeats.at(-1)).toMatchObject({ serverId: selfId, configVersion: first.serverVersion, serverFlag: 1 });
    expect(first.heartbeats.at(-1)?.extension?.largeTableAccepted).toBe(true);
  });

  test('a finish answered 1 is retried until it is answered 0', async () => {
    const configServer = await fake();
    configServer.publish({
      bucketCount,
      copyCount,
      current: roundRobin([selfId, ...others], bucketCount, copyCount),
      destination: roundRobin([...others, selfId], bucketCount, copyCount),
    });
    configServer.finishCode = 1;
    const agent = agentFor([configServer]);
    const results: { bucketIndex: number; code: number }[] = [];
    agent.on('finish', (result) => results.push(result));
    agent.start();
    await waitFor(() => agent.plan !== null, 'the table');
    const [task] = agent.plan!.migrations;
    expect(agent.reportMigrated(task.bucketIndex, agent.versions.serverVersion)).toBe(true);
    await waitFor(() => configServer.finishes.length >= 3, 'three refused finishes');
    expect(results).toEqual([]);
    configServer.finishCode = null;
    await waitFor(() => results.length === 1, 'the finish to be accepted');
    expect(results[0]).toEqual({ bucketIndex: task.bucketIndex, code: 0 });
    expect(configServer.finishes.at(-1)).toEqual({ version: agent.versions.serverVersion, serverId: selfId, bucketIndex: task.bucketIndex });
    const sent = configServer.finishes.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(configServer.finishes.length).toBe(sent);
    expect(agent.pendingFinishCount).toBe(0);
  });

  test('a new table stops the retries of the old version; a finish for an old version is not sent', async () => {
    const configServer = await fake();
    const tables = {
      bucketCount,
      copyCount,
      current: roundRobin([selfId, ...others], bucketCount, copyCount),
      destination: roundRobin([...others, selfId], bucketCount, copyCount),
    };
    configServer.publish(tables);
    configServer.finishCode = 1;
    const agent = agentFor([configServer]);
    agent.start();
    await waitFor(() => agent.plan !== null, 'the table');
    const oldVersion = agent.versions.serverVersion;
    agent.reportMigrated(agent.plan!.migrations[0].bucketIndex, oldVersion);
    await waitFor(() => configServer.finishes.length >= 2, 'refused finishes');
    configServer.publish(stable(tables.current, bucketCount, copyCount));
    await waitFor(() => agent.versions.serverVersion !== oldVersion, 'the new table');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const sent = configServer.finishes.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(configServer.finishes.length).toBe(sent);
    expect(agent.pendingFinishCount).toBe(0);
    expect(agent.reportMigrated(0, oldVersion)).toBe(false);
  });

  test('versions 1 make it solitary; an unreachable second config server only costs problem events', async () => {
    const configServer = await fake();
    configServer.publish(stable(roundRobin([selfId, ...others], bucketCount, copyCount), bucketCount, copyCount));
    const agent = new DataServerAgent({
      self,
      configServers: [configServer.address, '127.0.0.1:1'],
      heartbeatIntervalMs: 30,
      requestTimeoutMs: 300,
    });
    cleanups.push(() => agent.stop());
    const problems: string[] = [];
    agent.on('problem', (message) => problems.push(message));
    let solitaryEvents = 0;
    agent.on('solitary', () => solitaryEvents++);
    agent.start();
    await waitFor(() => agent.tables !== null, 'the table');
    configServer.solitary = true;
    await waitFor(() => agent.solitary, 'solitary');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(solitaryEvents).toBe(1);
    expect(agent.tables).toBeNull();
    expect(problems.some((message) => message.includes('config server #1'))).toBe(true);
  });

  test('a table of another group is refused', async () => {
    const configServer = await new FakeConfigServer('other_group').start();
    cleanups.push(() => configServer.stop());
    configServer.publish(stable(roundRobin([selfId, ...others], bucketCount, copyCount), bucketCount, copyCount));
    const agent = agentFor([configServer]);
    const problems: string[] = [];
    agent.on('problem', (message) => problems.push(message));
    agent.start();
    await waitFor(() => problems.length > 0, 'a problem');
    expect(problems[0]).toMatch(/group 'other_group'/);
    expect(agent.tables).toBeNull();
  });
});
