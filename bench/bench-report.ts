/**
 * bench-report — the human-readable tables a run prints.
 */
import type { CaseResult } from './bench-case.js';
import type { ScanRatios } from './bench-results.js';
import type { XxlResult } from './xxl-worker.js';

/** caseTable — one line per case: medians against targets. */
export function caseTable(cases: CaseResult[]): string {
  const header = ['operation', 'variant', 'size', 'median ms', 'p99 ms', 'mean ms', 'ops/s', 'samples', 'target ms', 'GB/s'];
  const rows = cases.map((entry) => [
    entry.operation,
    entry.variant,
    entry.size,
    ms(entry.medianMs),
    ms(entry.p99Ms),
    ms(entry.meanMs),
    entry.opsPerSec.toFixed(entry.opsPerSec < 100 ? 1 : 0),
    String(entry.samples),
    entry.targetMs === null ? '' : `${entry.targetMs} ${entry.meetsTarget ? 'ok' : 'OVER'}`,
    entry.gigabytesPerSec === null ? '' : entry.gigabytesPerSec.toFixed(2),
  ]);
  return layout([header, ...rows]);
}

/** ratioTable — the scan against the memory read, per size. */
export function ratioTable(ratios: ScanRatios[]): string {
  const header = ['scan ÷ memory read', 'wasm call', 'engine API', 'plain TS', 'plain TS ÷ wasm', 'target'];
  const rows = ratios.map((entry) => [
    entry.size,
    times(entry.wasmCallOverMemoryRead),
    times(entry.engineApiOverMemoryRead),
    times(entry.plainTsOverMemoryRead),
    times(entry.plainTsOverWasmCall),
    entry.target === null ? '' : `≤ ${entry.target}× ${entry.meetsTarget ? 'ok' : 'OVER'}`,
  ]);
  return layout([header, ...rows]);
}

/** xxlSummary — the worker build's measurements in a few lines. */
export function xxlSummary(xxl: XxlResult): string {
  const { size } = xxl;
  const runs = xxl.runs.map(
    (run, index) =>
      `  run ${index + 1}: wall ${ms(run.wallMs)} ms, event-loop delay max ${ms(run.eventLoopDelayMaxMs)} ms ` +
      `(p99 ${ms(run.eventLoopDelayP99Ms)} ms), longest stall between 1 ms ticks ${ms(run.longestStallMs)} ms`,
  );
  return [
    `XXL ${size.bucketCount}×${size.copyCount} on ${size.serverCount} servers / ${size.rackCount} racks, in a WorkerEngine: ` +
      `${xxl.outcome}, rack spread short ${xxl.rackSpreadShort}`,
    ...runs,
    `  peak RSS ${xxl.peakRssMiB.toFixed(0)} MiB (before: ${xxl.rssPeakBeforeMiB.toFixed(0)} MiB); targets: ` +
      `≤ ${xxl.targets.wallMs} ms, ≤ ${xxl.targets.peakRssMiB} MiB, delay < ${xxl.targets.eventLoopDelayMaxMs} ms → ` +
      `${xxl.meetsTargets ? 'ok' : 'OVER'}`,
  ].join('\n');
}

function layout(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function ms(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(4);
}

function times(value: number): string {
  return `${value.toFixed(2)}×`;
}
