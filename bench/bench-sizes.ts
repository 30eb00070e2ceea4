/**
 * bench-sizes — the table sizes the issue benchmarks, their tiny smoke versions, and the
 * synthetic servers and base tables every operation starts from.
 *
 *   size  buckets × copies   servers / racks
 *   S         1,023 × 3            8 / 2
 *   L        65,536 × 3        1,000 / 10
 *   XL    1,048,576 × 3        1,000 / 10
 *   XXL  16,777,216 × 3       10,000 / 20     (build only, in a WorkerEngine: xxl-worker.ts)
 *
 * Server i is `ds-<i>` in rack `rack-<i mod R>`, as in `tair-cs table build`.
 */
import type { Engine, ServerSpec, Table } from '../src/engine/index.js';

/** BenchSize — one table shape. */
export interface BenchSize {
  name: string;
  bucketCount: number;
  copyCount: number;
  serverCount: number;
  rackCount: number;
}

/** benchSizes — S, L and XL at full size (XXL is separate). */
export const benchSizes: readonly BenchSize[] = [
  { name: 'S', bucketCount: 1_023, copyCount: 3, serverCount: 8, rackCount: 2 },
  { name: 'L', bucketCount: 65_536, copyCount: 3, serverCount: 1_000, rackCount: 10 },
  { name: 'XL', bucketCount: 1_048_576, copyCount: 3, serverCount: 1_000, rackCount: 10 },
];

/** xxlSize — the worker build's size. */
export const xxlSize: BenchSize = { name: 'XXL', bucketCount: 16_777_216, copyCount: 3, serverCount: 10_000, rackCount: 20 };

/** smokeSizes — the same names at sizes that run in milliseconds (shape only, never timed seriously). */
export const smokeSizes: readonly BenchSize[] = [
  { name: 'S', bucketCount: 61, copyCount: 3, serverCount: 8, rackCount: 2 },
  { name: 'L', bucketCount: 257, copyCount: 3, serverCount: 20, rackCount: 4 },
  { name: 'XL', bucketCount: 1_024, copyCount: 3, serverCount: 40, rackCount: 10 },
];

/** smokeXxlSize — the worker build at smoke size. */
export const smokeXxlSize: BenchSize = { name: 'XXL', bucketCount: 4_096, copyCount: 3, serverCount: 100, rackCount: 20 };

/** benchServers — the size's live servers, ids sorting in position order. */
export function benchServers(size: BenchSize): ServerSpec[] {
  return Array.from({ length: size.serverCount }, (_, position) => ({
    id: `ds-${String(position).padStart(6, '0')}`,
    rack: `rack-${position % size.rackCount}`,
    weight: 1,
    alive: true,
  }));
}

/** withDown — the servers with the one at `position` dead. */
export function withDown(servers: ServerSpec[], position: number): ServerSpec[] {
  return servers.map((server, index) => (index === position ? { ...server, alive: false } : server));
}

/** withJoined — the servers plus one new live server at the end (rack continuing i mod R). */
export function withJoined(servers: ServerSpec[], size: BenchSize): ServerSpec[] {
  const position = servers.length;
  return [...servers, { id: `ds-${String(position).padStart(6, '0')}`, rack: `rack-${position % size.rackCount}`, weight: 1, alive: true }];
}

/** downPosition — the server that leaves in the leave, quick-table, scan and diff cases. */
export function downPosition(size: BenchSize): number {
  return Math.floor(size.serverCount / 3);
}

const baseTables = new WeakMap<Engine, Map<string, Table>>();

/** baseTable — a full build from empty of `size` (built once per engine and size, outside any timing). */
export function baseTable(engine: Engine, size: BenchSize): Table {
  let tables = baseTables.get(engine);
  if (!tables) {
    tables = new Map();
    baseTables.set(engine, tables);
  }
  const key = `${size.bucketCount}x${size.copyCount}/${size.serverCount}/${size.rackCount}`;
  let table = tables.get(key);
  if (!table) {
    const report = engine.build({ ...size, servers: benchServers(size) });
    if (!report.ok) throw new Error(`bench setup: build of ${size.name} failed (${report.outcome})`);
    table = report.table;
    tables.set(key, table);
  }
  return table;
}
