/**
 * engine — the table engine on this thread: load the Wasm once, then one synchronous call
 * per operation. Outputs are copies the caller owns.
 *
 * For big tables use WorkerEngine (same operations, run in a worker over shared memory),
 * so the event loop keeps answering heartbeats while a build runs.
 */
import { type EngineCore, type PreparedCall, prepareBuild, prepareDiff, prepareQuick, prepareScan, prepareStats } from './engine-calls.js';
import { type EngineExports, type EngineVariant, createEngineMemory, engineModule, instantiateEngine } from './wasm-module.js';
import type { BuildInput, BuildReport, MigrationPlan, QuickReport, ScanReport, ServerSpec, Table, TableStats } from './types.js';

/** EngineOptions — which build of the module to run. */
export interface EngineOptions {
  /** variant — `release` (default) or `debug` (asserts and self-checks, slower). */
  variant?: EngineVariant;
}

/** Engine — the table engine, synchronous, on the calling thread. */
export class Engine {
  private readonly core: EngineCore;
  private readonly exports: EngineExports;

  constructor(options: EngineOptions = {}) {
    const memory = createEngineMemory();
    this.exports = instantiateEngine(engineModule(options.variant ?? 'release'), memory);
    this.core = { memory, heapBase: this.exports.heapBase(), exports: this.exports };
  }

  /** build — a full build from `input.source` (or from nothing) to a balanced, spread table. */
  build(input: BuildInput): BuildReport {
    const started = performance.now();
    const report = this.run(prepareBuild(this.core, input));
    report.buildMs = performance.now() - started;
    return report;
  }

  /** quickTable — promote live copies where masters died and clear dead slots, moving no data. */
  quickTable(table: Table, servers: ServerSpec[], options: { allowLost?: boolean } = {}): QuickReport {
    return this.run(prepareQuick(this.core, table, servers, options.allowLost ?? false));
  }

  /** scan — count the slots that force a rebuild (empty or on servers not alive). */
  scan(table: Table, servers: ServerSpec[]): ScanReport {
    return this.run(prepareScan(this.core, table, servers));
  }

  /** diff — the migration plan from `current` to `target`. */
  diff(current: Table, target: Table, serverCount: number): MigrationPlan {
    return this.run(prepareDiff(this.core, current, target, serverCount));
  }

  /** stats — replicas and masters per server and spread violations of a table. */
  stats(table: Table, servers: ServerSpec[]): TableStats {
    return this.run(prepareStats(this.core, table, servers));
  }

  /** memoryBytes — the size the engine's memory has grown to. */
  memoryBytes(): number {
    return this.core.memory.buffer.byteLength;
  }

  private run<R>(call: PreparedCall<R>): R {
    const fn = this.exports[call.fn] as (...args: number[]) => number;
    return call.finish(fn(...call.args));
  }
}
