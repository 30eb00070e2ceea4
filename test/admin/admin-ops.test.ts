/**
 * Admin commands through real TCP (op_cmd, pcode 16 → 17) on a running config server: every
 * command validated (empty or bad parameters, unknown groups, a server that is not the primary
 * all get a clear code and message and change nothing), group.conf edits done right, and the
 * plan / drain / pause / resume / cap flow seen by real data servers.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AdminCmd, AdminCode } from '../../src/admin/admin-codes.js';
import type { PlanReport } from '../../src/admin/plan.js';
import type { StatusDocument } from '../../src/http/status-model.js';
import type { TableJson } from '../../src/http/table-export.js';
import { waitFor } from '../server/helpers/config-server-process.js';
import { eventually, OperatorCluster } from '../http/helpers/operator-cluster.js';

let cluster: OperatorCluster;
let ds: string[] = [];

beforeAll(async () => {
  cluster = await OperatorCluster.start({
    serverCount: 4,
    bucketCount: 48,
    racks: ['r1', 'r1', 'r2', 'r2'],
    extraKeys: ['_areaKey_list = first,1;'],
  });
  ds = cluster.dataServers.map((server) => server.id);
});

afterAll(async () => {
  await cluster?.stop();
});

async function status(): Promise<StatusDocument> {
  return (await cluster.getJson<StatusDocument>('/status')).body;
}

/** fingerprint — the tables, versions, operator flags and group.conf: what a refusal must not touch. */
async function fingerprint(): Promise<string> {
  const table = (await cluster.getJson<TableJson>('/groups/group_1/table')).body;
  const group = (await status()).groups[0];
  const servers = group.dataServers.map((server) => [server.id, server.state, server.draining, server.failedOver]);
  return JSON.stringify({
    table,
    versions: group.versions,
    migration: [group.migration.paused, group.migration.capPerServer],
    servers,
    conf: await readFile(cluster.groupConfPath, 'utf8'),
  });
}

async function expectRefused(cmd: number, params: string[], code: number, message: RegExp): Promise<void> {
  const before = await fingerprint();
  const response = await cluster.admin(cmd, params);
  expect(response.code, `${cmd} ${JSON.stringify(params)} → ${response.infos.join('; ')}`).toBe(code);
  expect(response.infos[0]).toMatch(message);
  expect(await fingerprint()).toBe(before);
}

const groupCommands = [
  AdminCmd.resetDataServer,
  AdminCmd.setGroupStatus,
  AdminCmd.migrateBucket,
  AdminCmd.setAreaStatus,
  AdminCmd.switchBucket,
  AdminCmd.activeFailoverOrRecover,
  AdminCmd.replaceDataServer,
  AdminCmd.urgentOffline,
  AdminCmd.rebuild,
  AdminCmd.plan,
  AdminCmd.drain,
  AdminCmd.undrain,
  AdminCmd.pauseMigration,
  AdminCmd.resumeMigration,
  AdminCmd.migrationCap,
  AdminCmd.admit,
];

