/**
 * grid-sweep — every shape of the grid (bench/grid-shapes.ts: C 1–4, 2–64 servers on 1–4
 * equal or uneven racks, equal or mixed weights) builds, loses one server and gains one, and
 * for each of those three builds:
 *
 *   bounded   steps ≤ stepsPerSlotMax·B·C + stepsPerServerMax·(S + R) + stepsFixed (src/limits.ts),
 *             and within the tighter figure the engine reaches today (gridStepsPerSlot·B·C + gridStepsFixed)
 *   valid     the independent checker's rules (build-rules.ts): sound, the engine's own report
 *             agrees with the checker, masters and replicas within ±1 of quota, rack spread
 *             wherever the counts allow it, the C = 2 partner bound where it is guaranteed
 *   rack-short (first builds) within 5 % of the least possible (plus one per server for whole-number
 *             bands), a bound computed here from the quotas:
 *             B·min(C, R) − Σ_racks min(B, Σ of the rack's servers' most replicas within ±1)
 *   moves     never below the minimum; a leave and a join within the ratios below
 *
 * Every shape at B = 1,023; a sample at 4,096 and 65,536; a diagonal at 1,048,576 (steps are
 * deterministic, so a sample is a fair test; bench/grid-bench.ts times the whole grid).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type GridShape, gridShapes, shapeName } from '../../bench/grid-shapes.js';
import { type BuildReport, Engine, type ServerSpec } from '../../src/engine/index.js';
import { stepsFixed, stepsPerServerMax, stepsPerSlotMax } from '../../src/limits.js';
import { type BuildCase, ruleBreaks } from './build-rules.js';
import { check, makeServers, withDown } from './clusters.js';
import { liveRacks, replicaQuotas } from './table-checker.js';

/** gridStepsPerSlot / gridStepsFixed — the tighter step figure every grid build stays within today. */
const gridStepsPerSlot = 160;
const gridStepsFixed = 1 << 22;
/**
 * Move ratios that hold over the grid today, with a small margin (worst seen: leave 1.71 at
 * 1,023 × 4 on racks 3,3,3 weighted, join 1.26, master changes 1.60 at B = 1,023 and 1.28 at
 * 1M). The goals are 1.00 for a leave where the rack spread allows it, 1.02 for a
 * join and 1.05 for master changes: equal racks and weights mostly meet them, uneven racks
 * and weights do not yet (bench/README.md lists the gap).
 */
const leaveMovesRatioMax = 1.75;
const joinMovesRatioMax = 1.3;
const masterChangesRatioMax = 1.65;

const samples: { bucketCount: number; every: number }[] = [
  { bucketCount: 1_023, every: 1 },
  { bucketCount: 4_096, every: 2 },
  { bucketCount: 65_536, every: 5 },
  { bucketCount: 1_048_576, every: 19 },
];

const engine = new Engine();

/** leastRackShort — the fewest buckets-racks short any table within ±1 of every replica quota leaves. */
function leastRackShort(bucketCount: number, copyCount: number, servers: ServerSpec[]): number {
  const racks = liveRacks(servers);
  const quotas = replicaQuotas(bucketCount, copyCount, servers);
  const most = new Map<string, number>();
  servers.forEach((server, position) => {
    if (!server.alive) return;
    most.set(server.rack, (most.get(server.rack) ?? 0) + Math.min(bucketCount, Math.floor(quotas[position] + 1 + 1e-9)));
  });
  const spanned = [...most.values()].reduce((sum, total) => sum + Math.min(bucketCount, total), 0);
  return Math.max(0, bucketCount * Math.min(copyCount, racks.size) - spanned);
}

function expectBounded(report: BuildReport, input: BuildCase, label: string): void {
  const slots = input.bucketCount * input.copyCount;
  const live = input.servers.filter((server) => server.alive);
  const perServer = stepsPerServerMax * (live.length + liveRacks(input.servers).size);
  note('steps/(B·C)', report.steps / slots, label);
  expect(report.steps, `${label}: steps over the limit`).toBeLessThanOrEqual(stepsPerSlotMax * slots + perServer + stepsFixed);
  expect(report.steps, `${label}: steps over today's figure`).toBeLessThanOrEqual(gridStepsPerSlot * slots + perServer + gridStepsFixed);
}

function expectValid(report: BuildReport, input: BuildCase, label: string): void {
  const { breaks } = ruleBreaks(report, input);
  const broken = Object.entries(breaks)
    .filter(([, list]) => list.length > 0)
    .map(([rule, list]) => `${rule}: ${list[0]}`);
  expect(broken, label).toEqual([]);
  expect(report.replicaMoves, label).toBeGreaterThanOrEqual(report.minimumReplicaMoves);
  expect(report.masterChanges, label).toBeGreaterThanOrEqual(report.minimumMasterChanges);
}

