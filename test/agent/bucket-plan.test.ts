import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planBuckets, type AgentTables } from '../../src/agent/bucket-plan.js';
import { allRows } from './test-tables.js';

const [x, y, z, t] = [11n, 22n, 33n, 44n];

function tables(currentRows: bigint[][], destinationRows: bigint[][]): AgentTables {
  const bucketCount = currentRows.length;
  const copyCount = currentRows[0].length;
  const toTable = (rows: bigint[][]) => {
    const table = new BigUint64Array(bucketCount * copyCount);
    rows.forEach((row, bucketIndex) => row.forEach((id, copyIndex) => (table[copyIndex * bucketCount + bucketIndex] = id)));
    return table;
  };
  return allRows(toTable(currentRows), toTable(destinationRows), bucketCount, copyCount);
}

describe('planBuckets', () => {
  test('holding, padding, a migration target and a master hand-over', () => {
    const view = tables(
      [
        [x, y],
        [x, y],
        [y, x],
        [z, y],
      ],
      [
        [x, t],
        [y, x],
        [y, x],
        [z, x],
      ],
    );
    expect(planBuckets(x, view)).toEqual({
      holding: [0, 1, 2],
      padding: [3],
      mastering: [0, 1],
      migrations: [
        { bucketIndex: 0, targets: [t] },
        { bucketIndex: 1, targets: [] },
      ],
    });
    expect(planBuckets(t, view)).toEqual({ holding: [], padding: [0], mastering: [], migrations: [] });
    expect(planBuckets(z, view).migrations).toEqual([{ bucketIndex: 3, targets: [x] }]);
  });

  test('a quick-table row with an empty replica slot migrates to the new copy', () => {
    const view = tables([[y, 0n]], [[y, z]]);
    expect(planBuckets(y, view).migrations).toEqual([{ bucketIndex: 0, targets: [z] }]);
  });

  test("a bucket without a master is nobody's to migrate", () => {
    const view = tables([[0n, 0n]], [[y, z]]);
    for (const serverId of [y, z]) expect(planBuckets(serverId, view).migrations).toEqual([]);
  });

  const servers = [1n, 2n, 3n, 4n, 5n];
  const row = (copyCount: number) => fc.shuffledSubarray(servers, { minLength: copyCount, maxLength: copyCount });
  const layout = fc
    .integer({ min: 1, max: 3 })
    .chain((copyCount) => fc.tuple(fc.array(fc.tuple(row(copyCount), row(copyCount), fc.boolean()), { minLength: 1, maxLength: 12 }), fc.constant(copyCount)));

  test('property: every bucket that differs is migrated by exactly its master, and the targets complete the destination', () => {
    fc.assert(
      fc.property(layout, ([rows, copyCount]) => {
        // A dropped replica (quick table) leaves a 0 in the current row.
        const currentRows = rows.map(([current, , dropReplica]) => (dropReplica && copyCount > 1 ? [...current.slice(0, -1), 0n] : current));
        const view = tables(
          currentRows,
          rows.map(([, destination]) => destination),
        );
        const plans = new Map(servers.map((serverId) => [serverId, planBuckets(serverId, view)]));
        currentRows.forEach((currentRow, bucketIndex) => {
          const destinationRow = rows[bucketIndex][1];
          const sameMaster = currentRow[0] === destinationRow[0];
          const replicasCovered = destinationRow.slice(1).every((id) => currentRow.slice(1).includes(id));
          const movers = servers.filter((serverId) => plans.get(serverId)!.migrations.some((task) => task.bucketIndex === bucketIndex));
          expect(movers).toEqual(sameMaster && replicasCovered ? [] : [currentRow[0]]);
          for (const serverId of servers) {
            const plan = plans.get(serverId)!;
            expect(plan.holding.includes(bucketIndex)).toBe(currentRow.includes(serverId));
            expect(plan.padding.includes(bucketIndex)).toBe(!currentRow.includes(serverId) && destinationRow.includes(serverId));
            const task = plan.migrations.find((candidate) => candidate.bucketIndex === bucketIndex);
            if (!task) continue;
            const reached = new Set([...currentRow, ...task.targets]);
            for (const id of destinationRow) expect(reached.has(id)).toBe(true);
            for (const id of task.targets) expect(currentRow.includes(id)).toBe(false);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  test('metamorphic: a table equal to its destination plans no migration and no padding', () => {
    fc.assert(
      fc.property(layout, ([rows]) => {
        const currentRows = rows.map(([current]) => current);
        const view = tables(currentRows, currentRows);
        for (const serverId of servers) {
          const plan = planBuckets(serverId, view);
          expect(plan.migrations).toEqual([]);
          expect(plan.padding).toEqual([]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