describe('validation', () => {
  test('no parameters, or empty ones: −4201 naming the problem, nothing changes, the server keeps answering', async () => {
    for (const cmd of [...groupCommands, AdminCmd.allocArea, AdminCmd.setQuota]) {
      await expectRefused(cmd, [], AdminCode.invalidParam, /expected .*parameters/);
      await expectRefused(cmd, ['', '', '', '', ''], AdminCode.invalidParam, /empty|expected/);
    }
    expect((await cluster.admin(AdminCmd.status, [])).code).toBe(0);
  });

  test('unknown commands and groups', async () => {
    await expectRefused(999, ['group_1'], AdminCode.failed, /unknown command 999/);
    await expectRefused(AdminCmd.rebuild, ['nope'], AdminCode.groupNotFound, /group nope not found/);
    await expectRefused(AdminCmd.setGroupStatus, ['nope', 'on'], AdminCode.groupNotFound, /group nope not found/);
    await expectRefused(AdminCmd.setQuota, ['1', '5', 'nope'], AdminCode.groupNotFound, /group nope not found/);
    await expectRefused(AdminCmd.plan, ['nope'], AdminCode.groupNotFound, /not found/);
    await expectRefused(AdminCmd.drain, ['nope', ds[0]], AdminCode.groupNotFound, /not found/);
  });

  test('bad values: numbers, servers, counts', async () => {
    await expectRefused(AdminCmd.migrateBucket, ['group_1', 'x', '0', ds[0], ds[1]], AdminCode.invalidParam, /bucket 'x' is not a whole number/);
    await expectRefused(AdminCmd.migrateBucket, ['group_1', '48', '0', ds[0], ds[1]], AdminCode.invalidParam, /outside 0..47/);
    await expectRefused(AdminCmd.migrateBucket, ['group_1', '1', '0', 'not-an-ip', ds[1]], AdminCode.invalidParam, /src: 'not-an-ip' is not an IPv4 address/);
    await expectRefused(AdminCmd.activeFailoverOrRecover, ['group_1', ds[0], '2'], AdminCode.invalidParam, /type 2 is over 1/);
    await expectRefused(AdminCmd.replaceDataServer, ['group_1', '2', ds[0], ds[1]], AdminCode.invalidParam, /n is 2 but 1 sources/);
    await expectRefused(AdminCmd.migrationCap, ['group_1', '-1'], AdminCode.invalidParam, /not a whole number/);
    await expectRefused(AdminCmd.setGroupStatus, ['group_1', 'maybe'], AdminCode.invalidParam, /must be on or off/);
    await expectRefused(AdminCmd.drain, ['group_1', '127.0.0.1:1'], AdminCode.invalidParam, /not a data server of group group_1/);
    await expectRefused(AdminCmd.plan, ['group_1', 'frobnicate=1'], AdminCode.invalidParam, /must be add=/);
    await expectRefused(AdminCmd.plan, ['group_1', 'drain=127.0.0.1:1'], AdminCode.invalidParam, /not a data server/);
  });

  test('a secondary refuses every command but status with −4210 and changes nothing', async () => {
    const server = cluster.server;
    const primary = server.roleInfo;
    server.roleInfo = () => ({ role: 'secondary', epoch: 7n });
    try {
      for (const cmd of [...groupCommands, AdminCmd.getGroupStatus, AdminCmd.allocArea]) {
        await expectRefused(
          cmd,
          ['group_1', ds[0], '1'],
          AdminCode.notPrimary,
          /is the secondary config server \(epoch 7\); send admin commands to the primary/,
        );
      }
      const reply = await cluster.admin(AdminCmd.status, []);
      expect(JSON.parse(reply.infos[0])).toMatchObject({ role: 'secondary', epoch: 7 });
      expect(await status()).toMatchObject({ role: 'secondary', epoch: 7 });
    } finally {
      server.roleInfo = primary;
    }
  });
});

describe('group.conf commands', () => {
  const conf = () => readFile(cluster.groupConfPath, 'utf8');

  test('group status: written, read back, and handed to clients (versions up)', async () => {
    const before = (await status()).groups[0].versions.client;
    expect(await cluster.admin(AdminCmd.setGroupStatus, ['group_1', 'off'])).toEqual({ code: 0, infos: ['group_1: group_status=off'] });
    expect(await conf()).toMatch(/^group_status = off$/m);
    expect(await cluster.admin(AdminCmd.getGroupStatus, ['group_1'])).toEqual({ code: 0, infos: ['group_1: group_status=off'] });
    expect((await status()).groups[0].versions.client).toBeGreaterThan(before);
  });

  test('area status keeps one line with one entry per area', async () => {
    for (const [area, value] of [
      ['5', 'on'],
      ['6', 'on'],
      ['5', 'off'],
    ])
      expect((await cluster.admin(AdminCmd.setAreaStatus, ['group_1', area, value])).code).toBe(0);
    expect((await conf()).match(/^area_status = .*$/gm)).toEqual(['area_status = 6,on;5,off;']);
    expect(await cluster.admin(AdminCmd.getAreaStatus, ['group_1'])).toEqual({ code: 0, infos: ['group_1: area_status=6,on;5,off;'] });
  });

  test('areas and quotas: allocation by auto key, number and name; deletion removes every name; errors leak nothing', async () => {
    expect(await cluster.admin(AdminCmd.allocArea, ['65536', '1000', 'group_1'])).toEqual({ code: 0, infos: ['2'] });
    expect(await cluster.admin(AdminCmd.allocArea, ['hot', '500', 'group_1'])).toEqual({ code: 0, infos: ['3'] });
    expect(await cluster.admin(AdminCmd.allocArea, ['77', '10', 'group_1'])).toEqual({ code: 0, infos: ['77'] });
    await expectRefused(AdminCmd.allocArea, ['hot', '1', 'group_1'], AdminCode.areaExisted, /area key 'hot' already names area 3/);
    await expectRefused(AdminCmd.allocArea, ['1', '1', 'group_1'], AdminCode.areaExisted, /area 1 already exists/);
    await expectRefused(AdminCmd.allocArea, ['65536', '1x', 'group_1'], AdminCode.invalidParam, /quota '1x'/);
    let text = await conf();
    expect(text).toMatch(/^_areaKey_list = hot,3;$/m);
    expect(text).not.toMatch(/65536/);
    await expectRefused(AdminCmd.setQuota, ['nope', '5', 'group_1'], AdminCode.areaNotExisted, /area nope does not exist/);
    expect(await cluster.admin(AdminCmd.setQuota, ['first', '4242', 'group_1'])).toEqual({ code: 0, infos: ['group_1: area 1 quota 4242'] });
    expect(await cluster.admin(AdminCmd.setQuota, ['hot', '0', 'group_1'])).toEqual({ code: 0, infos: ['group_1: area 3 deleted'] });
    text = await conf();
    expect(text).toMatch(/^_areaCapacity_list = 1,4242;$/m);
    expect(text).not.toMatch(/hot/);
    expect(text).not.toMatch(/\b3,500\b/);
    const query = cluster.server.cluster.queryInfo({ queryType: 1, groupName: 'group_1', serverId: 0n });
    expect(query.entries.map((entry) => entry.key).sort()).toEqual(['area(1)', 'area(2)', 'area(77)']);
  });

  test('reset_ds removes every listed server from tmp_down_server (the first one too), or all of them', async () => {
    const text = await conf();
    const withList = text.replace('group_status = off', `group_status = off\ntmp_down_server = ${ds[0]};${ds[1]};${ds[2]};`);
    await writeFile(cluster.groupConfPath, withList);
    await eventually(
      () => {
        const state = cluster.server.cluster.groupState('group_1');
        return state?.config.commonMap.get('tmp_down_server')?.includes(ds[2]) && state.savedChangeSeq === state.changeSeq;
      },
      5000,
      'the hand edit loaded and saved',
    );
    await expectRefused(AdminCmd.resetDataServer, ['group_1', '127.0.0.1:9'], AdminCode.invalidParam, /not a data server of group group_1/);
    expect(await cluster.admin(AdminCmd.resetDataServer, ['group_1', ds[0]])).toEqual({ code: 0, infos: [`group_1: tmp_down_server=${ds[1]};${ds[2]}`] });
    expect(await cluster.admin(AdminCmd.resetDataServer, ['group_1'])).toEqual({ code: 0, infos: ['group_1: tmp_down_server='] });
    expect(await conf()).not.toMatch(/tmp_down_server/);
  });
});

