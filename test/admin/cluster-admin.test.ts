/**
 * Admin commands on the cluster state machine, in simulated time: each command does what an
 * operator expects (data servers are shown exactly the buckets they should move), and every
 * refusal leaves the state exactly as it was.
 */
import { describe, expect, test } from 'vitest';
import type { AdminCommand } from '../../src/cluster/index.js';
import { ClusterDriver, groupConf } from './helpers/cluster-driver.js';

const group = 'group_1';

function started(serverCount: number, options: Parameters<typeof groupConf>[1] = {}, clusterOptions = {}): ClusterDriver {
  const driver = new ClusterDriver(groupConf(serverCount, options), clusterOptions);
  driver.beat(...Array.from({ length: serverCount }, (_, index) => `ds${index + 1}`));
  driver.advance(1500);
  expect(driver.cluster.groupState(group)?.hasTable).toBe(true);
  return driver;
}

function idOf(driver: ClusterDriver, name: string): bigint {
  return driver.server(name).serverId;
}

/** slotsOf — how many slots of a table name the server. */
function slotsOf(driver: ClusterDriver, name: string, which: 'current' | 'destination'): number {
  const state = driver.cluster.groupState(group);
  const value = state?.tables.valueOf.get(idOf(driver, name));
  if (!state || value === undefined) return 0;
  return state.tables[which].filter((entry) => entry === value).length;
}

/** fingerprint — everything a refused command must leave alone. */
function fingerprint(driver: ClusterDriver): string {
  const state = driver.cluster.groupState(group);
  if (!state) return 'none';
  const records = driver.cluster.serverRecords().map((record) => [record.id, record.status, record.draining, record.heldOut, record.admitted]);
  return JSON.stringify({
    versions: state.versions,
    transition: state.transitionVersion,
    current: Array.from(state.tables.current),
    destination: Array.from(state.tables.destination),
    servers: state.tables.servers,
    migrate: state.migrateBlockCount,
    changeSeq: state.changeSeq,
    rebuild: state.rebuild,
    memberGeneration: state.memberGeneration,
    operator: { paused: state.operator.paused, cap: state.operator.capPerServer },
    records,
  });
}

function expectRefusedUnchanged(driver: ClusterDriver, command: AdminCommand, refusal: string, message: RegExp): void {
  const before = fingerprint(driver);
  const outcome = driver.admin(command);
  expect(outcome).toMatchObject({ ok: false, refusal });
  if (!outcome.ok) expect(outcome.message).toMatch(message);
  expect(fingerprint(driver)).toBe(before);
}

describe('drain', () => {
  test('a drained server ends up holding nothing, then leaves group.conf and is told to go solitary', () => {
    const driver = started(4);
    expect(slotsOf(driver, 'ds4', 'current')).toBeGreaterThan(0);
    expect(driver.admin({ kind: 'drain', groupName: group, serverId: idOf(driver, 'ds4') })).toMatchObject({ ok: true });
    driver.advance(1200);
    expect(slotsOf(driver, 'ds4', 'destination')).toBe(0);
    expect(slotsOf(driver, 'ds4', 'current')).toBeGreaterThan(0);
    expect(['ds1', 'ds2', 'ds3', 'ds4'].flatMap((name) => driver.movable(name)).length).toBeGreaterThan(0);
    driver.settle();
    expect(slotsOf(driver, 'ds4', 'current')).toBe(0);
    expect(driver.cluster.serverRecord(idOf(driver, 'ds4'))).toMatchObject({ status: 'alive', draining: true });
    expect(driver.heartbeat('ds4')).not.toContain('solitary');
    driver.reload(groupConf(3));
    expect(driver.cluster.serverRecord(idOf(driver, 'ds4'))).toBeUndefined();
    expect(driver.heartbeat('ds4')).toBe('ds4 ← solitary');
    expect(driver.heartbeat('ds1')).not.toContain('solitary');
  });

  test('a server removed from group.conf while holding data is answered solitary once it has handed its buckets over', () => {
    const driver = started(4);
    driver.reload(groupConf(3));
    driver.advance(1500);
    expect(driver.heartbeat('ds4')).not.toContain('solitary');
    driver.settle();
    expect(driver.events()).toContain('server-drained');
    expect(driver.heartbeat('ds4')).toBe('ds4 ← solitary');
  });

  test('undrain takes the server back into builds', () => {
    const driver = started(4);
    driver.admin({ kind: 'drain', groupName: group, serverId: idOf(driver, 'ds2') });
    driver.settle();
    expect(slotsOf(driver, 'ds2', 'current')).toBe(0);
    expect(driver.admin({ kind: 'undrain', groupName: group, serverId: idOf(driver, 'ds2') })).toMatchObject({ ok: true });
    driver.settle();
    expect(slotsOf(driver, 'ds2', 'current')).toBeGreaterThan(0);
  });

  test('refusals change nothing', () => {
    const driver = started(2);
    expectRefusedUnchanged(driver, { kind: 'drain', groupName: group, serverId: idOf(driver, 'ds1') }, 'refused', /would leave 1 data servers.*needs 2/);
    expectRefusedUnchanged(driver, { kind: 'drain', groupName: group, serverId: idOf(driver, 'ds9') }, 'invalidParam', /not a data server of group/);
    expectRefusedUnchanged(driver, { kind: 'undrain', groupName: group, serverId: idOf(driver, 'ds1') }, 'refused', /not draining/);
    expectRefusedUnchanged(driver, { kind: 'drain', groupName: 'nope', serverId: idOf(driver, 'ds1') }, 'groupNotFound', /group nope not found/);
  });
});

