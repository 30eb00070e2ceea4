/**
 * yardstick — the Wasm engine beside the plain-JS placement (plain-placement.ts) in one run:
 * build, one-server leave and one-server join at L and XL (bench-sizes.ts), the first call of
 * each (cold: for the engine, the first call after `new Engine()` in this process) and the
 * median of the warm calls after it.
 *
 *   node dist/bench/yardstick.js                 L and XL, 15 warm runs each
 *   node dist/bench/yardstick.js --runs 5 --sizes XL
 *   --results-dir DIR                            where yardstick-<date>-<commit>.json goes
 *
 * Ratios within the run are what count (the machine is shared: the load is recorded).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine, type ServerSpec, type Table } from '../src/engine/index.js';
import { runEnvironment } from './bench-results.js';
import { type BenchSize, benchServers, benchSizes, downPosition, withDown, withJoined } from './bench-sizes.js';
import { type PlainServer, plainBuild, plainJoin, plainLeave } from './plain-placement.js';
import { repoRoot } from './repo-root.js';

/** YardstickFigure — one operation at one size, both placements. */
export interface YardstickFigure {
  size: string;
  operation: 'build' | 'leave' | 'join';
  engineColdMs: number;
  engineWarmMs: number;
  plainColdMs: number;
  plainWarmMs: number;
  /** plainOverEngine — plain-JS warm median / engine warm median. */
  plainOverEngine: number;
}

function plainServers(servers: ServerSpec[]): PlainServer[] {
  const racks = new Map<string, number>();
  return servers.map((server) => {
    if (!racks.has(server.rack)) racks.set(server.rack, racks.size);
    return { rack: racks.get(server.rack) ?? 0, weight: server.weight, alive: server.alive };
  });
}

function timed(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

// The first call and the median of `runs` more, for one placement.
function coldAndWarm(runs: number, work: () => unknown): { coldMs: number; warmMs: number } {
  const coldMs = timed(work);
  const warm = Array.from({ length: runs }, () => timed(work));
  return { coldMs: round(coldMs), warmMs: round(median(warm)) };
}

/** measureSize — build, leave and join of one size, engine then plain JS. */
export function measureSize(size: BenchSize, runs: number): YardstickFigure[] {
  const engine = new Engine();
  const servers = benchServers(size);
  const { bucketCount, copyCount } = size;
  const left = withDown(servers, downPosition(size));
  const joined = withJoined(servers, size);
  let base: Table | null = null;
  const engineOps = {
    build: () => {
      base = engine.build({ bucketCount, copyCount, servers }).table;
    },
    leave: () => engine.build({ bucketCount, copyCount, servers: left, source: base ?? undefined }),
    join: () => engine.build({ bucketCount, copyCount, servers: joined, source: base ?? undefined }),
  };
  const plain = plainServers(servers);
  let plainBase: Uint16Array = new Uint16Array(0);
  const plainOps = {
    build: () => {
      plainBase = plainBuild(bucketCount, copyCount, plain);
    },
    leave: () => plainLeave(bucketCount, copyCount, plainServers(left), plainBase),
    join: () => plainJoin(bucketCount, copyCount, plainServers(joined), plainBase),
  };
  const figures: YardstickFigure[] = [];
  for (const operation of ['build', 'leave', 'join'] as const) {
    const ours = coldAndWarm(runs, engineOps[operation]);
    const theirs = coldAndWarm(runs, plainOps[operation]);
    figures.push({
      size: size.name,
      operation,
      engineColdMs: ours.coldMs,
      engineWarmMs: ours.warmMs,
      plainColdMs: theirs.coldMs,
      plainWarmMs: theirs.warmMs,
      plainOverEngine: Math.round((theirs.warmMs / ours.warmMs) * 100) / 100,
    });
  }
  return figures;
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, sizes: { type: 'string' }, 'results-dir': { type: 'string' } } });
  const runs = Number(values.runs ?? 15);
  const names = values.sizes ? values.sizes.split(',') : ['L', 'XL'];
  const environment = runEnvironment(repoRoot());
  const figures = benchSizes.filter((size) => names.includes(size.name)).flatMap((size) => measureSize(size, runs));
  const results = { ...environment, command: `node dist/bench/yardstick.js ${process.argv.slice(2).join(' ')}`.trim(), runs, figures };
  const resultsDir = values['results-dir'] ?? join(repoRoot(), 'bench', 'results');
  const name = `yardstick-${environment.date.slice(0, 10)}-${environment.commit ?? 'unknown'}.json`;
  writeFileSync(join(resultsDir, name), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'yardstick-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`node ${environment.node}, commit ${environment.commit}, load ${environment.loadAverage1m}, ${runs} warm runs\n`);
  process.stdout.write('size  operation  engine cold / warm ms   plain-JS cold / warm ms   plain/engine\n');
  for (const figure of figures) {
    process.stdout.write(
      `${figure.size.padEnd(5)} ${figure.operation.padEnd(9)}  ${figure.engineColdMs.toFixed(2).padStart(8)} / ${figure.engineWarmMs.toFixed(2).padEnd(8)}` +
        `      ${figure.plainColdMs.toFixed(2).padStart(8)} / ${figure.plainWarmMs.toFixed(2).padEnd(8)}     ${figure.plainOverEngine}×\n`,
    );
  }
  process.stdout.write(`results: ${join(resultsDir, name)}\n`);
}

if (process.argv[1]?.endsWith('yardstick.js')) main();
