/**
 * The migrating-machine count, checked against an independent per-bucket rule
 * and metamorphically: a table needs nothing to reach itself, and taking every counted bucket's
 * destination row leaves nothing to count.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { countMigrations } from '../../src/cluster/migration-plan.js';
import { copyRow, createTables } from '../../src/cluster/group-tables.js';

const servers = ['127.0.0.1:5191', '127.0.0.1:5192', '127.0.0.1:5193', '127.0.0.1:5194'];

const tableArbitrary = (bucketCount: number, copyCount: number) =>
  fc
    .array(fc.integer({ min: 1, max: servers.length }), { minLength: bucketCount * copyCount, maxLength: bucketCount * copyCount })
    .map((values) => Uint32Array.from(values));

const shapes = fc.record({ bucketCount: fc.integer({ min: 1, max: 12 }), copyCount: fc.integer({ min: 1, max: 3 }) }).chain(({ bucketCount, copyCount }) =>
  fc.record({
    bucketCount: fc.constant(bucketCount),
    copyCount: fc.constant(copyCount),
    current: tableArbitrary(bucketCount, copyCount),
    destination: tableArbitrary(bucketCount, copyCount),
  }),
);

/** needsMove — written from the original's rule, independently of the code under test. */
function needsMove(current: Uint32Array, destination: Uint32Array, bucketIndex: number, bucketCount: number): boolean {
  const row = (table: Uint32Array) => Array.from({ length: table.length / bucketCount }, (_, copy) => table[copy * bucketCount + bucketIndex]);
  const [master, ...slaves] = row(current);
  const [targetMaster, ...targetSlaves] = row(destination);
  return master !== 0 && (master !== targetMaster || targetSlaves.some((server) => !slaves.includes(server)));
}

describe('countMigrations', () => {
  test('counts per current master the buckets the original rule says must move', () => {
    fc.assert(
      fc.property(shapes, ({ bucketCount, copyCount, current, destination }) => {
        const tables = createTables(bucketCount, copyCount, servers, { current, progress: current.slice(), destination });
        const counted = countMigrations(tables);
        const expected = new Map<number, number>();
        for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
          if (needsMove(current, destination, bucketIndex, bucketCount)) expected.set(current[bucketIndex], (expected.get(current[bucketIndex]) ?? 0) + 1);
        }
        expect(counted.perSource).toEqual(expected);
        expect(counted.total).toBe([...expected.values()].reduce((sum, count) => sum + count, 0));
      }),
    );
  });

  test('a table needs nothing to reach itself; taking the destination rows leaves nothing', () => {
    fc.assert(
      fc.property(shapes, ({ bucketCount, copyCount, current, destination }) => {
        expect(countMigrations(createTables(bucketCount, copyCount, servers, { current, progress: current.slice(), destination: current.slice() })).total).toBe(
          0,
        );
        const progress = current.slice();
        for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) copyRow(destination, progress, bucketIndex, bucketCount);
        expect(countMigrations(createTables(bucketCount, copyCount, servers, { current: progress, progress, destination })).total).toBe(0);
      }),
    );
  });
});
