/**
 * diff — the migration plan from a table to its rebuild after one server left.
 *
 * No target in the issue: one pass over both tables (2 × B·C u16) plus the per-bucket rows.
 */
import { baseTable, benchServers, downPosition, withDown } from './bench-sizes.js';
import type { BenchOperation } from './bench-operation.js';

/** diff — engine.diff(base table, its rebuild with one server dead). */
export const diff: BenchOperation = {
  name: 'diff',
  cases(size, engine) {
    const current = baseTable(engine, size);
    const servers = withDown(benchServers(size), downPosition(size));
    const rebuilt = engine.build({ bucketCount: size.bucketCount, copyCount: size.copyCount, servers, source: current });
    if (!rebuilt.ok) throw new Error(`bench setup: rebuild of ${size.name} failed (${rebuilt.outcome})`);
    const target = rebuilt.table;
    return [
      {
        operation: 'diff',
        variant: 'engine API',
        size,
        bytes: 2 * 2 * current.slots.length,
        fn: () => engine.diff(current, target, servers.length),
      },
    ];
  },
};
