/**
 * Our agent in a pair: it obeys only the primary of the highest epoch it has seen (a deposed
 * primary's table is ignored), sends that epoch back, and tells each config server whether it
 * reaches the other one — at once when one stops answering.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { AgentCore } from '../../src/agent/agent-core.js';
import { DataServerAgent } from '../../src/agent/index.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import type { HeartbeatResponse, ResponseExtension } from '../../src/protocol/index.js';
import { compressTable, dataServerView, decodeBody, encodeBody, Pcode } from '../../src/protocol/index.js';
import { FakeConfigServer } from '../agent/fake-config-server.js';
import { roundRobin } from '../agent/test-tables.js';
import { waitFor } from '../dataserver/cluster-helpers.js';

const selfId = serverIdFromText('127.0.0.1:7001', 0);
const peers = [selfId, serverIdFromText('127.0.0.1:7002', 0)];
const csIds = [serverIdFromText('127.0.0.1:5198', 0), serverIdFromText('127.0.0.1:5298', 0)];

function reply(serverVersion: number, extension: ResponseExtension): HeartbeatResponse {
  const table = roundRobin(peers, 4, 2);
  return {
    clientVersion: serverVersion,
    serverVersion,
    bucketCount: 4,
    copyCount: 2,
    downConfigServerId: 0n,
    transition: { version: 0, dataNeedMove: true, failovering: false, migrating: false },
    tableBlob: compressTable(dataServerView(table, table)),
    groupName: 'group_1',
    plugins: null,
    pluginsVersion: 0,
    areaCapacityVersion: 0,
    areaQuotas: [],
    migratedInfo: [],
    recoveryServerIds: [],
    recoveryVersion: 0,
    extension,
  };
}

describe('agent core in a pair', () => {
  test('obeys the primary of the highest epoch only; a deposed primary and a secondary are ignored', () => {
    const core = new AgentCore(selfId, csIds);
    expect(core.step(1, reply(20, { epoch: 0n, role: 'secondary' }))).toEqual([]);
    expect(core.step(0, reply(20, { epoch: 0n, role: 'primary' })).map((event) => event.kind)).toEqual(['table']);
    expect(core.step(1, reply(120, { epoch: 1n, role: 'primary' })).map((event) => event.kind)).toEqual(['table']);
    expect(core.activeConfigServerIndex).toBe(1);
    expect(core.step(0, reply(30, { epoch: 0n, role: 'primary' }))).toEqual([]);
    expect(core.versions.serverVersion).toBe(120);
    expect(core.heartbeatRequest('unreachable').extension).toEqual({
      epoch: 1n,
      largeTableAccepted: true,
      otherConfigServer: 'unreachable',
      view: { heldClientVersion: 120, fresh: false },
    });
  });

  test('the report on the other config server survives the wire; without one nothing is claimed', () => {
    const core = new AgentCore(selfId, csIds);
    for (const otherConfigServer of ['reachable', 'unreachable'] as const) {
      const body = core.heartbeatRequest(otherConfigServer);
      const decoded = decodeBody(Pcode.heartbeatRequest, encodeBody({ pcode: Pcode.heartbeatRequest, body }));
      expect(decoded.extension?.otherConfigServer).toBe(otherConfigServer);
    }
    const plain = decodeBody(Pcode.heartbeatRequest, encodeBody({ pcode: Pcode.heartbeatRequest, body: core.heartbeatRequest() }));
    expect(plain.extension).toEqual({ epoch: 0n, largeTableAccepted: true, view: { heldClientVersion: 0, fresh: true } });
  });
});

describe('agent reports', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function fake(): Promise<FakeConfigServer> {
    const server = await new FakeConfigServer('group_1').start();
    cleanups.push(() => server.stop());
    return server;
  }

  test('each config server hears whether the other answers; a dead one is reported at once', async () => {
    const [first, second] = [await fake(), await fake()];
    const agent = new DataServerAgent({
      self: '127.0.0.1:7001',
      configServers: [first.address, second.address],
      heartbeatIntervalMs: 200,
      requestTimeoutMs: 500,
      configServerSilentMs: 2000,
    });
    cleanups.push(() => agent.stop());
    agent.start();
    await waitFor(() => second.heartbeats.length >= 2, 'two heartbeats to the second');
    expect(second.heartbeats.at(-1)?.extension?.otherConfigServer).toBe('reachable');
    expect(first.heartbeats.at(-1)?.extension?.otherConfigServer).toBe('reachable');
    const before = second.heartbeats.length;
    const stoppedAtMs = Date.now();
    await first.stop();
    await waitFor(() => second.heartbeats.slice(before).some((beat) => beat.extension?.otherConfigServer === 'unreachable'), 'no report of the dead one', 1500);
    // Long before the 2 s of silence: the closed connection is reported at once.
    expect(Date.now() - stoppedAtMs).toBeLessThan(1000);
  });
});