describe('plan, drain, pause, resume, cap', () => {
  test('plan predicts the drain; nothing changes until the drain; the drain then moves exactly that', async () => {
    const before = await fingerprint();
    const reply = await cluster.admin(AdminCmd.plan, ['group_1', `drain=${ds[3]}`]);
    expect(reply.code).toBe(0);
    const plan = JSON.parse(reply.infos[0]) as PlanReport;
    const held = (await status()).groups[0].dataServers.find((server) => server.id === ds[3])?.replicas.held ?? 0;
    expect(plan).toMatchObject({ ok: true, changes: [`drain=${ds[3]}`] });
    expect(plan.moves.replicas).toBe(held);
    expect(plan.moves.replicas).toBe(plan.moves.minimumReplicas);
    expect(plan.bucketsToMigrate).toBeGreaterThan(0);
    expect(plan.servers.find((server) => server.id === ds[3])?.after).toEqual({ replicas: 0, masters: 0 });
    // Every server within ±1 of its quota (32 each once ds[3] is gone): the engine may use the
    // band to span both racks in one more bucket (r2 keeps a single server), so max − min ≤ 2.
    expect(plan.balance.after.replicas.max - plan.balance.after.replicas.min).toBeLessThanOrEqual(2);
    expect(await fingerprint()).toBe(before);

    expect((await cluster.admin(AdminCmd.drain, ['group_1', ds[3]])).code).toBe(0);
    const migrating = await eventually(async () => {
      const group = (await status()).groups[0];
      return group.state === 'migrating' && group;
    }, 5000);
    expect(migrating.migration.bucketsLeft).toBe(plan.bucketsToMigrate);
    expect(migrating.dataServers.find((server) => server.id === ds[3])).toMatchObject({ draining: true, drained: false });
  });

  test('paused: data servers get a table with nothing to move; resumed: they migrate and the server drains', async () => {
    expect((await cluster.admin(AdminCmd.pauseMigration, ['group_1'])).code).toBe(0);
    const paused = (await status()).groups[0];
    expect(paused.migration.paused).toBe(true);
    await waitFor(() => cluster.dataServers.every((server) => server.serverVersion === paused.versions.server), 5000);
    for (const server of cluster.dataServers) expect(server.bucketsToMigrate()).toEqual([]);
    expect((await cluster.admin(AdminCmd.resumeMigration, ['group_1'])).code).toBe(0);
    await waitFor(() => cluster.dataServers.some((server) => server.bucketsToMigrate().length > 0), 5000);
    const drained = await eventually(async () => {
      await cluster.finishAll();
      const group = (await status()).groups[0];
      return group.state === 'normal' && group.dataServers.find((server) => server.id === ds[3])?.drained && group;
    }, 15_000);
    expect(drained.dataServers.find((server) => server.id === ds[3])?.replicas.held).toBe(0);
  });

  test('migration cap: shown in the status, 0 lifts it', async () => {
    expect((await cluster.admin(AdminCmd.migrationCap, ['group_1', '2'])).code).toBe(0);
    expect((await status()).groups[0].migration.capPerServer).toBe(2);
    expect((await cluster.admin(AdminCmd.migrationCap, ['group_1', '0'])).code).toBe(0);
    expect((await status()).groups[0].migration.capPerServer).toBeNull();
  });

  test('migrate_bucket over the wire: the copy moves once the data servers finish', async () => {
    const table = (await cluster.getJson<TableJson>('/groups/group_1/table')).body;
    const row = [table.current[0][5], table.current[1][5]];
    const target = ds.slice(0, 3).find((id) => !row.includes(id)) as string;
    expect((await cluster.admin(AdminCmd.migrateBucket, ['group_1', '5', '1', row[1] as string, target])).code).toBe(0);
    await eventually(async () => {
      await cluster.finishAll();
      return (await cluster.getJson<TableJson>('/groups/group_1/table')).body.current[1][5] === target;
    }, 10_000);
  });
});

