/**
 * xxl-worker — the XXL build (16,777,216 × 3 on 10,000 servers / 20 racks) in a WorkerEngine,
 * measured a couple of times rather than sampled: wall time, the process's peak RSS, and how
 * late the main thread's event loop ran meanwhile (it should stay free for heartbeats).
 *
 * Targets (issue 2): ≤ 10 s, peak RSS ≤ 2 GiB, event-loop delay < 20 ms.
 * The main thread's own share is laying out the inputs and copying the result out.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WorkerEngine } from '../src/engine/index.js';
import { type BenchSize, benchServers } from './bench-sizes.js';
import { rounded } from './bench-case.js';

/** XxlRun — one measured build. */
export interface XxlRun {
  wallMs: number;
  buildMs: number;
  /** eventLoopDelay… — perf_hooks.monitorEventLoopDelay over the build. */
  eventLoopDelayMaxMs: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMeanMs: number;
  /** longestStallMs — the longest gap between 1 ms interval ticks, a second opinion on the max. */
  longestStallMs: number;
}

/** XxlResult — the XXL measurements as they go into the results file. */
export interface XxlResult {
  size: BenchSize;
  ok: boolean;
  outcome: string;
  rackSpreadShort: number;
  runs: XxlRun[];
  wallMsBest: number;
  /** eventLoopDelayMaxMs — the worst of both delay measures over all runs. */
  eventLoopDelayMaxMs: number;
  /** peakRssMiB — process.resourceUsage().maxRSS after the builds (the whole process's peak). */
  peakRssMiB: number;
  /** rssPeakBeforeMiB — the same before the first build, to tell what XXL itself added. */
  rssPeakBeforeMiB: number;
  targets: { wallMs: number; peakRssMiB: number; eventLoopDelayMaxMs: number };
  meetsTargets: boolean;
}

const targets = { wallMs: 10_000, peakRssMiB: 2_048, eventLoopDelayMaxMs: 20 };

/** runXxl — build `size` from empty `runs` times in one WorkerEngine. */
export async function runXxl(size: BenchSize, runs: number): Promise<XxlResult> {
  const rssPeakBeforeMiB = peakRssMiB();
  const engine = new WorkerEngine();
  // Inputs are cheap to make: a server list, no source table.
  const input = { bucketCount: size.bucketCount, copyCount: size.copyCount, servers: benchServers(size) };
  const measured: XxlRun[] = [];
  let outcome = 'not run';
  let ok = false;
  let rackSpreadShort = 0;
  try {
    for (let run = 0; run < runs; run++) {
      const watch = watchEventLoop();
      await sleep(5);
      const started = performance.now();
      const report = await engine.build(input);
      const wallMs = performance.now() - started;
      // A stall right at the end (copying the result out) is only seen by the next tick.
      await sleep(20);
      measured.push({ wallMs: rounded(wallMs), buildMs: rounded(report.buildMs), ...watch.stop() });
      ({ ok, outcome, rackSpreadShort } = report);
    }
  } finally {
    await engine.close();
  }
  const wallMsBest = Math.min(...measured.map((run) => run.wallMs));
  const eventLoopDelayMaxMs = Math.max(...measured.map((run) => Math.max(run.eventLoopDelayMaxMs, run.longestStallMs)));
  const peak = peakRssMiB();
  return {
    size,
    ok,
    outcome,
    rackSpreadShort,
    runs: measured,
    wallMsBest,
    eventLoopDelayMaxMs,
    peakRssMiB: Math.round(peak),
    rssPeakBeforeMiB: Math.round(rssPeakBeforeMiB),
    targets,
    meetsTargets: ok && wallMsBest <= targets.wallMs && peak <= targets.peakRssMiB && eventLoopDelayMaxMs < targets.eventLoopDelayMaxMs,
  };
}

interface EventLoopWatch {
  stop(): Pick<XxlRun, 'eventLoopDelayMaxMs' | 'eventLoopDelayP99Ms' | 'eventLoopDelayMeanMs' | 'longestStallMs'>;
}

function watchEventLoop(): EventLoopWatch {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(ticker);
      delay.disable();
      return {
        eventLoopDelayMaxMs: rounded(delay.max / 1e6),
        eventLoopDelayP99Ms: rounded(delay.percentile(99) / 1e6),
        eventLoopDelayMeanMs: Number.isFinite(delay.mean) ? rounded(delay.mean / 1e6) : 0,
        longestStallMs: rounded(longest),
      };
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
