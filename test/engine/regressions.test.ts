/**
 * Regressions: the smallest inputs once found where the engine broke a promise, kept as
 * ordinary tests now that it keeps them. A failure not fixed yet goes here as `it.fails`, with
 * why it fails (and ARCHITECTURE.md "What the engine does not hold yet" says so for readers).
 *
 * Servers are `s000`, `s001`, ... filling racks r0, r1, ... in turn (clusters.ts makeServers).
 */
import { describe, expect, it } from 'vitest';
import { Engine, type ServerSpec } from '../../src/engine/index.js';
import { type Rule, ruleBreaks } from './build-rules.js';
import { check, checked, makeServers, withDown } from './clusters.js';
import { partnerBound, partnerPools } from './table-checker.js';
import { promotionGains } from './table-moves.js';

const engine = new Engine();
type Strategy = 'balanced' | 'rack';

function buildBreaks(rackSizes: number[], bucketCount: number, copyCount: number, strategy: Strategy, rule: Rule): string[] {
  const input = { bucketCount, copyCount, servers: makeServers(rackSizes) };
  return ruleBreaks(engine.build({ ...input, strategy }), input).breaks[rule];
}

/** Build from empty, take one server down, rebuild from the first table. */
function leave(rackSizes: number[], bucketCount: number, copyCount: number, down: number, strategy: Strategy = 'balanced') {
  const servers = makeServers(rackSizes);
  const first = engine.build({ bucketCount, copyCount, servers, strategy });
  const input = { bucketCount, copyCount, servers: withDown(servers, [down]), source: first.table };
  const report = engine.build({ ...input, strategy });
  return { report, breaks: ruleBreaks(report, input).breaks, held: check(first.table, servers).replicas[down] };
}

describe('full build from empty', () => {
  // Racks of 4 and 2, C = 3: every bucket can take two copies in r0 and one in r1 (the rack
  // totals come out exactly 2·B and B), yet one bucket lands on r0 only.
  it('rack: every bucket spans both racks (racks 4,2; B = 3; C = 3)', () => {
    expect(buildBreaks([4, 2], 3, 3, 'rack', 'spread')).toEqual([]);
  });

  // Racks of 5 and 3, C = 4, balanced counts 2,2,2,2,1 | 1,1,1: r0 holds 9 = 3 per bucket and
  // r1 one per bucket, so every bucket can span both racks; bucket 2 gets four r0 servers.
  it('balanced: every bucket spans both racks when the counts allow it (racks 5,3; B = 3; C = 4)', () => {
    expect(buildBreaks([5, 3], 3, 4, 'balanced', 'spread')).toEqual([]);
  });

  // Three servers, one rack, C = 2: pair counts 10/10/9 leave room for 5+5 partners per
  // master (bound ⌈10/2⌉+1 = 6); the engine puts 7 of s000's 10 buckets on s001.
  it('C = 2: partners within ⌈m/P⌉+1 (3 servers; B = 29)', () => {
    expect(buildBreaks([3], 29, 2, 'rack', 'partners')).toEqual([]);
  });

  // Racks of 4 and 1, C = 2, balanced: s003 masters 4 buckets and puts 3 on s002 (bound 2).
  it('C = 2: partners within ⌈m/P⌉+1 (racks 4,1; B = 15)', () => {
    expect(buildBreaks([4, 1], 15, 2, 'balanced', 'partners')).toEqual([]);
  });

  // Weights 4,1 in r0 and 2,1 in r1, C = 3: the water-filled quotas 3, 1.5 | 3, 1.5 fit both
  // racks (r0 4.5, r1 4.5, each within [B, 2B]); the rack strategy shares the racks by raw
  // weight (5:3 → 6 and 3 copies), ignoring that s000 is capped at B, and gives s003 3 (quota 1.5).
  it('rack: replicas within ±1 when the quotas allow a full spread (weights 4,1 | 2,1; B = 3; C = 3)', () => {
    const servers: ServerSpec[] = [
      { id: 's000', rack: 'r0', weight: 4, alive: true },
      { id: 's001', rack: 'r1', weight: 2, alive: true },
      { id: 's002', rack: 'r1', weight: 1, alive: true },
      { id: 's003', rack: 'r0', weight: 1, alive: true },
    ];
    const input = { bucketCount: 3, copyCount: 3, servers };
    expect(ruleBreaks(engine.build({ ...input, strategy: 'rack' }), input).breaks.replicas).toEqual([]);
  });
});

describe('rebuild of a valid table', () => {
  // Servers s000, s001 on r0 and s002 on r1, B = 6, C = 2: the first build gives masters
  // 3, 2, 1 (quota 2, all within ±1, every rule holds); rebuilding it from itself moves a
  // master to reach 2, 2, 2. A source that keeps every promise should come back unchanged.
  // (metamorphic.test.ts finds this with ENGINE_PROPERTY_SEED=3.)
  it('returns it unchanged (racks 2,1; B = 6; C = 2)', () => {
    const input = { bucketCount: 6, copyCount: 2, servers: makeServers([2, 1]) };
    const first = engine.build(input);
    expect(Object.values(ruleBreaks(first, input).breaks).flat()).toEqual([]);
    const again = engine.build({ ...input, source: first.table });
    expect({ unchanged: again.unchangedFromSource, masterChanges: again.masterChanges }).toEqual({ unchanged: true, masterChanges: 0 });
  });
});

