import { describe, expect, test } from 'vitest';
import { AgentCore } from '../../src/agent/agent-core.js';
import { currentRow } from '../../src/agent/bucket-plan.js';
import { compressTable, dataServerView, type HeartbeatResponse } from '../../src/protocol/index.js';
import { roundRobin, rowsNaming, viewRows } from './test-tables.js';

const self = 101n;
const [cs0, cs1] = [9000n, 9001n];
const bucketCount = 8;
const copyCount = 2;
const current = roundRobin([self, 102n, 103n], bucketCount, copyCount);
const destination = roundRobin([102n, 103n, self, 104n], bucketCount, copyCount);

function reply(fields: Partial<HeartbeatResponse> & { withTable?: boolean } = {}): HeartbeatResponse {
  const { withTable = false, ...rest } = fields;
  return {
    clientVersion: 20,
    serverVersion: 15,
    bucketCount: withTable ? bucketCount : 0,
    copyCount: withTable ? copyCount : 0,
    downConfigServerId: 0n,
    transition: { version: 0, dataNeedMove: false, failovering: false, migrating: false },
    tableBlob: withTable ? compressTable(dataServerView(current, destination)) : Buffer.alloc(0),
    groupName: 'group_1',
    plugins: null,
    pluginsVersion: 3,
    areaCapacityVersion: 4,
    areaQuotas: [],
    migratedInfo: [],
    recoveryServerIds: [],
    recoveryVersion: 0,
    ...rest,
  };
}

