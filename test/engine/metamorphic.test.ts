/**
 * Metamorphic tests: relations between calls that must hold whatever the table looks like —
 * a rebuild of a valid table changes nothing, a diff of a table with itself is empty, a
 * scan finds exactly the dead server's slots, one server joining or leaving moves about the
 * minimum, and diff agrees with a plain-TS reading of the original's count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BuildReport, Engine, type ServerSpec, type Table } from '../../src/engine/index.js';
import { allBreaks, tablesEqual } from './build-rules.js';
import { check, clusterArbitrary, roundRobinServers, serverId, withDown } from './clusters.js';
import { referenceDiff } from './table-moves.js';

const engine = new Engine();
const seed = Number(process.env.ENGINE_PROPERTY_SEED ?? 20_241_125);
const clusters = clusterArbitrary({ bucketCountMax: 1000, serverCountMax: 40, copyCountMax: 4, rackCountMax: 5 });
const strategy = fc.constantFrom('balanced' as const, 'rack' as const);

describe('rebuilding a valid table', () => {
  it('returns it unchanged: no moves, no master changes', () => {
    fc.assert(
      fc.property(clusters, strategy, (cluster, chosen) => {
        const first = engine.build({ ...cluster, strategy: chosen });
        fc.pre(allBreaks(first, cluster).length === 0);
        const again = engine.build({ ...cluster, strategy: chosen, source: first.table });
        expect({ unchanged: again.unchangedFromSource, moves: again.replicaMoves, masters: again.masterChanges }).toEqual({
          unchanged: true,
          moves: 0,
          masters: 0,
        });
        expect(tablesEqual(again.table, first.table)).toBe(true);
      }),
      { seed, numRuns: 40 },
    );
  });

  it('reaches a fixed point after one rebuild, valid or not', () => {
    fc.assert(
      fc.property(clusters, strategy, (cluster, chosen) => {
        const first = engine.build({ ...cluster, strategy: chosen });
        const second = engine.build({ ...cluster, strategy: chosen, source: first.table });
        const third = engine.build({ ...cluster, strategy: chosen, source: second.table });
        expect(third.unchangedFromSource).toBe(true);
      }),
      { seed, numRuns: 40 },
    );
  });

  it('returns an L-sized table unchanged', () => {
    const servers = roundRobinServers(1000, 10);
    const first = engine.build({ bucketCount: 65_536, copyCount: 3, servers, strategy: 'rack' });
    const again = engine.build({ bucketCount: 65_536, copyCount: 3, servers, strategy: 'rack', source: first.table });
    expect({ unchanged: again.unchangedFromSource, moves: again.replicaMoves }).toEqual({ unchanged: true, moves: 0 });
  });
});

describe('diff of a table with itself', () => {
  it('is empty: no flags, no receivers, nothing per source', () => {
    fc.assert(
      fc.property(clusters, (cluster) => {
        const { table } = engine.build(cluster);
        const plan = engine.diff(table, table, cluster.servers.length);
        expect(plan.bucketsToMigrate).toBe(0);
        expect(plan.flags.every((flag) => flag === 0)).toBe(true);
        expect(plan.receivers.every((entry) => entry === 0)).toBe(true);
        expect(plan.perSource.every((count) => count === 0)).toBe(true);
      }),
      { seed, numRuns: 30 },
    );
  });
});

/** Plain-TS scan: per copy, the slots that are empty or on a dead server, and the first such bucket. */
function plainScan(table: Table, servers: ServerSpec[]): { count: number; firstBucket: number | null }[] {
  const perCopy = [];
  for (let copyIndex = 0; copyIndex < table.copyCount; copyIndex++) {
    let count = 0;
    let firstBucket: number | null = null;
    for (let bucket = 0; bucket < table.bucketCount; bucket++) {
      const entry = table.slots[copyIndex * table.bucketCount + bucket];
      if (entry !== 0 && servers[entry - 1].alive) continue;
      count++;
      firstBucket ??= bucket;
    }
    perCopy.push({ count, firstBucket });
  }
  return perCopy;
}

