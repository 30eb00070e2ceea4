/**
 * table-report — the one JSON object each `tair-cs table` command prints.
 *
 *   { command, ok, outcome, buildMs (build/rebuild), valid, bucketCount, copyCount,
 *     servers: { total, alive }, racks: { total, alive, spreadWanted },
 *     strategy, strategyUsed, rackSpreadFeasible,
 *     violations: { sameServer, rackSpreadShort, emptySlots, deadSlots, replicaBalance, masterBalance },
 *     replicas: { min, max, quotaMin, quotaMax, deviationMax, outsideBand }, masters: { … },
 *     partners: { worstExcess, serversOverBound, worst } | null,        (C = 2 only)
 *     moves: { replicas, masters, minimumReplicas, minimumMasters },     (rebuild only)
 *     engine: { … what the engine said about its own build: moves and their minimums, steps,
 *               budgetSpent and spentIn, rackShortBuckets beside rackShortBound (the least any
 *               balanced table can leave), partnerExcessMax (C = 2) … }, out }
 *   plus measureMs (build/rebuild) or checkMs (check), and `repeat` with --repeat N.
 *
 * Everything but `engine` and `buildMs` is measured by table-measure.ts, not by the engine.
 */
import type { BuildReport } from '../engine/index.js';
import type { Measurement, MeasuredTable } from './table-measure.js';
import type { Moves } from './table-moves.js';

/** ReportContext — what the command knows beyond the measured table. */
export interface ReportContext {
  command: 'build' | 'rebuild' | 'check';
  /** buildMs — the engine's time for the build (none for check, which builds nothing). */
  buildMs?: number;
  strategy?: string;
  seed?: number;
  build?: BuildReport;
  moves?: Moves;
  out?: string;
  extra?: Record<string, unknown>;
}

/** tableReport — the JSON object for `table` measured as `measurement`. */
export function tableReport(table: MeasuredTable, measurement: Measurement, context: ReportContext): Record<string, unknown> {
  const ok = context.build ? context.build.ok : true;
  return {
    command: context.command,
    ok,
    outcome: context.build?.outcome ?? 'ok',
    ...(context.buildMs === undefined ? {} : { buildMs: round(context.buildMs) }),
    valid: ok && measurement.valid,
    bucketCount: table.bucketCount,
    copyCount: table.copyCount,
    servers: { total: table.servers.length, alive: measurement.serversAlive },
    racks: {
      total: new Set(table.servers.map((server) => server.rack)).size,
      alive: measurement.racksAlive,
      spreadWanted: measurement.spreadWanted,
    },
    ...(context.strategy === undefined ? {} : { strategy: context.strategy, seed: context.seed ?? 0 }),
    ...(context.build ? { strategyUsed: context.build.strategyUsed } : {}),
    rackSpreadFeasible: measurement.rackSpreadFeasible,
    violations: measurement.violations,
    replicas: measurement.replicas,
    masters: measurement.masters,
    partners: measurement.partners,
    ...(context.moves ? { moves: movesWithRatios(context.moves) } : {}),
    ...context.extra,
    ...(context.build ? { engine: engineSummary(context.build) } : {}),
    out: context.out ?? null,
  };
}

function movesWithRatios(moves: Moves): Record<string, number | null> {
  return {
    ...moves,
    replicaRatio: ratio(moves.replicas, moves.minimumReplicas),
    masterRatio: ratio(moves.masters, moves.minimumMasters),
  };
}

// The engine's own view of its build, kept apart from the independent measurement above.
function engineSummary(build: BuildReport): Record<string, unknown> {
  return {
    outcome: build.outcome,
    strategyUsed: build.strategyUsed,
    rackSpreadFeasible: build.rackSpreadFeasible,
    rackSpreadShort: build.rackSpreadShort,
    replicaMoves: build.replicaMoves,
    masterChanges: build.masterChanges,
    minimumReplicaMoves: build.minimumReplicaMoves,
    minimumMasterChanges: build.minimumMasterChanges,
    repairSwaps: build.repairSwaps,
    partnerSwaps: build.partnerSwaps,
    unchangedFromSource: build.unchangedFromSource,
    rackShortBuckets: build.rackShortBuckets,
    rackShortBound: build.rackShortBound,
    partnerExcessMax: build.partnerExcessMax,
    steps: build.steps,
    stepsPerSlot: round(build.steps / Math.max(1, build.table.bucketCount * build.table.copyCount)),
    budgetSpent: build.budgetSpent,
    spentIn: build.spentIn,
  };
}

function ratio(actual: number, minimum: number): number | null {
  if (minimum === 0) return actual === 0 ? 1 : null;
  return Math.round((actual / minimum) * 10_000) / 10_000;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
