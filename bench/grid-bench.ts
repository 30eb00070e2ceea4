/**
 * grid-bench — the grid's time goal through the CLI: every build and every one-server leave
 * or join ≤ 20 ms + 100 ns per slot (B·C), release build, cold `buildMs` (one build per
 * process, as a user runs `tair-cs table build|rebuild`).
 *
 *   node dist/bench/grid-bench.js                          B = 65,536 and 1,048,576, every shape
 *   node dist/bench/grid-bench.js --buckets 1048576 --every 3   one shape in 3 at one B
 *   --results-dir DIR                                      where grid-<date>-<commit>.json goes
 *
 * Per shape: `table build --out`, `table rebuild --down ⌊S/3⌋`, `table rebuild --add 1`; the
 * record keeps buildMs, steps per slot, the goal and whether the CLI found the table valid;
 * the summary names the worst ratio buildMs / goal and every table not valid. The machine is shared: note the load (recorded) and rerun outliers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type GridShape, gridShapes, shapeName } from './grid-shapes.js';
import { runEnvironment } from './bench-results.js';
import { repoRoot } from './repo-root.js';

/** goalMs — the time goal of a build over `slots` slots. */
export function goalMs(slots: number): number {
  return 20 + slots * 100e-6;
}

/** GridTiming — one CLI build of the grid. */
export interface GridTiming {
  shape: string;
  operation: 'build' | 'leave' | 'join';
  slots: number;
  buildMs: number;
  goalMs: number;
  stepsPerSlot: number;
  /** valid — the CLI's own measurement of the table (balance, spread, soundness). */
  valid: boolean;
  spentIn: string[];
}

/** CliReport — the parts of `tair-cs table build|rebuild` JSON the grid reads. */
interface CliReport {
  buildMs: number;
  valid: boolean;
  engine: { stepsPerSlot: number; spentIn: string[] };
}

// One CLI run; its JSON whatever the exit status (1 = the table is not valid: recorded, not fatal).
function cli(args: string[]): CliReport {
  const main = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const run = spawnSync(process.execPath, [main, 'table', ...args], { maxBuffer: 1 << 26, encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 1) throw new Error(`tair-cs table ${args.join(' ')}: exit ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as CliReport;
}

function buildArgs(shape: GridShape): string[] {
  const args = ['--buckets', String(shape.bucketCount), '--copies', String(shape.copyCount), '--rack-sizes', shape.rackSizes.join(',')];
  return shape.weights ? [...args, '--weights', shape.weights.join(',')] : args;
}

/** timeShape — the three CLI builds of one shape. */
export function timeShape(shape: GridShape, dir: string): GridTiming[] {
  const name = shapeName(shape);
  const file = join(dir, 'base.json');
  const slots = shape.bucketCount * shape.copyCount;
  const timing = (operation: GridTiming['operation'], report: CliReport): GridTiming => ({
    shape: name,
    operation,
    slots,
    buildMs: report.buildMs,
    goalMs: goalMs(slots),
    stepsPerSlot: report.engine.stepsPerSlot,
    valid: report.valid,
    spentIn: report.engine.spentIn,
  });
  const timings = [timing('build', cli(['build', ...buildArgs(shape), '--out', file]))];
  const servers = shape.rackSizes.reduce((sum, size) => sum + size, 0);
  if (servers > shape.copyCount) timings.push(timing('leave', cli(['rebuild', '--in', file, '--down', String(Math.floor(servers / 3))])));
  timings.push(timing('join', cli(['rebuild', '--in', file, '--add', '1'])));
  return timings;
}

function main(): void {
  const { values } = parseArgs({
    options: { buckets: { type: 'string' }, every: { type: 'string' }, 'results-dir': { type: 'string' } },
  });
  const bucketCounts = values.buckets ? values.buckets.split(',').map(Number) : [65_536, 1_048_576];
  const every = Number(values.every ?? 1);
  const environment = runEnvironment(repoRoot());
  const dir = mkdtempSync(join(tmpdir(), 'tair-cs-grid-'));
  const timings: GridTiming[] = [];
  try {
    for (const bucketCount of bucketCounts) {
      for (const shape of gridShapes(bucketCount, every)) {
        for (const timing of timeShape(shape, dir)) {
          timings.push(timing);
          const ratio = timing.buildMs / timing.goalMs;
          process.stderr.write(
            `${timing.shape} ${timing.operation}: ${timing.buildMs.toFixed(1)} ms (goal ${timing.goalMs.toFixed(1)}, ${ratio.toFixed(2)})\n`,
          );
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const byRatio = [...timings].sort((a, b) => b.buildMs / b.goalMs - a.buildMs / a.goalMs);
  const over = timings.filter((timing) => timing.buildMs > timing.goalMs);
  const invalid = timings.filter((timing) => !timing.valid);
  const summary = {
    ...environment,
    command: `node dist/bench/grid-bench.js ${process.argv.slice(2).join(' ')}`.trim(),
    builds: timings.length,
    overGoal: over.length,
    invalid: invalid.map((timing) => `${timing.shape} ${timing.operation}`),
    budgetSpent: timings.filter((timing) => timing.spentIn.length > 0).map((timing) => `${timing.shape} ${timing.operation}: ${timing.spentIn.join('+')}`),
    worst: byRatio.slice(0, 10).map((timing) => ({ ...timing, ratio: Math.round((timing.buildMs / timing.goalMs) * 1000) / 1000 })),
    timings,
  };
  const resultsDir = values['results-dir'] ?? join(repoRoot(), 'bench', 'results');
  const name = `grid-${new Date().toISOString().slice(0, 10)}-${environment.commit ?? 'unknown'}.json`;
  writeFileSync(join(resultsDir, name), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'grid-latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`${timings.length} builds, ${over.length} over the goal, ${invalid.length} not valid; worst:\n`);
  for (const name of summary.invalid) process.stdout.write(`  not valid: ${name}\n`);
  for (const timing of summary.worst) {
    process.stdout.write(`  ${timing.shape} ${timing.operation}: ${timing.buildMs.toFixed(1)} ms, goal ${timing.goalMs.toFixed(1)} ms (${timing.ratio})\n`);
  }
  process.stdout.write(`results: ${join(resultsDir, name)}\n`);
}

if (process.argv[1]?.endsWith('grid-bench.js')) main();
