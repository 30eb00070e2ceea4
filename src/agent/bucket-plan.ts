/**
 * bucket-plan — what one data server does with its view of a table: the rows of the buckets whose
 * current row (where data is served from) or destination row (where it should end up) names it.
 * Pure: a view in, lists out, O(the view), never O(B).
 *
 *   bucket b, current row [X, Y], destination row [X, T], self = X
 *     X holds b (in the current row), T pads b (destination only: opened empty)
 *     X is the current master and T is not in the current row → migrate b from X to T
 *   current [X, Y], destination [Y, X]: only the master changes → an empty migration (hand-over)
 *
 * A bucket needs migration, as the config server counts it, when the destination master
 * differs from the current master or a destination replica is not among the current replicas;
 * its targets are the destination copies absent from the whole current row.
 */

/**
 * AgentTables — a data server's view of a group's tables: only the buckets whose row names it.
 *
 *   row(b) = C current ids, then C destination ids (0n = empty), or undefined outside the view
 */
export interface AgentTables {
  readonly bucketCount: number;
  readonly copyCount: number;
  /** row — bucket `bucketIndex`'s row, or undefined when the bucket is not in the view. */
  row(bucketIndex: number): ArrayLike<bigint> | undefined;
  /** buckets — the buckets of the view, ascending. */
  buckets(): readonly number[];
}

/** MigrationTask — a bucket this server masters and must move; no targets = master hand-over. */
export interface MigrationTask {
  bucketIndex: number;
  targets: bigint[];
}

/** BucketPlan — one server's part of a table. */
export interface BucketPlan {
  /** holding — buckets where the server is in the current row (it serves them). */
  holding: number[];
  /** padding — buckets where it is in the destination row only (data is on its way). */
  padding: number[];
  /** mastering — buckets where it is the current master (copy 0). */
  mastering: number[];
  migrations: MigrationTask[];
}

/** currentRow — the current copies of a bucket (zeros outside the view). */
export function currentRow(tables: AgentTables, bucketIndex: number): bigint[] {
  return rowPart(tables, bucketIndex, 0);
}

/** destinationRow — the destination copies of a bucket (zeros outside the view). */
export function destinationRow(tables: AgentTables, bucketIndex: number): bigint[] {
  return rowPart(tables, bucketIndex, tables.copyCount);
}

/** migrationTargets — the destination copies of a bucket that are not in its current row. */
export function migrationTargets(current: readonly bigint[], destination: readonly bigint[]): bigint[] {
  return destination.filter((serverId, index) => serverId !== 0n && !current.includes(serverId) && destination.indexOf(serverId) === index);
}

/** needsMigration — the config server's test: master differs, or a destination replica is not a current replica. */
export function needsMigration(current: readonly bigint[], destination: readonly bigint[]): boolean {
  if (current[0] === 0n) return false;
  if (destination[0] !== current[0]) return true;
  const currentReplicas = current.slice(1);
  return destination.slice(1).some((serverId) => serverId !== 0n && !currentReplicas.includes(serverId));
}

/** planBuckets — holding, padding, mastering and migrations of `selfId` in its view `tables` (one pass, rows read in place). */
export function planBuckets(selfId: bigint, tables: AgentTables): BucketPlan {
  const plan: BucketPlan = { holding: [], padding: [], mastering: [], migrations: [] };
  const { copyCount } = tables;
  for (const bucketIndex of tables.buckets()) {
    const row = tables.row(bucketIndex);
    if (!row) continue;
    let inCurrent = false;
    let inDestination = false;
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      if (row[copyIndex] === selfId) inCurrent = true;
      if (row[copyCount + copyIndex] === selfId) inDestination = true;
    }
    if (inCurrent) plan.holding.push(bucketIndex);
    else if (inDestination) plan.padding.push(bucketIndex);
    if (row[0] !== selfId) continue;
    plan.mastering.push(bucketIndex);
    if (rowNeedsMigration(row, copyCount)) {
      plan.migrations.push({ bucketIndex, targets: migrationTargets(currentRow(tables, bucketIndex), destinationRow(tables, bucketIndex)) });
    }
  }
  return plan;
}

/** rowNeedsMigration — needsMigration on a row (C current, C destination) without copying it. */
function rowNeedsMigration(row: ArrayLike<bigint>, copyCount: number): boolean {
  if (row[0] === 0n) return false;
  if (row[copyCount] !== row[0]) return true;
  for (let target = copyCount + 1; target < 2 * copyCount; target++) {
    const wanted = row[target];
    if (wanted === 0n) continue;
    let present = false;
    for (let held = 1; held < copyCount; held++) if (row[held] === wanted) present = true;
    if (!present) return true;
  }
  return false;
}

function rowPart(tables: AgentTables, bucketIndex: number, from: number): bigint[] {
  const row = tables.row(bucketIndex);
  const part = new Array<bigint>(tables.copyCount).fill(0n);
  if (row) for (let copyIndex = 0; copyIndex < tables.copyCount; copyIndex++) part[copyIndex] = row[from + copyIndex];
  return part;
}
