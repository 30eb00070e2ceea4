/**
 * worker-engine — the table engine in a worker thread over shared memory.
 *
 * The main thread lays out and writes the inputs (cheap copies), the worker runs the
 * engine call on the same memory, the main thread reads the outputs: the event loop is
 * free for the whole of the engine's work. Calls are queued, one at a time.
 *
 * The worker gets the module this thread compiled (no second compile). While a build runs,
 * progress() reads the step count the engine publishes in shared memory. A worker that
 * exits or fails (or is closed) fails every pending call at once, and every later one:
 * whoever owns it makes a new WorkerEngine.
 */
import { Worker } from 'node:worker_threads';
import { workerScriptUrl } from '../common/worker-script.js';
import { type EngineCore, type PreparedCall, prepareBuild, prepareDiff, prepareQuick, prepareScan, prepareStats } from './engine-calls.js';
import { createEngineMemory, engineModule, instantiateEngine, type EngineVariant } from './wasm-module.js';
import type { BuildInput, BuildReport, MigrationPlan, QuickReport, ScanReport, ServerSpec, Table, TableStats } from './types.js';

interface Reply {
  id: number;
  returned?: number;
  /** output — the requested region, copied by the worker and transferred (no copy here). */
  output?: ArrayBuffer;
  error?: string;
}

interface WorkerResult {
  returned: number;
  output?: Uint16Array;
}

/** WorkerEngine — the Engine's operations, asynchronous, computed off the event loop. */
export class WorkerEngine {
  private readonly core: EngineCore;
  private readonly worker: Worker;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: WorkerResult): void; reject(error: Error): void }>();

  private stopped: Error | null = null;
  private running: { stepsAt: number; slots: number } | null = null;

  constructor(options: { variant?: EngineVariant } = {}) {
    const variant = options.variant ?? 'release';
    const memory = createEngineMemory();
    const module = engineModule(variant);
    // Sizing exports are pure: a local instance answers them without a round trip.
    const local = instantiateEngine(module, memory);
    this.core = { memory, heapBase: local.heapBase(), exports: local };
    this.worker = new Worker(workerScriptUrl(import.meta.url, 'engine-worker.js', 'dist/src/engine/engine-worker.js'), {
      workerData: { memory, variant, module },
    });
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => this.stop(new Error(`engine worker failed: ${error.message}`)));
    this.worker.on('exit', (code) => this.stop(new Error(`engine worker exited (code ${code})`)));
    this.worker.unref();
  }

  /** alive — false once the worker has exited, failed or been closed (every call then fails). */
  get alive(): boolean {
    return this.stopped === null;
  }

  /**
   * progress — the running build's steps so far and its slots (B·C), read from the step
   * count the engine publishes in shared memory; null when no build is running.
   */
  progress(): { steps: number; slots: number } | null {
    if (!this.running) return null;
    const words = new Int32Array(this.core.memory.buffer, this.running.stepsAt, 2);
    const steps = (Atomics.load(words, 0) >>> 0) + (Atomics.load(words, 1) >>> 0) * 2 ** 32;
    return { steps, slots: this.running.slots };
  }

  /** build — as Engine.build, off the event loop. */
  async build(input: BuildInput): Promise<BuildReport> {
    const started = performance.now();
    const report = await this.run(() => prepareBuild(this.core, input));
    report.buildMs = performance.now() - started;
    return report;
  }

  /** quickTable — as Engine.quickTable. */
  quickTable(table: Table, servers: ServerSpec[], options: { allowLost?: boolean } = {}): Promise<QuickReport> {
    return this.run(() => prepareQuick(this.core, table, servers, options.allowLost ?? false));
  }

  /** scan — as Engine.scan. */
  scan(table: Table, servers: ServerSpec[]): Promise<ScanReport> {
    return this.run(() => prepareScan(this.core, table, servers));
  }

  /** diff — as Engine.diff. */
  diff(current: Table, target: Table, serverCount: number): Promise<MigrationPlan> {
    return this.run(() => prepareDiff(this.core, current, target, serverCount));
  }

  /** stats — as Engine.stats. */
  stats(table: Table, servers: ServerSpec[]): Promise<TableStats> {
    return this.run(() => prepareStats(this.core, table, servers));
  }

  /** close — stop the worker (also mid-call); pending and later calls fail. */
  async close(): Promise<void> {
    this.stop(new Error('engine worker closed'));
    await this.worker.terminate();
  }

  // Calls share one memory layout, so they run strictly one after another.
  private run<R>(prepare: () => PreparedCall<R>): Promise<R> {
    const result = this.queue.then(async () => {
      if (this.stopped) throw this.stopped;
      const call = prepare();
      this.running = call.progress ? { stepsAt: call.progress.stepsAt, slots: call.progress.slots } : null;
      try {
        const { returned, output } = await this.call(call.fn, call.args, call.output);
        return call.finish(returned, output);
      } finally {
        this.running = null;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private call(fn: string, args: number[], output?: { at: number; count: number }): Promise<WorkerResult> {
    const id = this.nextId++;
    return new Promise<WorkerResult>((resolve, reject) => {
      if (this.stopped) {
        reject(this.stopped);
        return;
      }
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, fn, args, output });
    });
  }

  private stop(reason: Error): void {
    this.stopped ??= reason;
    this.failAll(this.stopped);
    this.worker.unref();
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.error !== undefined) waiter.reject(new Error(reply.error));
    else waiter.resolve({ returned: reply.returned ?? 0, output: reply.output ? new Uint16Array(reply.output) : undefined });
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
