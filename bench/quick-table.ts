/**
 * quick-table — a server dies: promote surviving copies of its masters and clear its slots.
 *
 * Target (issue 2): L ≤ 1 ms.
 */
import { baseTable, benchServers, downPosition, withDown } from './bench-sizes.js';
import { type BenchOperation, targetFor } from './bench-operation.js';

const targetsMs = { L: 1 };

/** quickTable — engine.quickTable of the base table with one server dead. */
export const quickTable: BenchOperation = {
  name: 'quick-table',
  cases(size, engine) {
    const table = baseTable(engine, size);
    const servers = withDown(benchServers(size), downPosition(size));
    return [
      {
        operation: 'quick-table',
        variant: 'engine API',
        size,
        targetMs: targetFor(targetsMs, size),
        fn: () => engine.quickTable(table, servers),
      },
    ];
  },
};