describe('rebuild after one server leaves', () => {
  // Four servers, B = 2, C = 2: s003 held one slot (bucket 1, with s000). Giving the spare
  // unit of quota to s001 or s002 costs one move; the engine gives it to s000 (lowest index),
  // which already holds bucket 1, and needs a second move.
  it('moves only the replicas it held (4 servers; B = 2; C = 2; s003 leaves)', () => {
    const { report, held } = leave([4], 2, 2, 3);
    expect({ moves: report.replicaMoves, held }).toEqual({ moves: 1, held: 1 });
  });

  // Racks 3,2,1, C = 3: bucket 2 sat on r0 only (a full spread was impossible with three
  // racks); once r2's only server leaves, two racks are wanted and the counts allow it, but
  // the rebuild keeps bucket 2 on r0 ...
  it('reaches the spread the new counts allow (racks 3,2,1; B = 3; C = 3; s005 leaves)', () => {
    expect(leave([3, 2, 1], 3, 3, 5).breaks.spread).toEqual([]);
  });

  // ... and its report says rackSpreadShort 0 while stats() and the checker count 1.
  it('reports the rack spread of the table it returns (racks 3,2,1; B = 3; C = 3; s005 leaves)', () => {
    expect(leave([3, 2, 1], 3, 3, 5).breaks.agreement).toEqual([]);
  });

  // Racks 4,2, C = 2: after s002 leaves, a master holds 3 buckets, all partnered with one server (bound 2).
  it('C = 2: partners within ⌈m/P⌉+1 (racks 4,2; B = 11; s002 leaves)', () => {
    expect(leave([4, 2], 11, 2, 2).breaks.partners).toEqual([]);
  });

  // Five servers, B = 3, C = 2: s001 mastered one bucket, the minimum is one master change,
  // the engine makes two (2× the minimum; the issue allows 1.05×).
  it('changes at most 1.05× the minimum masters (5 servers; B = 3; C = 2; s001 leaves)', () => {
    const { report } = leave([5], 3, 2, 1);
    expect(report.masterChanges).toBeLessThanOrEqual(1.05 * report.minimumMasterChanges);
  });
});

describe('known failures (it.fails until fixed)', () => {
  // C = 4 on two racks of three, weights 1,2,3 | 1,2,3: once s002 (weight 3) leaves, s001, s004
  // and s005 must hold every bucket and s000/s003 one each; the rebuild needs eviction chains
  // whose repair work grows faster than B, so at B = 262,144 and above the repair budget runs
  // out (budgetSpent, spentIn: repair) and the table is returned with replicas off quota by
  // about B/13 (found by bench/grid-bench.ts at B = 1,048,576; smaller B are fine).
  it.fails('replicas within ±1 after a leave (racks 3,3; weights 1,2,3,1,2,3; B = 262,144; C = 4; s002 leaves)', () => {
    const servers = makeServers([3, 3], [1, 2, 3, 1, 2, 3]);
    const input = { bucketCount: 262_144, copyCount: 4, servers };
    const first = engine.build(input);
    const leaveInput = { ...input, servers: withDown(servers, [2]), source: first.table };
    const report = engine.build(leaveInput);
    expect(ruleBreaks(report, leaveInput).breaks.replicas).toEqual([]);
  }, 60_000);

  // C = 4 on three racks of 21 (equal weights): after s021 leaves, each bucket must keep two
  // copies in one rack and one in each other; the fill leaves units whose repair needs more
  // than its budget from B = 131,072 on (65,536 is fine), and the table comes back with a few
  // thousand buckets short of three racks and replicas off quota by up to 3 (found by
  // bench/grid-bench.ts at B = 1,048,576, where the leave also took 5 s).
  it.fails('rack spread and replicas within ±1 after a leave (racks 21,21,21; B = 131,072; C = 4; s021 leaves)', () => {
    const servers = makeServers([21, 21, 21]);
    const input = { bucketCount: 131_072, copyCount: 4, servers };
    const first = engine.build(input);
    const leaveInput = { ...input, servers: withDown(servers, [21]), source: first.table };
    const { breaks } = ruleBreaks(engine.build(leaveInput), leaveInput);
    expect([...breaks.replicas, ...breaks.spread]).toEqual([]);
  }, 60_000);
});

describe('quick table', () => {
  // The partner pile-up above, seen at failure time: s000 dies and s001 takes 7 of its 10
  // masters (bound ⌈10/2⌉+1 = 6).
  it("C = 2: no survivor takes more than ⌈m/P⌉+1 of a dead server's masters (3 servers; B = 29)", () => {
    const servers = makeServers([3]);
    const before = engine.build({ bucketCount: 29, copyCount: 2, servers, strategy: 'rack' }).table;
    const after = withDown(servers, [0]);
    const quick = engine.quickTable(before, after).table;
    const pools = partnerPools(checked(before, servers));
    const [{ mastered, gains }] = promotionGains(before, quick, after);
    expect(Math.max(...gains.values())).toBeLessThanOrEqual(partnerBound(mastered, pools[0]));
  });
});