describe('pause, resume and the migration cap', () => {
  function migrating(clusterOptions = {}): ClusterDriver {
    const driver = started(4, { bucketCount: 48 }, clusterOptions);
    driver.kill('ds4');
    driver.advance(3000);
    expect(driver.cluster.groupState(group)?.migrateBlockCount).toBeGreaterThan(8);
    return driver;
  }

  test('paused: data servers are shown nothing to move, nothing is re-planned as stuck, resume carries on', () => {
    const driver = migrating({ stuckMigrationMs: 3000 });
    driver.migrate(1);
    const left = driver.cluster.groupState(group)?.migrateBlockCount ?? 0;
    expect(driver.admin({ kind: 'pause', groupName: group })).toMatchObject({ ok: true });
    driver.advance(2500);
    for (const name of ['ds1', 'ds2', 'ds3']) expect(driver.movable(name)).toEqual([]);
    driver.advance(6000);
    expect(driver.events()).not.toContain('migration-stuck');
    expect(driver.cluster.groupState(group)?.migrateBlockCount).toBe(left);
    expect(driver.admin({ kind: 'resume', groupName: group })).toMatchObject({ ok: true });
    driver.advance(1500);
    expect(['ds1', 'ds2', 'ds3'].some((name) => driver.movable(name).length > 0)).toBe(true);
    driver.settle();
    const state = driver.cluster.groupState(group);
    expect(state?.migrateBlockCount).toBe(-1);
    expect(Array.from(state?.tables.current ?? [])).toEqual(Array.from(state?.tables.destination ?? []));
  });

  test('a cap of 1: no data server is shown more than one bucket moving in or out, waves follow until done', () => {
    const driver = migrating();
    expect(driver.admin({ kind: 'migrationCap', groupName: group, capPerServer: 1 })).toMatchObject({ ok: true });
    for (let round = 0; round < 60 && (driver.cluster.groupState(group)?.migrateBlockCount ?? -1) >= 0; round++) {
      driver.advance(1100);
      const view = driver.seen.get(group);
      if (!view) throw new Error('no publication');
      const load = new Map<bigint, number>();
      for (let bucket = 0; bucket < view.bucketCount; bucket++) {
        const current = [view.currentIds[bucket], view.currentIds[view.bucketCount + bucket]];
        const target = [view.destinationIds[bucket], view.destinationIds[view.bucketCount + bucket]];
        if (current.every((id, copy) => id === target[copy])) continue;
        for (const id of new Set([current[0], ...target.filter((id) => !current.includes(id))])) load.set(id, (load.get(id) ?? 0) + 1);
      }
      for (const count of load.values()) expect(count).toBeLessThanOrEqual(1);
      driver.migrate();
    }
    expect(driver.cluster.groupState(group)?.migrateBlockCount).toBe(-1);
    expect(driver.events().filter((event) => event === 'migration-wave').length).toBeGreaterThan(2);
  });

  test('bad caps and unknown groups are refused', () => {
    const driver = migrating();
    expectRefusedUnchanged(driver, { kind: 'migrationCap', groupName: group, capPerServer: -1 }, 'invalidParam', /whole number/);
    expectRefusedUnchanged(driver, { kind: 'pause', groupName: 'nope' }, 'groupNotFound', /not found/);
  });
});

