/**
 * scale-load — the scale benchmark (`npm run bench:scale`): 1,000 simulated data servers, built
 * on the project's own agent and spread over several processes, against one config server, for
 * several bucket counts; per size three phases (scale/scale-phases.ts): cold start, one server
 * killed, one server added. Writes bench/results/scale-latest.json (see bench/README.md).
 *
 *   npm run build && node dist/bench/scale-load.js [--sizes 1023,65536,1048576] [--servers 1000]
 *        [--copies 3] [--processes 4] [--down-time 2] [--migrate-rate 200] [--smoke] [--out FILE]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PhaseResult } from './scale/scale-phases.js';
import { addPhase, coldPhase, killPhase } from './scale/scale-phases.js';
import type { ScaleSettings } from './scale/scale-run.js';
import { ScaleRun } from './scale/scale-run.js';

interface SizeResult {
  bucketCount: number;
  phases: PhaseResult[];
  error?: string;
}

function parseSettings(): { sizes: number[]; settings: ScaleSettings; out: string } {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      servers: { type: 'string' },
      copies: { type: 'string' },
      processes: { type: 'string' },
      'down-time': { type: 'string' },
      'migrate-rate': { type: 'string' },
      'phase-timeout-ms': { type: 'string' },
      smoke: { type: 'boolean' },
      out: { type: 'string' },
      verbose: { type: 'boolean' },
    },
  });
  const smoke = values.smoke ?? false;
  const number = (text: string | undefined, fallback: number) => (text === undefined ? fallback : Number(text));
  const sizes = (values.sizes ?? (smoke ? '1023' : '1023,65536,1048576')).split(',').map(Number);
  const settings: ScaleSettings = {
    servers: number(values.servers, smoke ? 12 : 1000),
    copies: number(values.copies, 3),
    processes: number(values.processes, smoke ? 2 : 8),
    downTimeS: number(values['down-time'], 2),
    migrateRatePerS: number(values['migrate-rate'], 200),
    startDelayMs: smoke ? 200 : 1000,
    heartbeatIntervalMs: smoke ? 250 : 1000,
    phaseTimeoutMs: number(values['phase-timeout-ms'], smoke ? 20_000 : 300_000),
    verbose: values.verbose ?? false,
  };
  const out = values.out ?? fileURLToPath(new URL('../../bench/results/scale-latest.json', import.meta.url));
  return { sizes, settings, out };
}

async function runSize(bucketCount: number, settings: ScaleSettings): Promise<SizeResult> {
  const run = new ScaleRun(bucketCount, settings);
  const phases: PhaseResult[] = [];
  try {
    phases.push(await coldPhase(run));
    phases.push(await killPhase(run));
    phases.push(await addPhase(run));
    return { bucketCount, phases };
  } catch (error) {
    return { bucketCount, phases, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await run.stop();
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** summaryLines — per phase, the figures the goals name, one line each. */
function summaryLines(result: SizeResult): string {
  const lines = result.phases.map((phase) => {
    const milestones = Object.entries(phase.milestones)
      .map(([name, ms]) => `${name} ${ms ?? '-'}`)
      .join(', ');
    const { heartbeat, agents } = phase;
    return (
      `B=${result.bucketCount} ${phase.phase}: ${phase.durationMs} ms (${milestones}); ${phase.versions} versions, lag max ${phase.versionLagMaxMs ?? '-'} ms; ` +
      `heartbeat p50 ${heartbeat.p50Ms} p99 ${heartbeat.p99Ms} ms, server loop delay p99 ${phase.serverLoopDelayMs.p99} max ${phase.serverLoopDelayMs.max} ms; cpu ${phase.serverCpuPercent}%, rss ${phase.peakRssMiB} MiB; ` +
      `sent ${phase.bytesSent} B, store ${phase.storeBytesWritten} B; ${agents.changeSetBytesPerSlot ?? '-'} B/changed slot, ${agents.changeSetsOverBound} change sets over the bound; false DOWNs ${phase.falseDowns}`
    );
  });
  if (result.error) lines.push(`B=${result.bucketCount} failed: ${result.error}`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { sizes, settings, out } = parseSettings();
  const loadBefore = loadavg();
  const results: SizeResult[] = [];
  for (const bucketCount of sizes) {
    const result = await runSize(bucketCount, settings);
    results.push(result);
    process.stdout.write(summaryLines(result));
  }
  const report = {
    benchmark: 'scale',
    node: process.version,
    commit: commit(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg(),
    },
    settings: { ...settings, sizes },
    sizes: results,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
  if (results.some((result) => result.error)) process.exitCode = 1;
}

void main();