describe('scan', () => {
  it('finds nothing in a freshly built table', () => {
    fc.assert(
      fc.property(clusters, (cluster) => {
        expect(engine.scan(engine.build(cluster).table, cluster.servers).total).toBe(0);
      }),
      { seed, numRuns: 20 },
    );
  });

  it('after servers go down, finds exactly their slots, per copy, with the first bucket', () => {
    const withDownSet = clusters.chain((cluster) =>
      fc.record({
        cluster: fc.constant(cluster),
        down: fc.uniqueArray(fc.nat({ max: cluster.servers.length - 1 }), { minLength: 1, maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(withDownSet, ({ cluster, down }) => {
        const { table } = engine.build(cluster);
        const servers = withDown(cluster.servers, down);
        const result = engine.scan(table, servers);
        const held = check(table, cluster.servers).replicas;
        expect(result.total).toBe(down.reduce((sum, position) => sum + held[position], 0));
        expect(result.perCopy).toEqual(plainScan(table, servers));
      }),
      { seed, numRuns: 40 },
    );
  });

  it('counts empty slots too', () => {
    const servers = roundRobinServers(4, 2);
    const table = { bucketCount: 5, copyCount: 2, slots: Uint16Array.from([1, 2, 0, 4, 1, 0, 3, 4, 1, 0]) };
    expect(engine.scan(table, servers)).toEqual({
      total: 3,
      perCopy: [
        { count: 1, firstBucket: 2 },
        { count: 2, firstBucket: 0 },
      ],
    });
  });
});

/** An L-like cluster (B = 65,536, S = 1,000 on 10 racks) with one server joining or leaving. */
function largeCluster(copyCount: number): { bucketCount: number; copyCount: number; servers: ServerSpec[]; table: Table } {
  const servers = roundRobinServers(1000, 10);
  const { table } = engine.build({ bucketCount: 65_536, copyCount, servers, strategy: 'rack', seed: 7 });
  return { bucketCount: 65_536, copyCount, servers, table };
}

describe.each([3, 2])('one server joining or leaving an L-like cluster (C = %i)', (copyCount) => {
  const cluster = largeCluster(copyCount);
  const joiners = [...cluster.servers, { id: serverId(1000), rack: 'r3', weight: 1, alive: true }];
  const join = (): BuildReport => engine.build({ ...cluster, servers: joiners, source: cluster.table, strategy: 'rack' });
  const leavers = withDown(cluster.servers, [417]);
  const leave = (): BuildReport => engine.build({ ...cluster, servers: leavers, source: cluster.table, strategy: 'rack' });

  it('a join keeps every rule', () => {
    expect(allBreaks(join(), { ...cluster, servers: joiners, source: cluster.table })).toEqual([]);
  });

  it('a join moves its quota, at most 1.02× the minimum replicas and 1.05× the minimum master changes', () => {
    const report = join();
    expect(report.minimumReplicaMoves).toBe(check(report.table, joiners).replicas[1000]);
    expect(report.replicaMoves).toBeLessThanOrEqual(1.02 * report.minimumReplicaMoves);
    expect(report.masterChanges).toBeLessThanOrEqual(1.05 * report.minimumMasterChanges);
  });

  it('a leave keeps every rule', () => {
    expect(allBreaks(leave(), { ...cluster, servers: leavers, source: cluster.table })).toEqual([]);
  });

  it('a leave moves exactly the replicas it held and at most 1.05× the minimum master changes', () => {
    const report = leave();
    const held = check(cluster.table, cluster.servers).replicas[417];
    expect({ moves: report.replicaMoves, minimum: report.minimumReplicaMoves }).toEqual({ moves: held, minimum: held });
    expect(report.masterChanges).toBeLessThanOrEqual(1.05 * report.minimumMasterChanges);
  });
});

describe('diff agrees with the original migration count', () => {
  function expectPlanMatches(current: Table, target: Table, serverCount: number): void {
    const plan = engine.diff(current, target, serverCount);
    const reference = referenceDiff(current, target, serverCount);
    expect(plan.bucketsToMigrate).toBe(reference.bucketsToMigrate);
    expect([...plan.perSource]).toEqual(reference.perSource);
    const flags = reference.needsMigration.map(
      (needs, bucket) => (needs ? 1 : 0) | (reference.handOver[bucket] ? 2 : 0) | (reference.dataMoves[bucket] ? 4 : 0),
    );
    expect([...plan.flags]).toEqual(flags);
    const receivers = new Uint16Array(target.bucketCount * target.copyCount);
    reference.receivers.forEach((list, bucket) =>
      list.forEach((entry, k) => {
        receivers[k * target.bucketCount + bucket] = entry;
      }),
    );
    expect(plan.receivers).toEqual(receivers);
  }

  it('after servers go down, on the quick table and the rebuilt target', () => {
    const withDownSet = clusters
      .filter((cluster) => cluster.servers.length > cluster.copyCount)
      .chain((cluster) =>
        fc.record({
          cluster: fc.constant(cluster),
          down: fc.uniqueArray(fc.nat({ max: cluster.servers.length - 1 }), {
            minLength: 1,
            maxLength: Math.min(2, cluster.servers.length - cluster.copyCount),
          }),
        }),
      );
    fc.assert(
      fc.property(withDownSet, ({ cluster, down }) => {
        const before = engine.build(cluster).table;
        const servers = withDown(cluster.servers, down);
        const current = engine.quickTable(before, servers, { allowLost: true }).table;
        const target = engine.build({ ...cluster, servers, source: current }).table;
        expectPlanMatches(current, target, servers.length);
        expectPlanMatches(before, target, servers.length);
      }),
      { seed, numRuns: 40 },
    );
  });

  it('between two unrelated tables of the same shape', () => {
    fc.assert(
      fc.property(clusters, fc.nat(), (cluster, otherSeed) => {
        const current = engine.build(cluster).table;
        const target = engine.build({ ...cluster, seed: otherSeed, strategy: 'rack' }).table;
        expectPlanMatches(current, target, cluster.servers.length);
      }),
      { seed, numRuns: 30 },
    );
  });

  it('on an L-sized join', () => {
    const cluster = largeCluster(3);
    const servers = [...cluster.servers, { id: serverId(1000), rack: 'r3', weight: 1, alive: true }];
    const target = engine.build({ ...cluster, servers, source: cluster.table, strategy: 'rack' }).table;
    expectPlanMatches(cluster.table, target, servers.length);
  });
});
