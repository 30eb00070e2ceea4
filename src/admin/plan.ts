/**
 * plan — the dry run (op_cmd 1003): the rebuild a what-if would cause, computed by the same
 * engine with the same inputs and seed the next real rebuild would use, on copies. Nothing in
 * the cluster changes; a plan with no change is "what a rebuild would do now".
 *
 *   plan = build(servers after the what-ifs, source = where the data is now)
 *        → moves vs the minimum any table could do it in,
 *          diff(now, planned): buckets to migrate, per source server,
 *          stats before / after: replicas and masters per live server (balance = min..max)
 */
import type { BuildInput, BuildReport, MigrationPlan, ServerSpec, Table, TableStats } from '../engine/index.js';
import type { PlanChange, PlanInput, PlanServer } from './plan-input.js';

/** PlanEngine — the engine calls a plan needs (Engine, or WorkerEngine for big tables). */
export interface PlanEngine {
  build(input: BuildInput): BuildReport | Promise<BuildReport>;
  diff(current: Table, target: Table, serverCount: number): MigrationPlan | Promise<MigrationPlan>;
  stats(table: Table, servers: ServerSpec[]): TableStats | Promise<TableStats>;
}

/** Balance — the spread of replicas and masters over the servers that take copies, and the
 * furthest any of them is from its weight's share (B·C·w/Σw replicas, B·w/Σw masters). */
export interface Balance {
  replicas: { min: number; max: number; worstOffQuota: number };
  masters: { min: number; max: number; worstOffQuota: number };
}

/** PlanServerReport — one server before and after. */
export interface PlanServerReport {
  id: string;
  rack: string;
  weight: number;
  takesCopies: boolean;
  before: { replicas: number; masters: number };
  after: { replicas: number; masters: number };
}

/** PlanReport — the dry run's answer (sent as JSON). */
export interface PlanReport {
  group: string;
  changes: string[];
  ok: boolean;
  outcome: string;
  moves: { replicas: number; minimumReplicas: number; masters: number; minimumMasters: number };
  bucketsToMigrate: number;
  /** perSource — buckets each current master would have to migrate. */
  perSource: Record<string, number>;
  balance: { before: Balance | null; after: Balance };
  servers: PlanServerReport[];
}

/** runPlan — see the file comment. */
export async function runPlan(engine: PlanEngine, input: PlanInput, after: PlanServer[], changes: readonly PlanChange[]): Promise<PlanReport> {
  const { bucketCount, copyCount } = input;
  const source = input.progress ? engineTable(input.progress, bucketCount, copyCount) : undefined;
  const report = await engine.build({
    bucketCount,
    copyCount,
    servers: specsOf(after),
    source,
    strategy: input.strategy,
    diffRatio: input.diffRatio,
    seed: 0,
  });
  const statsAfter = await engine.stats(report.table, specsOf(after));
  const before = input.current ? await engine.stats(engineTable(input.current, bucketCount, copyCount), specsOf(input.servers)) : null;
  const diff = source ? await engine.diff(source, report.table, after.length) : null;
  const perSource: Record<string, number> = {};
  if (diff)
    after.forEach((server, index) => {
      if (diff.perSource[index + 1] > 0) perSource[server.id] = diff.perSource[index + 1];
    });
  return {
    group: input.groupName,
    changes: changes.map((change) => `${change.kind}=${change.text}`),
    ok: report.ok,
    outcome: report.outcome,
    moves: {
      replicas: report.replicaMoves,
      minimumReplicas: report.minimumReplicaMoves,
      masters: report.masterChanges,
      minimumMasters: report.minimumMasterChanges,
    },
    bucketsToMigrate: diff ? diff.bucketsToMigrate : 0,
    perSource,
    balance: { before: before ? balanceOf(before, input.servers, bucketCount, copyCount) : null, after: balanceOf(statsAfter, after, bucketCount, copyCount) },
    servers: after.map((server, index) => ({
      id: server.id,
      rack: server.rack,
      weight: server.weight,
      takesCopies: server.alive,
      before:
        index < input.servers.length && before ? { replicas: before.replicas[index + 1], masters: before.masters[index + 1] } : { replicas: 0, masters: 0 },
      after: { replicas: statsAfter.replicas[index + 1], masters: statsAfter.masters[index + 1] },
    })),
  };
}

function balanceOf(stats: TableStats, servers: readonly PlanServer[], bucketCount: number, copyCount: number): Balance {
  const live = servers.map((server, index) => ({ server, index })).filter(({ server }) => server.alive);
  const weightSum = live.reduce((sum, { server }) => sum + server.weight, 0);
  const spread = (counts: Uint32Array, total: number) => {
    const values = live.map(({ index }) => counts[index + 1]);
    const offQuota = live.map(({ server, index }) => Math.abs(counts[index + 1] - (total * server.weight) / weightSum));
    return {
      min: values.length ? Math.min(...values) : 0,
      max: values.length ? Math.max(...values) : 0,
      worstOffQuota: offQuota.length ? Math.round(Math.max(...offQuota) * 10) / 10 : 0,
    };
  };
  return { replicas: spread(stats.replicas, bucketCount * copyCount), masters: spread(stats.masters, bucketCount) };
}

function specsOf(servers: readonly PlanServer[]): ServerSpec[] {
  return servers.map((server) => ({ id: server.id, rack: server.rack, weight: server.weight, alive: server.alive }));
}

function engineTable(table: Uint32Array, bucketCount: number, copyCount: number): Table {
  return { bucketCount, copyCount, slots: Uint16Array.from(table) };
}
