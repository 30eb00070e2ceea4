/**
 * table-moves — plain-TS counts of what changes between two tables, independent of the
 * engine: replica moves, master changes, quick-table promotions, and the migration plan of
 * the original's migrating-machine map.
 *
 *   a replica move   = a target slot whose server holds no copy of that bucket in the source
 *   a master change  = a bucket whose copy 0 differs between source and target
 */
import type { CheckedServer } from './table-checker.js';

/** TableSlots — the shape both tables share. */
export interface TableSlots {
  bucketCount: number;
  copyCount: number;
  slots: Uint16Array;
}

/** rowHolds — whether `entry` appears in copies fromCopy..C−1 of a bucket. */
export function rowHolds(table: TableSlots, bucket: number, entry: number, fromCopy = 0): boolean {
  for (let copyIndex = fromCopy; copyIndex < table.copyCount; copyIndex++) {
    if (table.slots[copyIndex * table.bucketCount + bucket] === entry) return true;
  }
  return false;
}

/** countMoves — replica moves and master changes from `source` to `target`. */
export function countMoves(source: TableSlots, target: TableSlots): { replicaMoves: number; masterChanges: number } {
  let replicaMoves = 0;
  let masterChanges = 0;
  for (let bucket = 0; bucket < target.bucketCount; bucket++) {
    if (target.slots[bucket] !== source.slots[bucket]) masterChanges++;
    for (let copyIndex = 0; copyIndex < target.copyCount; copyIndex++) {
      const entry = target.slots[copyIndex * target.bucketCount + bucket];
      if (entry !== 0 && !rowHolds(source, bucket, entry)) replicaMoves++;
    }
  }
  return { replicaMoves, masterChanges };
}

/** minimumForCounts — moves any table with these per-server counts needs: total − Σ min(held, wanted). */
export function minimumForCounts(held: number[], wanted: number[], servers: CheckedServer[]): number {
  let total = 0;
  let keepable = 0;
  servers.forEach((server, position) => {
    total += wanted[position];
    if (server.alive) keepable += Math.min(held[position], wanted[position]);
  });
  return total - keepable;
}

/** PromotionGains — per dead server d (position): its masters in the old table and who took them. */
export interface PromotionGains {
  dead: number;
  mastered: number;
  gains: Map<number, number>;
}

/** promotionGains — how a quick table handed out each dead server's masters. */
export function promotionGains(before: TableSlots, after: TableSlots, servers: CheckedServer[]): PromotionGains[] {
  const result = new Map<number, PromotionGains>();
  for (let bucket = 0; bucket < before.bucketCount; bucket++) {
    const dead = before.slots[bucket] - 1;
    if (dead < 0 || servers[dead].alive) continue;
    const entry = result.get(dead) ?? { dead, mastered: 0, gains: new Map<number, number>() };
    entry.mastered++;
    const heir = after.slots[bucket] - 1;
    if (heir >= 0) entry.gains.set(heir, (entry.gains.get(heir) ?? 0) + 1);
    result.set(dead, entry);
  }
  return [...result.values()];
}

/** ReferencePlan — the migration plan as the original defines it. */
export interface ReferencePlan {
  bucketsToMigrate: number;
  needsMigration: boolean[];
  handOver: boolean[];
  dataMoves: boolean[];
  /** receivers — per bucket, the target servers not in the current row, in copy order. */
  receivers: number[][];
  perSource: number[];
}

/**
 * referenceDiff — the original's rule: a bucket with a non-zero current master needs migration
 * when the target master differs or a target slave (copy ≥ 1) is absent from the current slaves;
 * the count goes to the current master. Empty target slots are nobody to migrate to.
 */
export function referenceDiff(current: TableSlots, target: TableSlots, serverCount: number): ReferencePlan {
  const plan: ReferencePlan = {
    bucketsToMigrate: 0,
    needsMigration: [],
    handOver: [],
    dataMoves: [],
    receivers: [],
    perSource: new Array<number>(serverCount + 1).fill(0),
  };
  for (let bucket = 0; bucket < current.bucketCount; bucket++) {
    const master = current.slots[bucket];
    const handOver = target.slots[bucket] !== master;
    let slaveMissing = false;
    const receivers: number[] = [];
    for (let copyIndex = 0; copyIndex < target.copyCount; copyIndex++) {
      const entry = target.slots[copyIndex * target.bucketCount + bucket];
      if (entry === 0) continue;
      if (copyIndex > 0 && !rowHolds(current, bucket, entry, 1)) slaveMissing = true;
      if (!rowHolds(current, bucket, entry)) receivers.push(entry);
    }
    const needs = master !== 0 && (handOver || slaveMissing);
    plan.needsMigration.push(needs);
    plan.handOver.push(handOver);
    plan.dataMoves.push(receivers.length > 0);
    plan.receivers.push(receivers);
    if (needs) {
      plan.bucketsToMigrate++;
      plan.perSource[master]++;
    }
  }
  return plan;
}