describe('the other cluster commands over the wire', () => {
  const group = async () => (await status()).groups[0];
  const table = async () => (await cluster.getJson<TableJson>('/groups/group_1/table')).body;
  const settle = () =>
    eventually(
      async () => {
        await cluster.finishAll();
        const now = await group();
        // 'degraded' while a failed-over server is DOWN: every bucket has its copies all the same.
        return ['normal', 'degraded'].includes(now.state) && now;
      },
      15_000,
      'the group normal',
    );

  test('rebuild: new versions even with nothing to change', async () => {
    const before = (await group()).versions.server;
    expect((await cluster.admin(AdminCmd.rebuild, ['group_1'])).code).toBe(0);
    await eventually(async () => (await group()).versions.server > before, 5000, 'a new server version');
  });

  test('switch_bucket: master and slave trade places', async () => {
    const before = await table();
    expect((await cluster.admin(AdminCmd.switchBucket, ['group_1', '7,8'])).code).toBe(0);
    await eventually(
      async () => {
        await cluster.finishAll();
        const after = await table();
        return [7, 8].every((bucket) => after.current[0][bucket] === before.current[1][bucket] && after.current[1][bucket] === before.current[0][bucket]);
      },
      10_000,
      'the switched masters',
    );
  });

  test('failover (46 type 0) keeps the server solitary; recover (type 1) brings it back', async () => {
    const victim = cluster.dataServers[2];
    expect((await cluster.admin(AdminCmd.activeFailoverOrRecover, ['group_1', victim.id, '0'])).code).toBe(0);
    const failed = await eventually(
      async () => {
        const server = (await group()).dataServers.find((entry) => entry.id === victim.id);
        return server?.failedOver && server.state === 'down' && server.replicas.held === 0 && server;
      },
      5000,
      'the server failed over',
    );
    expect(failed.replicas.destination).toBe(0);
    await eventually(() => victim.replies.at(-1)?.serverVersion === 1 && victim.replies.at(-1)?.clientVersion === 1, 5000, 'a solitary reply');
    await settle();
    expect((await cluster.admin(AdminCmd.activeFailoverOrRecover, ['group_1', victim.id, '1'])).code).toBe(0);
    await eventually(
      async () => {
        await cluster.finishAll();
        const server = (await group()).dataServers.find((entry) => entry.id === victim.id);
        return server?.state === 'alive' && server.replicas.held > 0;
      },
      15_000,
      'the server rebuilt in',
    );
    await settle();
  });

  test('urgent_offline hands every copy to the replacements; undrain and admit', async () => {
    const [first, second, third] = ds;
    await expectRefused(AdminCmd.urgentOffline, ['group_1', second, first], AdminCode.refused, /already holds every replacement/);
    expect((await cluster.admin(AdminCmd.urgentOffline, ['group_1', second, `${first},${third}`])).code).toBe(0);
    expect((await table()).destination.flat()).not.toContain(second);
    const offline = await settle();
    expect(offline.dataServers.find((entry) => entry.id === second)).toMatchObject({ draining: true, drained: true });
    for (const server of [second, ds[3]]) expect((await cluster.admin(AdminCmd.undrain, ['group_1', server])).code).toBe(0);
    await eventually(
      async () => {
        await cluster.finishAll();
        const now = await group();
        return now.state === 'normal' && now.dataServers.every((entry) => entry.replicas.held > 0);
      },
      15_000,
      'every server holding copies again',
    );
    expect((await cluster.admin(AdminCmd.admit, ['group_1', first])).code).toBe(0);
    await expectRefused(AdminCmd.admit, ['group_1', '127.0.0.1:1'], AdminCode.invalidParam, /not a data server of group group_1/);
  });
});
