/**
 * scan — the rebuild-detection scan of a table with one server dead, four ways in one run:
 *
 *   engine API   engine.scan: validate the table, copy it into Wasm memory, scan
 *   wasm call    the scanTable export alone, on a table already in Wasm memory
 *   plain TS     the same scan written in TypeScript (plain-scan.ts)
 *   memory read  reading the same bytes with a typed-array loop: the yardstick
 *
 * Target (issue 2): XL scan within 2× of the memory read (run.ts reports the ratios).
 */
import { prepareScan } from '../src/engine/engine-calls.js';
import { createEngineMemory, engineModule, instantiateEngine } from '../src/engine/wasm-module.js';
import type { ServerSpec, Table } from '../src/engine/index.js';
import { baseTable, benchServers, downPosition, withDown } from './bench-sizes.js';
import type { BenchOperation } from './bench-operation.js';
import type { BenchCase } from './bench-case.js';
import { plainScan, readTable } from './plain-scan.js';

/** scan — the four scan cases of a size. */
export const scan: BenchOperation = {
  name: 'scan',
  cases(size, engine) {
    const table = baseTable(engine, size);
    const servers = withDown(benchServers(size), downPosition(size));
    const alive = Uint8Array.from([0, ...servers.map((server) => (server.alive ? 1 : 0))]);
    const bytes = table.slots.byteLength;
    const wasmCall = wasmScanCall(table, servers);
    const expected = plainScan(table.slots, table.bucketCount, table.copyCount, alive).total;
    if (wasmCall() !== expected || engine.scan(table, servers).total !== expected) {
      throw new Error(`bench setup: scan of ${size.name} disagrees with the plain scan`);
    }
    const base = { operation: 'scan', size, bytes };
    const cases: BenchCase[] = [
      { ...base, variant: 'engine API', fn: () => engine.scan(table, servers) },
      { ...base, variant: 'wasm call', fn: wasmCall },
      { ...base, variant: 'plain TS', fn: () => plainScan(table.slots, table.bucketCount, table.copyCount, alive) },
      { ...base, variant: 'memory read', fn: () => readTable(table.slots) },
    ];
    return cases;
  },
};

// An instance of its own with the table laid out once, so only the export call is timed.
function wasmScanCall(table: Table, servers: ServerSpec[]): () => number {
  const memory = createEngineMemory();
  const exports = instantiateEngine(engineModule('release'), memory);
  const core = { memory, heapBase: exports.heapBase(), exports };
  const call = prepareScan(core, table, servers);
  const args = call.args as Parameters<typeof exports.scanTable>;
  return () => exports.scanTable(...args);
}