describe('destination edits of the original', () => {
  test('migrate bucket: one copy moves to the named server; refusals change nothing', () => {
    const driver = started(4);
    const state = driver.cluster.groupState(group);
    if (!state) throw new Error('no group');
    const B = state.tables.bucketCount;
    const nameOf = (value: number) => `ds${Number(state.tables.servers[value - 1].split(':')[1]) - 5190}`;
    const source = nameOf(state.tables.current[B + 3]);
    const row = [state.tables.current[3], state.tables.current[B + 3]].map(nameOf);
    const target = ['ds1', 'ds2', 'ds3', 'ds4'].find((name) => !row.includes(name)) as string;
    const command = (overrides: Partial<Extract<AdminCommand, { kind: 'migrateBucket' }>>): AdminCommand => ({
      kind: 'migrateBucket',
      groupName: group,
      bucketIndex: 3,
      copyIndex: 1,
      sourceId: idOf(driver, source),
      targetId: idOf(driver, target),
      ...overrides,
    });
    expectRefusedUnchanged(driver, command({ bucketIndex: B }), 'invalidParam', new RegExp(`outside 0..${B - 1}`));
    expectRefusedUnchanged(driver, command({ copyIndex: 2 }), 'invalidParam', /copy 2 is outside 0..1/);
    expectRefusedUnchanged(driver, command({ sourceId: idOf(driver, target) }), 'invalidParam', /does not hold copy 1 of bucket 3/);
    expectRefusedUnchanged(driver, command({ targetId: idOf(driver, row[0]) }), 'invalidParam', /already holds a copy of bucket 3/);
    expectRefusedUnchanged(driver, command({ targetId: idOf(driver, 'ds7') }), 'refused', /not a data server/);
    const serverVersion = state.versions.server;
    expect(driver.admin(command({}))).toMatchObject({ ok: true });
    expect(state.versions.server).toBeGreaterThan(serverVersion);
    expect(state.tables.destination[B + 3]).toBe(state.tables.valueOf.get(idOf(driver, target)));
    expectRefusedUnchanged(driver, command({}), 'refused', /bucket 3 is migrating/);
    driver.settle();
    expect(nameOf(driver.cluster.groupState(group)?.tables.current[B + 3] ?? 0)).toBe(target);
  });

  test('switch buckets: master and slave trade places', () => {
    const driver = started(3);
    const state = driver.cluster.groupState(group);
    if (!state) throw new Error('no group');
    const B = state.tables.bucketCount;
    const before = [0, 1].map((bucket) => [state.tables.current[bucket], state.tables.current[B + bucket]]);
    expectRefusedUnchanged(driver, { kind: 'switchBuckets', groupName: group, bucketIndexes: [0, 0] }, 'invalidParam', /listed twice/);
    expectRefusedUnchanged(driver, { kind: 'switchBuckets', groupName: group, bucketIndexes: [0, B] }, 'invalidParam', /outside/);
    expect(driver.admin({ kind: 'switchBuckets', groupName: group, bucketIndexes: [0, 1] })).toMatchObject({ ok: true });
    driver.settle();
    const after = [0, 1].map((bucket) => [state.tables.current[bucket], state.tables.current[B + bucket]]);
    expect(after).toEqual(before.map(([master, slave]) => [slave, master]));
  });

  test('replace servers: every copy of the source goes to an empty server (rebuilds frozen by _min_data_server_count)', () => {
    const driver = started(3);
    driver.reload(groupConf(5, { minCount: 5 }));
    driver.beat('ds4');
    driver.advance(3500);
    expect(driver.cluster.serverRecord(idOf(driver, 'ds4'))?.status).toBe('alive');
    expect(slotsOf(driver, 'ds4', 'destination')).toBe(0);
    const held = slotsOf(driver, 'ds1', 'current');
    const pair = (source: string, target: string) => ({ sourceId: idOf(driver, source), targetId: idOf(driver, target) });
    expectRefusedUnchanged(driver, { kind: 'replaceServers', groupName: group, pairs: [pair('ds1', 'ds2')] }, 'refused', /already holds buckets/);
    expectRefusedUnchanged(driver, { kind: 'replaceServers', groupName: group, pairs: [pair('ds1', 'ds5')] }, 'refused', /DOWN, not ALIVE/);
    expectRefusedUnchanged(driver, { kind: 'replaceServers', groupName: group, pairs: [pair('ds1', 'ds1')] }, 'invalidParam', /different server/);
    expect(driver.admin({ kind: 'replaceServers', groupName: group, pairs: [pair('ds1', 'ds4')] })).toMatchObject({ ok: true });
    driver.settle();
    expect(slotsOf(driver, 'ds1', 'current')).toBe(0);
    expect(slotsOf(driver, 'ds4', 'current')).toBe(held);
  });

  test("replace servers, as the runbook does it: the new server, drained before it starts, stays empty; replace fills it with exactly the old one's copies and drains the old one", () => {
    const driver = started(3);
    driver.reload(groupConf(4));
    expect(driver.admin({ kind: 'drain', groupName: group, serverId: idOf(driver, 'ds4') })).toMatchObject({ ok: true });
    driver.beat('ds4');
    driver.advance(3500);
    driver.settle();
    expect(driver.cluster.serverRecord(idOf(driver, 'ds4'))).toMatchObject({ status: 'alive', draining: true });
    expect(slotsOf(driver, 'ds4', 'destination')).toBe(0);
    const held = ['ds1', 'ds2', 'ds3'].map((name) => slotsOf(driver, name, 'current'));
    expect(driver.admin({ kind: 'replaceServers', groupName: group, pairs: [{ sourceId: idOf(driver, 'ds1'), targetId: idOf(driver, 'ds4') }] })).toMatchObject(
      { ok: true },
    );
    expect(driver.cluster.serverRecord(idOf(driver, 'ds4'))?.draining).toBe(false);
    expect(driver.cluster.serverRecord(idOf(driver, 'ds1'))?.draining).toBe(true);
    driver.settle();
    driver.advance(5000);
    driver.settle();
    expect(['ds4', 'ds2', 'ds3', 'ds1'].map((name) => slotsOf(driver, name, 'current'))).toEqual([...held, 0]);
  });

  test("urgent offline: a live server's copies go to the replacements and it drains", () => {
    const driver = started(4);
    const held = slotsOf(driver, 'ds3', 'current');
    expectRefusedUnchanged(
      driver,
      { kind: 'urgentOffline', groupName: group, serverId: idOf(driver, 'ds3'), replacementIds: [] },
      'invalidParam',
      /no replacement/,
    );
    expectRefusedUnchanged(
      driver,
      { kind: 'urgentOffline', groupName: group, serverId: idOf(driver, 'ds3'), replacementIds: [idOf(driver, 'ds3')] },
      'invalidParam',
      /distinct/,
    );
    expectRefusedUnchanged(
      driver,
      { kind: 'urgentOffline', groupName: group, serverId: idOf(driver, 'ds3'), replacementIds: [idOf(driver, 'ds8')] },
      'refused',
      /not a data server/,
    );
    expect(
      driver.admin({ kind: 'urgentOffline', groupName: group, serverId: idOf(driver, 'ds3'), replacementIds: [idOf(driver, 'ds4'), idOf(driver, 'ds1')] }),
    ).toMatchObject({ ok: true });
    expect(slotsOf(driver, 'ds3', 'destination')).toBe(0);
    driver.settle();
    expect(slotsOf(driver, 'ds3', 'current')).toBe(0);
    expect(held).toBeGreaterThan(0);
    expect(slotsOf(driver, 'ds1', 'current') + slotsOf(driver, 'ds2', 'current') + slotsOf(driver, 'ds4', 'current')).toBe(24 * 2);
    expect(driver.cluster.serverRecord(idOf(driver, 'ds3'))?.draining).toBe(true);
  });
});

