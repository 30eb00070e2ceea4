/**
 * stats — latency percentiles and CPU shares for the benchmark report.
 */

/** LatencySummary — response times in milliseconds. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

/** summarize — percentiles of the samples (nearest rank). */
export function summarize(samples: Float64Array | number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const count = sorted.length;
  const at = (q: number) => (count === 0 ? 0 : sorted[Math.min(count - 1, Math.ceil(q * count) - 1)]);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count,
    p50Ms: round(at(0.5)),
    p90Ms: round(at(0.9)),
    p99Ms: round(at(0.99)),
    p999Ms: round(at(0.999)),
    maxMs: round(count === 0 ? 0 : sorted[count - 1]),
    meanMs: round(count === 0 ? 0 : sum / count),
  };
}

/** cpuPercent — CPU time between two process.cpuUsage() readings as a share of one core. */
export function cpuPercent(before: NodeJS.CpuUsage, after: NodeJS.CpuUsage, wallMs: number): number {
  const usedUs = after.user - before.user + (after.system - before.system);
  return round((usedUs / 1000 / wallMs) * 100);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