describe('AgentCore', () => {
  test('the first table: a replanned table event; the next heartbeat reports its versions', () => {
    const core = new AgentCore(self, [cs0]);
    expect(core.heartbeatRequest()).toMatchObject({ serverFlag: 1, serverId: self, configVersion: 0, pullMigratedInfo: false });
    const [event] = core.step(0, reply({ withTable: true, transition: { version: 3, dataNeedMove: false, failovering: false, migrating: true } }));
    expect(event).toMatchObject({ kind: 'table', replanned: true, versions: { clientVersion: 20, serverVersion: 15, transitionVersion: 3 } });
    expect(viewRows(core.tables!)).toEqual(rowsNaming(self, current, destination, bucketCount, copyCount));
    expect(core.plan?.mastering.length).toBeGreaterThan(0);
    expect(core.heartbeatRequest()).toMatchObject({
      configVersion: 15,
      transition: { version: 3 },
      pullMigratedInfo: false,
      pluginsVersion: 3,
      areaCapacityVersion: 4,
    });
  });

  test('same server version with a table is a transition: tables replaced, plan kept running', () => {
    const core = new AgentCore(self, [cs0]);
    core.step(0, reply({ withTable: true }));
    const [event] = core.step(0, reply({ withTable: true, clientVersion: 21 }));
    expect(event).toMatchObject({ kind: 'table', replanned: false });
    const [next] = core.step(0, reply({ withTable: true, clientVersion: 22, serverVersion: 16 }));
    expect(next).toMatchObject({ kind: 'table', replanned: true });
  });

  test('a new client version without a table is a versions event; versions under 10 are ignored', () => {
    const core = new AgentCore(self, [cs0]);
    core.step(0, reply({ withTable: true }));
    expect(core.step(0, reply({ clientVersion: 25 }))).toEqual([
      { kind: 'versions', versions: { clientVersion: 25, serverVersion: 15, transitionVersion: 0, recoveryVersion: 0 } },
    ]);
    expect(core.step(0, reply({ clientVersion: 25 }))).toEqual([]);
    expect(core.step(0, reply({ clientVersion: 0, serverVersion: 0, withTable: true }))).toEqual([]);
    expect(core.versions.serverVersion).toBe(15);
  });

  test('versions 1/1 make the server solitary once; it drops its table and asks again from version 0', () => {
    const core = new AgentCore(self, [cs0]);
    core.step(0, reply({ withTable: true }));
    expect(core.step(0, reply({ clientVersion: 1, serverVersion: 1 }))).toEqual([{ kind: 'solitary' }]);
    expect(core.step(0, reply({ clientVersion: 1, serverVersion: 1 }))).toEqual([]);
    expect(core.solitary).toBe(true);
    expect(core.tables).toBeNull();
    expect(core.heartbeatRequest().configVersion).toBe(0);
    expect(core.step(0, reply({ withTable: true }))[0]).toMatchObject({ kind: 'table', replanned: true });
    expect(core.solitary).toBe(false);
  });

  test('original pair rule: entry #1 is obeyed only while a reply flags entry #0 down', () => {
    const core = new AgentCore(self, [cs0, cs1]);
    expect(core.step(1, reply({ withTable: true }))).toEqual([]);
    expect(core.activeConfigServerIndex).toBe(0);
    expect(core.step(1, reply({ withTable: true, downConfigServerId: cs0 }))[0]).toMatchObject({ kind: 'table' });
    expect(core.activeConfigServerIndex).toBe(1);
    expect(core.step(0, reply({ clientVersion: 30 }))[0]).toMatchObject({ kind: 'versions' });
    expect(core.step(1, reply({ clientVersion: 31 }))).toEqual([]);
    expect(core.activeConfigServerIndex).toBe(0);
  });

  test('any number of config servers (quorum mode): only the primary of the highest epoch is obeyed, wherever it is listed', () => {
    const servers = [cs0, cs1, 9002n, 9003n, 9004n];
    const core = new AgentCore(self, servers);
    const secondary = { epoch: 3n, role: 'secondary' as const };
    for (let index = 0; index < servers.length; index++)
      if (index !== 3) expect(core.step(index, reply({ withTable: true, extension: secondary }))).toEqual([]);
    expect(core.step(3, reply({ withTable: true, extension: { epoch: 3n, role: 'primary' } }))[0]).toMatchObject({ kind: 'table' });
    expect(core.activeConfigServerIndex).toBe(3);
    // A new leader at entry #4 (higher epoch); the old one, deposed but not yet aware, is ignored.
    expect(core.step(4, reply({ clientVersion: 120, extension: { epoch: 4n, role: 'primary' } }))[0]).toMatchObject({ kind: 'versions' });
    expect(core.activeConfigServerIndex).toBe(4);
    expect(core.step(3, reply({ clientVersion: 121, extension: { epoch: 3n, role: 'primary' } }))).toEqual([]);
    expect(core.heartbeatRequest().extension?.epoch).toBe(4n);
  });

  test('a reply from entry #0 naming entry #1 down changes nothing for entry #0', () => {
    const core = new AgentCore(self, [cs0, cs1]);
    expect(core.step(0, reply({ withTable: true, downConfigServerId: cs1 }))[0]).toMatchObject({ kind: 'table' });
    expect(core.step(1, reply({ clientVersion: 40 }))).toEqual([]);
  });

  test('migrated buckets are reported in heartbeats until the table shows them done, and forgotten on a new epoch', () => {
    const core = new AgentCore(self, [cs0]);
    core.step(0, reply({ withTable: true }));
    const [task] = core.plan!.migrations;
    core.noteMigrated(task.bucketIndex);
    expect(core.heartbeatRequest().proxyBucketIndexes).toEqual([task.bucketIndex]);
    core.step(0, reply({ withTable: true, clientVersion: 21 }));
    expect(core.heartbeatRequest().proxyBucketIndexes).toEqual([task.bucketIndex]);
    const done = current.slice();
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      done[copyIndex * bucketCount + task.bucketIndex] = destination[copyIndex * bucketCount + task.bucketIndex];
    }
    core.step(0, reply({ withTable: true, clientVersion: 22, tableBlob: compressTable(dataServerView(done, destination)) }));
    expect(core.heartbeatRequest().proxyBucketIndexes).toEqual([]);
    core.noteMigrated(0);
    core.step(0, reply({ withTable: true, serverVersion: 16 }));
    expect(core.heartbeatRequest().proxyBucketIndexes).toEqual([]);
  });

  test('the highest epoch seen goes back in the request extension; a bad blob throws ProtocolError', () => {
    const core = new AgentCore(self, [cs0]);
    core.step(0, reply({ extension: { epoch: 7n, role: 'primary' } }));
    expect(core.heartbeatRequest().extension).toEqual({ epoch: 7n, largeTableAccepted: true, view: { heldClientVersion: 20, fresh: true } });
    expect(() => core.step(0, reply({ withTable: true, tableBlob: Buffer.from('not zlib') }))).toThrow(/table/);
  });

  test('an accepted finish settles the bucket (current row := destination row), also over an older transition table', () => {
    const core = new AgentCore(self, [cs0]);
    core.step(0, reply({ withTable: true }));
    const [task] = core.plan!.migrations;
    const [event] = core.settleBucket(task.bucketIndex);
    expect(event).toMatchObject({ kind: 'settled', bucketIndex: task.bucketIndex });
    const row = (table: BigUint64Array) => [table[task.bucketIndex], table[bucketCount + task.bucketIndex]];
    const held = () => currentRow(core.tables!, task.bucketIndex);
    expect(held()).toEqual(row(destination));
    expect(core.plan!.migrations.map((candidate) => candidate.bucketIndex)).not.toContain(task.bucketIndex);
    core.step(0, reply({ withTable: true, clientVersion: 21 }));
    expect(held()).toEqual(row(destination));
    core.step(0, reply({ withTable: true, serverVersion: 16 }));
    expect(held()).toEqual(row(current));
    expect(core.settleBucket(bucketCount)).toEqual([]);
  });
});
