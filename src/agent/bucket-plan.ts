/**
 * bucket-plan — what one data server does with a table, computed from the
 * data-server view: the current table (where data is served from) and the destination table
 * (where it should end up). Pure: tables in, lists out.
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

/** AgentTables — a group's data-server view, both tables copy-major (slot = copyIndex·B + bucketIndex). */
export interface AgentTables {
  bucketCount: number;
  copyCount: number;
  current: BigUint64Array;
  destination: BigUint64Array;
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

/** rowOf — the copies of a bucket in a copy-major table (zeros included). */
export function rowOf(table: BigUint64Array, bucketCount: number, copyCount: number, bucketIndex: number): bigint[] {
  const row = new Array<bigint>(copyCount);
  for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) row[copyIndex] = table[copyIndex * bucketCount + bucketIndex];
  return row;
}

/** migrationTargets — the destination copies of a bucket that are not in its current row. */
export function migrationTargets(currentRow: readonly bigint[], destinationRow: readonly bigint[]): bigint[] {
  return destinationRow.filter((serverId, index) => serverId !== 0n && !currentRow.includes(serverId) && destinationRow.indexOf(serverId) === index);
}

/** needsMigration — the config server's test: master differs, or a destination replica is not a current replica. */
export function needsMigration(currentRow: readonly bigint[], destinationRow: readonly bigint[]): boolean {
  if (currentRow[0] === 0n) return false;
  if (destinationRow[0] !== currentRow[0]) return true;
  const currentReplicas = currentRow.slice(1);
  return destinationRow.slice(1).some((serverId) => serverId !== 0n && !currentReplicas.includes(serverId));
}

/** planBuckets — holding, padding, mastering and migrations of `selfId` in `tables`. */
export function planBuckets(selfId: bigint, tables: AgentTables): BucketPlan {
  const { bucketCount, copyCount, current, destination } = tables;
  const plan: BucketPlan = { holding: [], padding: [], mastering: [], migrations: [] };
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    let inCurrent = false;
    let inDestination = false;
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      const slot = copyIndex * bucketCount + bucketIndex;
      if (current[slot] === selfId) inCurrent = true;
      if (destination[slot] === selfId) inDestination = true;
    }
    if (inCurrent) plan.holding.push(bucketIndex);
    else if (inDestination) plan.padding.push(bucketIndex);
    if (current[bucketIndex] !== selfId) continue;
    plan.mastering.push(bucketIndex);
    const currentRow = rowOf(current, bucketCount, copyCount, bucketIndex);
    const destinationRow = rowOf(destination, bucketCount, copyCount, bucketIndex);
    if (needsMigration(currentRow, destinationRow)) {
      plan.migrations.push({ bucketIndex, targets: migrationTargets(currentRow, destinationRow) });
    }
  }
  return plan;
}
