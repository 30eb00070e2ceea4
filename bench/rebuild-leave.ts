/**
 * rebuild-leave — one server of a balanced table goes down; rebuild from that table.
 *
 * Only the dead server's replicas move (the minimum). Targets (issue 2): L ≤ 5 ms, XL ≤ 50 ms.
 */
import { baseTable, benchServers, downPosition, withDown } from './bench-sizes.js';
import { type BenchOperation, targetFor } from './bench-operation.js';

const targetsMs = { L: 5, XL: 50 };

/** rebuildLeave — engine.build from the base table with one server dead. */
export const rebuildLeave: BenchOperation = {
  name: 'rebuild-leave',
  cases(size, engine) {
    const source = baseTable(engine, size);
    const servers = withDown(benchServers(size), downPosition(size));
    const input = { bucketCount: size.bucketCount, copyCount: size.copyCount, servers, source };
    return [
      {
        operation: 'rebuild-leave',
        variant: 'engine API',
        size,
        targetMs: targetFor(targetsMs, size),
        fn: () => engine.build(input),
      },
    ];
  },
};
