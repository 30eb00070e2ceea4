/**
 * run — `npm run bench` (node dist/bench/run.js): every operation at every size, then XXL.
 *
 *   node dist/bench/run.js                  full run, results in bench/results/
 *   node dist/bench/run.js --only scan,diff only operations whose name contains a word
 *   node dist/bench/run.js --sizes S,L      only these sizes (XXL only when named: --sizes XL,XXL)
 *   node dist/bench/run.js --skip-xxl       everything but the 16M-bucket worker build
 *   node dist/bench/run.js --smoke          every case at tiny sizes, in well under a second
 *   --results-dir DIR                       where to write (smoke writes nothing without it)
 *
 * Sizes run smallest first and XXL last: it needs about a gigabyte and several seconds.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine } from '../src/engine/index.js';
import { repoRoot } from './repo-root.js';
import { type CaseResult, measureCase, timingFor } from './bench-case.js';
import type { BenchOperation } from './bench-operation.js';
import { type BenchResults, runEnvironment, scanRatios, writeResults } from './bench-results.js';
import { caseTable, ratioTable, xxlSummary } from './bench-report.js';
import { benchSizes, smokeSizes, smokeXxlSize, xxlSize } from './bench-sizes.js';
import { buildFromEmpty } from './build-from-empty.js';
import { diff } from './diff.js';
import { quickTable } from './quick-table.js';
import { rebuildJoin } from './rebuild-join.js';
import { rebuildLeave } from './rebuild-leave.js';
import { scan } from './scan.js';
import { runXxl } from './xxl-worker.js';

/** operations — every timed operation, in the order they run at each size. */
export const operations: readonly BenchOperation[] = [buildFromEmpty, rebuildLeave, rebuildJoin, quickTable, scan, diff];

/** xxlOperationName — the name `--only` matches for the XXL worker build. */
export const xxlOperationName = 'xxl-worker';

/** RunOptions — what to run and where the results go. */
export interface RunOptions {
  smoke: boolean;
  /** only — words an operation's name must contain one of (null: all). */
  only: string[] | null;
  sizes: string[] | null;
  skipXxl: boolean;
  /** resultsDir — write the results file here (null: do not write). */
  resultsDir: string | null;
  xxlRuns: number;
  /** log — progress lines (one per case). */
  log(line: string): void;
}

/** runBenchmarks — run what `options` selects; returns the results (and the file written, if any). */
export async function runBenchmarks(options: RunOptions): Promise<{ results: BenchResults; file: string | null }> {
  const selected = (name: string): boolean => options.only === null || options.only.some((word) => name.includes(word));
  const sizes = (options.smoke ? smokeSizes : benchSizes).filter((size) => options.sizes === null || options.sizes.includes(size.name));
  const engine = new Engine();
  const cases: CaseResult[] = [];
  for (const size of sizes) {
    for (const operation of operations.filter((entry) => selected(entry.name))) {
      for (const benchCase of operation.cases(size, engine)) {
        // Smoke sizes are not the sizes: their targets would mean nothing.
        if (options.smoke) benchCase.targetMs = undefined;
        const result = await measureCase(benchCase, timingFor(size, options.smoke));
        options.log(`${result.operation} ${result.variant} ${result.size}: median ${result.medianMs.toFixed(4)} ms`);
        cases.push(result);
      }
    }
  }
  const xxlSizeSelected = options.sizes === null || options.sizes.includes(xxlSize.name);
  const runXxlNow = !options.skipXxl && xxlSizeSelected && selected(xxlOperationName);
  if (runXxlNow) options.log(`${xxlOperationName}: building XXL in a worker (${options.smoke ? 1 : options.xxlRuns} runs)`);
  const xxl = runXxlNow ? await runXxl(options.smoke ? smokeXxlSize : xxlSize, options.smoke ? 1 : options.xxlRuns) : null;
  const results: BenchResults = {
    schema: 1,
    ...runEnvironment(repoRoot()),
    mode: options.smoke ? 'smoke' : 'full',
    engineVariant: 'release',
    filters: { only: options.only, sizes: options.sizes, skipXxl: options.skipXxl },
    cases,
    scanRatios: scanRatios(cases),
    xxl,
  };
  const file = options.resultsDir === null ? null : await writeResults(options.resultsDir, results);
  return { results, file };
}

/** printResults — the tables a person reads after a run. */
export function printResults(results: BenchResults, file: string | null): string {
  const parts = [
    `node ${results.node}, ${results.cores} cores, ${results.cpu ?? 'unknown cpu'}, commit ${results.commit ?? 'unknown'}` +
      `${results.commitDirty ? ' (uncommitted changes)' : ''}, load ${results.loadAverage1m}, ${results.mode} run`,
    '',
    caseTable(results.cases),
  ];
  if (results.scanRatios.length > 0) parts.push('', ratioTable(results.scanRatios));
  if (results.xxl) parts.push('', xxlSummary(results.xxl));
  parts.push('', file === null ? 'results not written (pass --results-dir DIR)' : `results: ${file}`);
  return `${parts.join('\n')}\n`;
}

function parseRunArgs(argv: string[]): RunOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean' },
      only: { type: 'string' },
      sizes: { type: 'string' },
      'skip-xxl': { type: 'boolean' },
      'results-dir': { type: 'string' },
      'xxl-runs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return null;
  const words = (text: string | undefined): string[] | null => (text === undefined ? null : text.split(',').filter(Boolean));
  const xxlRuns = Number(values['xxl-runs'] ?? 2);
  if (!Number.isInteger(xxlRuns) || xxlRuns < 1 || xxlRuns > 10) throw new Error(`--xxl-runs ${values['xxl-runs']} is outside 1..10`);
  const smoke = values.smoke ?? false;
  return {
    smoke,
    only: words(values.only),
    sizes: words(values.sizes),
    skipXxl: values['skip-xxl'] ?? false,
    resultsDir: values['results-dir'] ?? (smoke ? null : join(repoRoot(), 'bench', 'results')),
    xxlRuns,
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

async function main(argv: string[]): Promise<number> {
  let options: RunOptions | null;
  try {
    options = parseRunArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(
      'usage: node dist/bench/run.js [--smoke] [--only op,...] [--sizes S,L,XL,XXL] [--skip-xxl] ' +
        `[--xxl-runs N] [--results-dir DIR]\noperations: ${[...operations.map((entry) => entry.name), xxlOperationName].join(', ')}\n`,
    );
    return 0;
  }
  const { results, file } = await runBenchmarks(options);
  process.stdout.write(printResults(results, file));
  return 0;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
