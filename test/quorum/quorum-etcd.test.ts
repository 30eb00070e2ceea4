/**
 * Quorum mode against a real 3-member etcd: one leader among three coordinators, a resigned
 * leader replaced, fencing by etcd (a leader whose office is gone cannot publish), and followers
 * that rebuild every committed table exactly, whatever the changes, snapshots and compactions.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../src/quorum/etcd-client.js';
import { defaultPublisherOptions, FencedPublisher } from '../../src/quorum/fenced-publisher.js';
import { QuorumKeys } from '../../src/quorum/quorum-keys.js';
import type { EtcdSettings } from '../../src/quorum/quorum-config.js';
import { EtcdCluster } from '../helpers/etcd-cluster.js';
import { CoordinatorSet, etcdSettings, publishSurely, waitFor } from './helpers/coordinators.js';
import type { Mutation } from './helpers/tables.js';
import { baseTable, mutate, tableBytes } from './helpers/tables.js';

const leaseTtlMs = 2000;
let cluster: EtcdCluster;
let admin: Etcd3;
let set: CoordinatorSet;

const settings = (name: string): EtcdSettings => etcdSettings(cluster, name, leaseTtlMs);

beforeAll(async () => {
  cluster = await EtcdCluster.start(3);
  admin = await createEtcdClient(settings('admin'));
});
afterAll(async () => {
  admin?.close();
  await cluster?.close();
});
afterEach(async () => {
  await set?.closeAll();
});

describe('leader election', () => {
  it('elects exactly one of three, and everyone learns its address and epoch', async () => {
    set = new CoordinatorSet(settings('election'));
    for (let index = 0; index < 3; index++) (await set.add()).start();
    const [leader] = await waitFor(() => set.leaders().length === 1 && set.leaders(), 10_000, 'a leader');
    const address = set.coordinators.map((coordinator, index) => (coordinator === leader ? `127.0.0.1:${5000 + index}` : null)).find(Boolean);
    await waitFor(() => set.coordinators.every((coordinator) => coordinator.health().leader?.address === address), 15_000, 'everyone to see the leader');
    // 'elected' (role leader) comes once the leader holds every committed table.
    await waitFor(() => leader.health().role === 'leader', 15_000, 'the leader to announce itself');
    expect(set.leaders()).toEqual([leader]);
    expect(leader.epoch()).toBe(1n);
    expect(set.coordinators.map((coordinator) => coordinator.health().role).sort()).toEqual(['follower', 'follower', 'leader']);
  });

  it('replaces a leader that resigns, under a higher epoch', async () => {
    set = new CoordinatorSet(settings('resign'));
    for (let index = 0; index < 3; index++) (await set.add()).start();
    const [first] = await waitFor(() => set.leaders().length === 1 && set.leaders(), 10_000, 'a leader');
    const firstEpoch = first.epoch();
    await first.stop();
    const [second] = await waitFor(() => set.leaders().length === 1 && set.leaders(), 15_000, 'a new leader');
    expect(second).not.toBe(first);
    expect(second.epoch()).toBe(firstEpoch + 1n);
  });

  it('starts the epoch above the highest epoch the servers hold', async () => {
    set = new CoordinatorSet(settings('floor'));
    (await set.add({ epochFloor: () => 41n })).start();
    const [leader] = await waitFor(() => set.leaders().length === 1 && set.leaders(), 10_000, 'a leader');
    expect(leader.epoch()).toBe(42n);
  });
});

describe('fencing', () => {
  it('refuses the publication of a leader whose office is gone, even while its lease still lives', async () => {
    set = new CoordinatorSet(settings('fence'));
    const first = await set.addLeader();
    const table = baseTable({ groupName: 'group_1', bucketCount: 1023, copyCount: 3, serverCount: 8 }, 1);
    expect(await publishSurely(first, table)).toMatchObject({ ok: true, sequence: 1, kind: 'snapshot' });
    // The office as the first leader holds it, read from etcd: what its transactions compare on.
    const keys = new QuorumKeys(set.settings.prefix);
    const [candidate] = (await admin.getAll().prefix(keys.electionPrefix).sort('Create', 'Ascend').exec()).kvs;
    const office = { candidateKey: candidate.key.toString(), createRevision: candidate.create_revision, epoch: first.epoch() };
    const second = await set.add();
    second.start();
    const deposed = new Promise<string>((resolve) => first.once('deposed', resolve));
    // The office is lost in etcd (as when the lease expired) while the first leader's lease lives on.
    await admin.delete().key(office.candidateKey).exec();
    expect(await deposed).toMatch(/candidate key was deleted/);
    await waitFor(() => second.isLeader(), 10_000, 'the second leader');
    expect(second.epoch()).toBe(office.epoch + 1n);
    // Whatever the old leader believes, etcd refuses its writes: a publisher that still thinks it holds the office.
    const stale = mutate(table, { seed: 2, slotChanges: 10, addServer: false, reshapeBuckets: null });
    stale.epoch = office.epoch;
    const deposals: string[] = [];
    const held = first.committed('group_1');
    const publisher = new FencedPublisher(
      {
        client: admin,
        keys,
        codec: first.codec,
        leadership: () => office,
        depose: (reason) => deposals.push(reason),
        committed: () => held,
        catchUp: () => first.catchUp('group_1'),
        committedHere: () => deposals.push('committed!'),
      },
      { ...defaultPublisherOptions, requestTimeoutMs: leaseTtlMs },
    );
    expect(await publisher.publish(stale)).toMatchObject({ ok: false, reason: 'deposed' });
    expect(await publisher.publishGroupConf('[group_1]\n')).toMatchObject({ ok: false, reason: 'deposed' });
    expect(deposals).toHaveLength(2);
    expect(deposals[0]).toMatch(/refused/);
    expect(await admin.get(keys.groupConf).exists()).toBe(false);
    const head = JSON.parse((await admin.get(keys.head('group_1')).string()) as string) as { sequence: number };
    expect(head.sequence).toBe(1);
    // The new leader builds on what was committed: its table's next version is 2.
    await waitFor(() => second.committed('group_1'), 15_000, 'the second leader to hold the table');
    const next = mutate(table, { seed: 3, slotChanges: 10, addServer: false, reshapeBuckets: null });
    expect(await publishSurely(second, next)).toMatchObject({ ok: true, sequence: 2, kind: 'record' });
    expect(await first.publish(next)).toMatchObject({ ok: false, reason: 'not-leader' });
  });

  it('refuses a table stamped under another epoch, and publishes nothing from a follower', async () => {
    set = new CoordinatorSet(settings('stamp'));
    const leader = await set.addLeader();
    const follower = await set.add();
    follower.start();
    const table = baseTable({ groupName: 'group_1', bucketCount: 64, copyCount: 2, serverCount: 4 }, 1, 99n);
    expect(await leader.publish(table)).toMatchObject({ ok: false, reason: 'stale-epoch' });
    follower.stampEpoch(table);
    expect(await follower.publish(table)).toMatchObject({ ok: false, reason: 'not-leader' });
    expect(await admin.get(`${set.settings.prefix}/groups/group_1/head`).exists()).toBe(false);
  });
});

interface Run {
  bucketCount: number;
  copyCount: number;
  snapshotEvery: number;
  recordBytesMax: number;
  chunkBytesMax: number;
  mutations: Mutation[];
}

const runArbitrary: fc.Arbitrary<Run> = fc.record({
  bucketCount: fc.constantFrom(1, 100, 1023, 4096),
  copyCount: fc.integer({ min: 1, max: 4 }),
  snapshotEvery: fc.integer({ min: 1, max: 6 }),
  recordBytesMax: fc.constantFrom(100, 2000, 256 * 1024),
  chunkBytesMax: fc.constantFrom(500, 4096, 1024 * 1024),
  mutations: fc.array(
    fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 31 }),
      slotChanges: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 100, max: 3000 })),
      addServer: fc.boolean(),
      reshapeBuckets: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(50, 2048) }),
    }),
    { minLength: 1, maxLength: 10 },
  ),
});

describe('followers', () => {
  it('refuse a head, record or snapshot that does not verify, and keep the table they hold', async () => {
    set = new CoordinatorSet(settings('damage'));
    const leader = await set.addLeader();
    const follower = await set.add();
    const problems: string[] = [];
    follower.on('problem', (message) => problems.push(message));
    follower.start();
    const table = baseTable({ groupName: 'group_1', bucketCount: 1023, copyCount: 2, serverCount: 5 }, 1);
    expect(await publishSurely(leader, table)).toMatchObject({ ok: true, sequence: 1 });
    await waitFor(() => follower.committed('group_1')?.sequence === 1, 15_000, 'the follower to hold version 1');
    const keys = new QuorumKeys(set.settings.prefix);
    const head = JSON.parse((await admin.get(keys.head('group_1')).string()) as string) as Record<string, unknown>;
    // Each head below names a version that cannot be read or verified.
    const heads: [string, string, RegExp][] = [
      ['not json', '', /head is not JSON/],
      [JSON.stringify({ ...head, sequence: 2 }), '', /records 2\.\.2 are not all in etcd/],
      [JSON.stringify({ ...head, sequence: 2 }), 'garbage that does not inflate', /version 2 not taken: record 2 does not inflate/],
      [JSON.stringify({ ...head, sequence: 3, snapshot: { ...(head.snapshot as object), sequence: 3 } }), '', /snapshot 3 has 0 of its/],
    ];
    for (const [text, record, expected] of heads) {
      const before = problems.length;
      if (record) await admin.put(keys.record('group_1', 2)).value(record).exec();
      await admin.put(keys.head('group_1')).value(text).exec();
      await waitFor(() => problems.length > before, 15_000, `a problem reported for ${text}`);
      expect(problems.slice(before).join('\n')).toMatch(expected);
    }
    await admin.put(`${keys.groupsPrefix}bad name/head`).value(JSON.stringify(head)).exec();
    expect(follower.committed('group_1')?.sequence).toBe(1);
    expect(tableBytes(follower.committed('group_1')!.table).equals(tableBytes(table))).toBe(true);
  });

  it('rebuild every committed table exactly, through records, snapshots and compactions', async () => {
    await fc.assert(
      fc.asyncProperty(runArbitrary, async (run) => {
        set = new CoordinatorSet(settings('follow'));
        const publisher = { snapshotEvery: run.snapshotEvery, recordBytesMax: run.recordBytesMax, chunkBytesMax: run.chunkBytesMax };
        try {
          const leader = await set.addLeader({ publisher });
          const follower = await set.add({ publisher });
          follower.start();
          let table = baseTable({ groupName: 'group_1', bucketCount: run.bucketCount, copyCount: run.copyCount, serverCount: 6 }, 1);
          const tables = [table];
          for (const mutation of run.mutations) {
            table = mutate(table, mutation);
            tables.push(table);
          }
          for (const [index, next] of tables.entries()) {
            expect(await publishSurely(leader, next)).toMatchObject({ ok: true, sequence: index + 1 });
          }
          // Publishing the newest table again writes nothing: it is the committed version.
          expect(await publishSurely(leader, table)).toMatchObject({ ok: true, sequence: tables.length, kind: 'already-committed' });
          const last = tables.length;
          const late = await set.add({ publisher });
          late.start();
          for (const reader of [follower, late]) {
            const held = await waitFor(
              () => {
                const committed = reader.committed('group_1');
                return committed?.sequence === last ? committed : undefined;
              },
              10_000,
              'the follower to catch up',
            );
            expect(tableBytes(held.table).equals(tableBytes(table))).toBe(true);
          }
          const prefix = `${set.settings.prefix}/groups/group_1`;
          const records = await admin.getAll().prefix(`${prefix}/records/`).keys();
          const snapshots = new Set((await admin.getAll().prefix(`${prefix}/snapshots/`).keys()).map((key) => key.split('/').at(-2)));
          expect(records.length).toBeLessThan(run.snapshotEvery);
          expect(snapshots.size).toBe(1);
        } finally {
          await set.closeAll();
        }
      }),
      { numRuns: 8 },
    );
  });
});
