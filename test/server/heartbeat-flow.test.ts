/**
 * A real config server process and three fake data servers speaking the original protocol:
 * the first reply before any table, one build for a fresh cluster, the table every data server
 * gets, and every client-side request answering from the same versions.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inflateTable, Pcode, QueryType, ReturnCode } from '../../src/protocol/index.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import { buildOnce, ConfigServerProcess, freePort, waitFor } from './helpers/config-server-process.js';
import { FakeDataServer } from './helpers/fake-data-server.js';
import { groupConfText } from './helpers/group-conf.js';

let server: ConfigServerProcess;
let dataServers: FakeDataServer[] = [];
const bucketCount = 64;

beforeAll(async () => {
  buildOnce();
  const ports = [await freePort(), await freePort(), await freePort()];
  server = await ConfigServerProcess.create(groupConfText({ ports, bucketCount }));
  await server.start();
  dataServers = ports.map((port) => new FakeDataServer({ configServerPort: server.port, port, intervalMs: 250 }));
});

afterAll(async () => {
  for (const dataServer of dataServers) await dataServer.kill();
  await server?.cleanup();
});

describe('heartbeats and table delivery', () => {
  test('the first reply, before any table, carries B, C and the group name', async () => {
    await dataServers[0].start();
    const first = dataServers[0].replies[0] ?? (await dataServers[0].heartbeatOnce());
    expect(first).toMatchObject({ bucketCount, copyCount: 2, groupName: 'group_1', clientVersion: 1, serverVersion: 1 });
    expect(first.tableBlob.length).toBe(0);
  });

  test('a fresh cluster builds once when all its servers are up, and every server gets the table', async () => {
    await dataServers[1].start();
    await dataServers[2].start();
    await waitFor(() => dataServers.every((ds) => ds.serverVersion >= 10 && ds.current.length === 2 * bucketCount), 10_000);
    const builds = server.logs.filter((line) => line.event === 'table-built');
    expect(builds).toHaveLength(1);
    const ids = new Set(dataServers.map((ds) => ds.serverId));
    const { current, destination } = dataServers[0];
    for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
      const master = current[bucketIndex];
      const slave = current[bucketCount + bucketIndex];
      expect(ids.has(master) && ids.has(slave) && master !== slave).toBe(true);
    }
    expect(Array.from(destination)).toEqual(Array.from(current));
    for (const ds of dataServers) expect(Array.from(ds.current)).toEqual(Array.from(current));
  });

  test('replies without a new table carry versions and the group name, B = C = 0', async () => {
    const reply = await dataServers[0].heartbeatOnce();
    expect(reply).toMatchObject({ bucketCount: 0, copyCount: 0, groupName: 'group_1', serverVersion: dataServers[0].serverVersion });
    expect(reply.tableBlob.length).toBe(0);
    expect(reply.areaCapacityVersion).toBeGreaterThanOrEqual(10);
  });

  test('get_group: the client view, the live servers, and the version the heartbeats carry', async () => {
    const reply = await server.request({ pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'group_1' } });
    if (reply.pcode !== Pcode.getGroupResponse) throw new Error(`pcode ${reply.pcode}`);
    expect(reply.body.configVersion).toBe(dataServers[0].clientVersion);
    expect(reply.body.groupParams).toContainEqual({ key: 'group_status', value: 'on' });
    expect(new Set(reply.body.availableServerIds)).toEqual(new Set(dataServers.map((ds) => ds.serverId)));
    expect(Array.from(inflateTable(reply.body.tableBlob, 2 * bucketCount))).toEqual(Array.from(dataServers[0].current));
    const upToDate = await server.request({ pcode: Pcode.getGroupRequest, body: { configVersion: reply.body.configVersion, groupName: 'group_1' } });
    expect(upToDate.body).toMatchObject({ bucketCount, copyCount: 2, configVersion: reply.body.configVersion, groupParams: [], availableServerIds: [] });
    const unknown = await server.request({ pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'nope' } });
    expect(unknown.body).toMatchObject({ bucketCount: 0, copyCount: 0, configVersion: 0 });
  });

  test('ping, group names, query_info, non-down servers and migrating machines', async () => {
    expect((await server.request({ pcode: Pcode.ping, body: { configVersion: 0, value: 0 } })).body).toMatchObject({ code: 0 });
    expect((await server.request({ pcode: Pcode.groupNamesRequest, body: { configVersion: 0, value: 0 } })).body).toEqual({
      status: 1,
      groupNames: ['group_1'],
    });
    const states = await server.request({ pcode: Pcode.queryInfoRequest, body: { queryType: QueryType.dataServers, groupName: 'group_1', serverId: 0n } });
    expect(states.body).toEqual({ entries: dataServers.map((ds) => ({ key: ds.id, value: 'alive' })) });
    const health = await server.request({ pcode: Pcode.queryInfoRequest, body: { queryType: QueryType.groups, groupName: '', serverId: 0n } });
    expect(health.body).toEqual({ entries: [{ key: 'group_1', value: 'status OK' }] });
    const nonDown = await server.request({ pcode: Pcode.nonDownDataServersRequest, body: { configVersion: 0, groupName: 'group_1' } });
    expect(nonDown.pcode === Pcode.nonDownDataServersResponse && new Set(nonDown.body.serverIds)).toEqual(new Set(dataServers.map((ds) => ds.serverId)));
    const machines = await server.request({ pcode: Pcode.migratingMachinesRequest, body: { serverId: dataServers[0].serverId } });
    expect(machines.body).toEqual({ machines: [] });
  });

  test('op_cmd: read-only commands read group.conf, others fail', async () => {
    const status = await server.request({ pcode: Pcode.opCmdRequest, body: { cmd: 4, params: ['group_1', 'other'] } });
    expect(status.body).toEqual({ code: 0, infos: ['group_1: group_status=on', 'other: group_status=off'] });
    const unknown = await server.request({ pcode: Pcode.opCmdRequest, body: { cmd: 999, params: [] } });
    expect(unknown.body).toMatchObject({ code: ReturnCode.failed });
  });

  test('data-server control edits _server_list lines of group.conf', async () => {
    const extra = serverIdFromText('127.0.0.1:6001', 0);
    const add = await server.request({
      pcode: Pcode.dataServerControlRequest,
      body: { serverIds: [extra, dataServers[0].serverId], op: 0, groupName: 'group_1' },
    });
    expect(add.body).toEqual({ codes: [0, 5] });
    expect(readFileSync(server.groupConfPath, 'utf8')).toMatch(/^_server_list = 127\.0\.0\.1:6001$/m);
    const remove = await server.request({ pcode: Pcode.dataServerControlRequest, body: { serverIds: [extra, extra], op: 1, groupName: 'group_1' } });
    expect(remove.body).toEqual({ codes: [0, 4] });
    expect(readFileSync(server.groupConfPath, 'utf8')).not.toContain('6001');
    const noGroup = await server.request({ pcode: Pcode.dataServerControlRequest, body: { serverIds: [extra], op: 0, groupName: 'nope' } });
    expect(noGroup.body).toEqual({ codes: [6] });
  });
});