describe('failover, recover, rebuild', () => {
  test('failover takes a live server out at once and keeps it solitary; recover brings it back', () => {
    const driver = started(4);
    expect(driver.admin({ kind: 'failover', groupName: group, serverId: idOf(driver, 'ds2') })).toMatchObject({ ok: true });
    driver.advance(100);
    expect(slotsOf(driver, 'ds2', 'current')).toBe(0);
    expect(driver.cluster.serverRecord(idOf(driver, 'ds2'))).toMatchObject({ status: 'down', heldOut: true });
    expect(driver.heartbeat('ds2')).toBe('ds2 ← solitary');
    driver.settle();
    expect(driver.heartbeat('ds2')).toBe('ds2 ← solitary');
    expectRefusedUnchanged(driver, { kind: 'recover', groupName: group, serverId: idOf(driver, 'ds1') }, 'refused', /not failed over/);
    expect(driver.admin({ kind: 'recover', groupName: group, serverId: idOf(driver, 'ds2') })).toMatchObject({ ok: true });
    driver.advance(2500);
    expect(driver.cluster.serverRecord(idOf(driver, 'ds2'))?.status).toBe('alive');
    driver.settle();
    expect(slotsOf(driver, 'ds2', 'current')).toBeGreaterThan(0);
  });

  test('failover is refused with one copy', () => {
    const driver = started(3, { copyCount: 1 });
    expectRefusedUnchanged(driver, { kind: 'failover', groupName: group, serverId: idOf(driver, 'ds2') }, 'refused', /one copy/);
  });

  test('a forced rebuild publishes new versions even when the table comes out the same', () => {
    const driver = started(3);
    const state = driver.cluster.groupState(group);
    const before = state?.versions.server ?? 0;
    const current = Array.from(state?.tables.current ?? []);
    expect(driver.admin({ kind: 'rebuild', groupName: group })).toMatchObject({ ok: true });
    driver.advance(300);
    expect(state?.versions.server).toBeGreaterThan(before);
    expect(Array.from(state?.tables.current ?? [])).toEqual(current);
    expect(driver.events()).toContain('admin-rebuild');
  });
});
