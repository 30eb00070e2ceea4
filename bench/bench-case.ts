/**
 * bench-case — one timed case and how it is measured with tinybench.
 *
 * An operation file turns a size into cases: all setup (source tables, server lists) is
 * done while building the case, so `fn` times only the operation itself.
 */
import { Bench } from 'tinybench';
import type { BenchSize } from './bench-sizes.js';

/** BenchCase — a function to time, with what it measures. */
export interface BenchCase {
  operation: string;
  /** variant — what is timed when an operation has several (e.g. `wasm call` vs `engine API`). */
  variant: string;
  size: BenchSize;
  fn: () => unknown;
  /** targetMs — the target for the median, if it sets one. */
  targetMs?: number;
  /** bytes — table bytes the case reads, for a GB/s figure. */
  bytes?: number;
}

/** CaseResult — a measured case as it goes into the results file. */
export interface CaseResult {
  operation: string;
  variant: string;
  size: string;
  bucketCount: number;
  copyCount: number;
  serverCount: number;
  rackCount: number;
  medianMs: number;
  p99Ms: number;
  meanMs: number;
  opsPerSec: number;
  samples: number;
  targetMs: number | null;
  meetsTarget: boolean | null;
  gigabytesPerSec: number | null;
}

/** Timing — how long tinybench spends on each case. */
export interface Timing {
  timeMs: number;
  iterations: number;
  warmupIterations: number;
}

/** timingFor — enough samples for a stable median, without making the full run long. */
export function timingFor(size: BenchSize, smoke: boolean): Timing {
  if (smoke) return { timeMs: 0, iterations: 2, warmupIterations: 0 };
  const slotCount = size.bucketCount * size.copyCount;
  if (slotCount <= 10_000) return { timeMs: 300, iterations: 100, warmupIterations: 20 };
  if (slotCount <= 1_000_000) return { timeMs: 600, iterations: 20, warmupIterations: 5 };
  return { timeMs: 1_200, iterations: 8, warmupIterations: 2 };
}

/** measureCase — run one case under tinybench and summarise it. */
export async function measureCase(benchCase: BenchCase, timing: Timing): Promise<CaseResult> {
  const bench = new Bench({
    time: timing.timeMs,
    iterations: timing.iterations,
    warmup: timing.warmupIterations > 0,
    warmupIterations: timing.warmupIterations,
    warmupTime: 0,
    throws: true,
  });
  bench.add(`${benchCase.operation} ${benchCase.variant} ${benchCase.size.name}`, benchCase.fn);
  await bench.run();
  const result = bench.tasks[0].result;
  if (!('latency' in result)) throw new Error(`${benchCase.operation} ${benchCase.size.name}: no samples (${result.state})`);
  const { latency } = result;
  const { size } = benchCase;
  const targetMs = benchCase.targetMs ?? null;
  return {
    operation: benchCase.operation,
    variant: benchCase.variant,
    size: size.name,
    bucketCount: size.bucketCount,
    copyCount: size.copyCount,
    serverCount: size.serverCount,
    rackCount: size.rackCount,
    medianMs: rounded(latency.p50),
    p99Ms: rounded(latency.p99),
    meanMs: rounded(latency.mean),
    opsPerSec: latency.mean > 0 ? rounded(1000 / latency.mean) : 0,
    samples: latency.samplesCount,
    targetMs,
    meetsTarget: targetMs === null ? null : latency.p50 <= targetMs,
    gigabytesPerSec: benchCase.bytes && latency.p50 > 0 ? rounded(benchCase.bytes / latency.p50 / 1e6) : null,
  };
}

/** rounded — 4 decimals: sub-microsecond digits are noise and only bloat the results file. */
export function rounded(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