/** worst — the grid's worst case per figure (printed at the end, quoted in bench/README.md). */
const worst = new Map<string, { value: number; shape: string }>();
function note(figure: string, value: number, shape: string): void {
  if (!Number.isFinite(value)) return;
  const seen = worst.get(figure);
  if (!seen || value > seen.value) worst.set(figure, { value, shape });
}
afterAll(() => {
  const lines = [...worst].map(([figure, { value, shape }]) => `  ${figure.padEnd(28)} ${value.toFixed(3).padStart(10)}  ${shape}`);
  console.log(`grid worst cases:\n${lines.join('\n')}`);
});

function expectMoves(report: BuildReport, movesRatioMax: number, label: string): void {
  note(`${label.split(' ').pop()} moves/minimum`, report.replicaMoves / Math.max(1, report.minimumReplicaMoves), label);
  note(`${label.split(' ').pop()} masters/minimum`, report.masterChanges / Math.max(1, report.minimumMasterChanges), label);
  expect(report.replicaMoves, `${label}: replica moves`).toBeLessThanOrEqual(Math.ceil(movesRatioMax * report.minimumReplicaMoves) + 2);
  expect(report.masterChanges, `${label}: master changes`).toBeLessThanOrEqual(Math.ceil(masterChangesRatioMax * report.minimumMasterChanges) + 2);
}

function sweep(shape: GridShape): void {
  const name = shapeName(shape);
  const servers = makeServers(shape.rackSizes, shape.weights);
  const input: BuildCase = { bucketCount: shape.bucketCount, copyCount: shape.copyCount, servers };
  const first = engine.build(input);
  expectBounded(first, input, `${name} first`);
  expectValid(first, input, `${name} first`);
  const least = leastRackShort(shape.bucketCount, shape.copyCount, servers);
  // The engine's own bound counts the same thing; it may only be tighter (never claim less).
  expect(first.rackShortBound, `${name} rack-short bound`).toBeGreaterThanOrEqual(least);
  note('rack-short/least', least === 0 ? (first.rackShortBuckets > 0 ? Infinity : 1) : first.rackShortBuckets / least, name);
  if (first.partnerExcessMax !== null) note(`C=2 partner excess first${shape.weights ? ' w' : ''}`, first.partnerExcessMax, name);
  // Each server keeps to its whole-number band, which may sit one replica under the most its
  // real quota allows: up to one bucket-rack per server beyond the 5 %.
  expect(first.rackShortBuckets, `${name} rack-short`).toBeLessThanOrEqual(Math.floor(1.05 * least) + servers.length);
  expect(check(first.table, servers).rackSpreadShort).toBe(first.rackShortBuckets);

  if (servers.length > shape.copyCount) {
    const gone = Math.floor(servers.length / 3);
    const leaveInput = { ...input, servers: withDown(servers, [gone]), source: first.table };
    const leave = engine.build(leaveInput);
    expectBounded(leave, leaveInput, `${name} leave`);
    expectValid(leave, leaveInput, `${name} leave`);
    expect(leave.minimumReplicaMoves).toBeGreaterThanOrEqual(check(first.table, servers).replicas[gone]);
    expectMoves(leave, leaveMovesRatioMax, `${name} leave`);
    if (leave.partnerExcessMax !== null) note(`C=2 partner excess leave${shape.weights ? ' w' : ''}`, leave.partnerExcessMax, name);
  }

  const rack = `r${servers.length % shape.rackSizes.length}`;
  const joined = [...servers, { id: `s${String(servers.length).padStart(3, '0')}`, rack, weight: 1, alive: true }];
  const joinInput = { ...input, servers: joined, source: first.table };
  const join = engine.build(joinInput);
  expectBounded(join, joinInput, `${name} join`);
  expectValid(join, joinInput, `${name} join`);
  expectMoves(join, joinMovesRatioMax, `${name} join`);
  if (join.partnerExcessMax !== null) note(`C=2 partner excess join${shape.weights ? ' w' : ''}`, join.partnerExcessMax, name);
}

for (const { bucketCount, every } of samples) {
  describe(`grid at B = ${bucketCount} (one shape in ${every})`, () => {
    it.each(gridShapes(bucketCount, every).map((shape) => [shapeName(shape), shape] as const))(
      '%s',
      (_, shape) => {
        sweep(shape);
      },
      120_000,
    );
  });
}
