/**
 * rebuild-join — one new server joins a balanced table; rebuild from that table.
 *
 * The newcomer takes its quota from everyone. Targets (issue 2): L ≤ 5 ms, XL ≤ 50 ms.
 */
import { baseTable, benchServers, withJoined } from './bench-sizes.js';
import { type BenchOperation, targetFor } from './bench-operation.js';

const targetsMs = { L: 5, XL: 50 };

/** rebuildJoin — engine.build from the base table with one more live server. */
export const rebuildJoin: BenchOperation = {
  name: 'rebuild-join',
  cases(size, engine) {
    const source = baseTable(engine, size);
    const servers = withJoined(benchServers(size), size);
    const input = { bucketCount: size.bucketCount, copyCount: size.copyCount, servers, source };
    return [
      {
        operation: 'rebuild-join',
        variant: 'engine API',
        size,
        targetMs: targetFor(targetsMs, size),
        fn: () => engine.build(input),
      },
    ];
  },
};
