/**
 * build-from-empty — the first build of a group: no source table, every slot placed.
 *
 * Targets (issue 2): S ≤ 0.5 ms, L ≤ 5 ms, XL ≤ 50 ms.
 */
import { benchServers } from './bench-sizes.js';
import { type BenchOperation, targetFor } from './bench-operation.js';

const targetsMs = { S: 0.5, L: 5, XL: 50 };

/** buildFromEmpty — engine.build with no source. */
export const buildFromEmpty: BenchOperation = {
  name: 'build-from-empty',
  cases(size, engine) {
    const servers = benchServers(size);
    const input = { bucketCount: size.bucketCount, copyCount: size.copyCount, servers };
    return [
      {
        operation: 'build-from-empty',
        variant: 'engine API',
        size,
        targetMs: targetFor(targetsMs, size),
        fn: () => engine.build(input),
      },
    ];
  },
};
