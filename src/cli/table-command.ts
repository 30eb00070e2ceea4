/**
 * table-command — `tair-cs table build|rebuild|check|import`: the table engine offline.
 *
 *   build    synthetic servers → engine build from empty → measured JSON (+ --out file)
 *   rebuild  --in file → mark --down, append --add → engine build from the file's table
 *   check    --in file → measured JSON of the table as it is
 *   import   the original's table file (table-import-command.ts)
 *
 * Exit codes: 0 the table is valid, 1 it is not (`valid: false` — a broken table to check,
 * or a build the engine could not complete; the JSON is still printed), 2 bad arguments or
 * input (one stderr line). `--repeat N` builds N times and adds `repeat: { runs, minMs,
 * medianMs, maxMs }` (the first build of the process is the cold one). Long builds draw a
 * progress bar on stderr when it is a terminal (table-progress.ts).
 */
import type { BuildInput, BuildReport } from '../engine/index.js';
import { InputError } from '../errors.js';
import { type BuildArgs, type RebuildArgs, parseBuildArgs, parseCheckArgs, parseRebuildArgs } from './table-args.js';
import { readTableFile, writeTableFile } from './table-file.js';
import { type MeasuredTable, measureTable } from './table-measure.js';
import { ProgressBuilder } from './table-progress.js';
import { countMoves } from './table-moves.js';
import { type ReportContext, tableReport } from './table-report.js';
import { type TableServer, appendServers, syntheticServers } from './table-servers.js';

const usage = [
  'usage: tair-cs table <command> [options]',
  '',
  '  build   --buckets B --copies C --servers S [--racks R | --rack-sizes 5,3,...]',
  '          [--weights w0,w1,...] [--strategy balanced|rack|auto] [--seed N] [--out FILE] [--repeat N]',
  '  rebuild --in FILE [--down i,j,...] [--add N] [--strategy balanced|rack|auto] [--seed N] [--out FILE]',
  '          [--repeat N]',
  '  check   --in FILE',
  '  import  FILE --group NAME --data-dir DIR [--force]',
  '',
  'Synthetic server i is `ds-<i>` in rack `rack-<i mod R>` (or per --rack-sizes); --down and',
  "--add work on positions in the file's server list. Each command prints one JSON object and",
  'exits 1 when the table is not valid. --repeat N reports min/median/max of N builds.',
  '',
].join('\n');

/** run — the arguments after `tair-cs table`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(`tair-cs table: missing command (build, rebuild, check, import)\n`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (command === 'import') {
    const { runTableImport } = await import('./table-import-command.js');
    return runTableImport(argv);
  }
  const handler = handlers[command];
  if (!handler) {
    process.stderr.write(`tair-cs table: unknown command '${command}' (build, rebuild, check, import)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  try {
    return await handler(rest);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    process.stderr.write(`tair-cs table ${command}: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 2;
  }
}

const handlers: Record<string, (argv: string[]) => Promise<number>> = {
  build: (argv) => runBuild(parseBuildArgs(argv)),
  rebuild: async (argv) => runRebuild(parseRebuildArgs(argv)),
  check: async (argv) => {
    const args = parseCheckArgs(argv);
    const file = await readTableFile(args.in);
    return measureAndPrint(file, { command: 'check', extra: { in: args.in } }) ? 0 : 1;
  },
};

async function runBuild(args: BuildArgs): Promise<number> {
  const servers = syntheticServers(args.serverCount, args.rackRule, args.weights);
  const input = { bucketCount: args.bucketCount, copyCount: args.copyCount, servers, strategy: args.strategy, seed: args.seed };
  const { build, repeat } = await timedBuilds(input, args.repeat);
  const table = tableOf(build, servers);
  if (build.ok && args.out) await writeTableFile(args.out, table);
  const valid = measureAndPrint(table, {
    command: 'build',
    buildMs: build.buildMs,
    strategy: args.strategy,
    seed: args.seed,
    build,
    out: build.ok ? args.out : undefined,
    extra: repeat ? { repeat } : undefined,
  });
  return valid ? 0 : 1;
}

async function runRebuild(args: RebuildArgs): Promise<number> {
  const file = await readTableFile(args.in);
  const servers = markDown(args.add > 0 ? appendServers(file.servers, args.add) : file.servers, args.down);
  const alive = servers.filter((server) => server.alive).length;
  if (alive < file.copyCount) {
    throw new InputError(`only ${alive} servers stay alive, fewer than the ${file.copyCount} copies of each bucket`);
  }
  const source = { bucketCount: file.bucketCount, copyCount: file.copyCount, slots: file.slots };
  const { build, repeat } = await timedBuilds({ ...source, servers, source, strategy: args.strategy, seed: args.seed }, args.repeat);
  const table = tableOf(build, servers);
  if (build.ok && args.out) await writeTableFile(args.out, table);
  const valid = measureAndPrint(
    table,
    {
      command: 'rebuild',
      buildMs: build.buildMs,
      strategy: args.strategy,
      seed: args.seed,
      build,
      out: build.ok ? args.out : undefined,
      extra: {
        in: args.in,
        down: [...new Set(args.down)].sort((a, b) => a - b),
        added: args.add,
        ...(repeat ? { repeat } : {}),
      },
    },
    file.slots,
  );
  return valid ? 0 : 1;
}

/** RepeatFigures — min/median/max buildMs of `--repeat N` builds. */
interface RepeatFigures {
  runs: number;
  minMs: number;
  medianMs: number;
  maxMs: number;
}

// Build `runs` times on one engine (the same input gives the same table): the first build's
// report, and the spread of buildMs when there was more than one.
async function timedBuilds(input: BuildInput, runs: number): Promise<{ build: BuildReport; repeat: RepeatFigures | null }> {
  const builder = new ProgressBuilder();
  try {
    const build = await builder.build(input);
    if (runs <= 1) return { build, repeat: null };
    const times = [build.buildMs];
    for (let run = 1; run < runs; run++) times.push((await builder.build(input)).buildMs);
    times.sort((a, b) => a - b);
    const middle = times.length >> 1;
    const median = times.length % 2 === 1 ? times[middle] : (times[middle - 1] + times[middle]) / 2;
    return { build, repeat: { runs, minMs: round(times[0]), medianMs: round(median), maxMs: round(times[times.length - 1]) } };
  } finally {
    await builder.close();
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function markDown(servers: TableServer[], down: number[]): TableServer[] {
  const marked = servers.map((server) => ({ ...server }));
  for (const position of down) {
    if (position >= marked.length) {
      throw new InputError(`--down ${position} is not a server position (0..${marked.length - 1})`);
    }
    marked[position].alive = false;
  }
  return marked;
}

function tableOf(build: BuildReport, servers: TableServer[]): MeasuredTable {
  return { bucketCount: build.table.bucketCount, copyCount: build.table.copyCount, servers, slots: build.table.slots };
}

// Measure (and count moves from `source`, for a rebuild), then print the one JSON object;
// returns whether the table is valid. A check reports its time as checkMs (it builds nothing).
function measureAndPrint(table: MeasuredTable, context: ReportContext, source?: Uint16Array): boolean {
  const started = performance.now();
  const measured = measureTable(table);
  const moves = source ? countMoves(table.bucketCount, table.copyCount, source, table.slots, measured.replicaBands, measured.masterBands) : undefined;
  const measureMs = round(performance.now() - started);
  const timing = context.command === 'check' ? { checkMs: measureMs } : { measureMs };
  const report = tableReport(table, measured, { ...context, moves, extra: { ...context.extra, ...timing } });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.valid === true;
}
