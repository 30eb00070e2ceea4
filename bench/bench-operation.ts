/**
 * bench-operation — what each operation file (build-from-empty.ts, scan.ts, …) exports.
 */
import type { Engine } from '../src/engine/index.js';
import type { BenchCase } from './bench-case.js';
import type { BenchSize } from './bench-sizes.js';

/** BenchOperation — an operation that turns a size into timed cases (setup done, not timed). */
export interface BenchOperation {
  name: string;
  cases(size: BenchSize, engine: Engine): BenchCase[];
}

/** targetFor — the median target for `size`, if it sets one. */
export function targetFor(targets: Partial<Record<string, number>>, size: BenchSize): number | undefined {
  return targets[size.name];
}
