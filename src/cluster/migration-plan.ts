/**
 * migration-plan — which buckets still have to move, counted per source.
 *
 * A bucket needs migration when its current master is set and either the destination master
 * differs, or a destination slave (copy ≥ 1) is not among the current slaves. The current master
 * is the source: it copies the data and sends the migrate-finish packet.
 *
 *   bucket b:   current  [m, s1, s2]      destination  [m', d1, d2]
 *               needs = m ≠ 0 and (m' ≠ m or {d1, d2} ⊄ {s1, s2})
 */
import type { GroupTables } from './group-tables.js';

/** needsMigration — whether bucket `bucketIndex` must still move (see the file comment). */
export function needsMigration(current: Uint32Array, destination: Uint32Array, bucketIndex: number, bucketCount: number): boolean {
  const master = current[bucketIndex];
  if (master === 0) return false;
  if (destination[bucketIndex] !== master) return true;
  for (let target = bucketIndex + bucketCount; target < destination.length; target += bucketCount) {
    const wanted = destination[target];
    let present = false;
    for (let slot = bucketIndex + bucketCount; slot < current.length; slot += bucketCount) {
      if (current[slot] === wanted) {
        present = true;
        break;
      }
    }
    if (!present) return true;
  }
  return false;
}

/** MigrationCount — buckets left per source (table value k), and their total. */
export interface MigrationCount {
  perSource: Map<number, number>;
  total: number;
}

/** countMigrations — the migrating-machine map of a group's tables. */
export function countMigrations(tables: GroupTables): MigrationCount {
  const perSource = new Map<number, number>();
  let total = 0;
  for (let bucketIndex = 0; bucketIndex < tables.bucketCount; bucketIndex++) {
    if (!needsMigration(tables.progress, tables.destination, bucketIndex, tables.bucketCount)) continue;
    const source = tables.progress[bucketIndex];
    perSource.set(source, (perSource.get(source) ?? 0) + 1);
    total += 1;
  }
  return { perSource, total };
}
