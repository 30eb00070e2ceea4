/**
 * engine-runner — runs the cluster's jobs on the table engine and turns the outcome into the
 * event the cluster expects (`quickDone`, `buildDone`, `jobFailed`).
 *
 *   estimated work ≤ localWorkMsMax    Engine on this thread (done before the event loop notices)
 *   above it                           WorkerEngine: the job runs off the event loop, so
 *                                      heartbeats keep being answered while it runs
 *
 * The estimate is the job's slots (B·C) times engineNsPerSlot, the engine's cost per slot
 * on the slowest shapes measured (bench/README.md), so the threshold is workerSlotThreshold
 * slots (800: in practice every real group's jobs run in the worker). Nothing a worker runs may block the cluster:
 *   - a worker that exits or fails fails its job at once (`jobFailed`: the group keeps its
 *     last good table, logs and alarms why, and retries later) and is replaced by a new one
 *     for the next job;
 *   - a job that has not returned by its deadline (jobDeadlineMs, by default deadlineFixedMs
 *     plus deadlineNsPerSlot per slot: far beyond any healthy build) fails the same way, and
 *     its worker is stopped.
 *
 * Dry runs (`admin plan`) use the same two engines through `exclusive`: one at a time, at most
 * planQueueCountMax waiting, the next one answered "busy" (a plan of a big table costs what a
 * build does; a new engine per request could cost a GiB each).
 */
import type { BuildJob, ClusterEvent, ClusterJob, QuickJob } from '../cluster/index.js';
import { Engine, WorkerEngine } from '../engine/index.js';
import { planQueueCountMax } from '../limits.js';
import type { BuildReport, QuickReport } from '../engine/index.js';

/** localWorkMsMax — the most engine work (estimated) a job may do on the event loop. */
export const localWorkMsMax = 2;
/**
 * engineNsPerSlot — the engine's cost per slot on the slowest shapes measured, cold (the grid
 * bench, bench/README.md: 65,536 × 4 on three racks of 21, one server joining, about 2.4 µs per
 * slot on the loaded 2-core machine; most shapes cost 20–150 ns). Small tables with many
 * servers cost the most per slot, so the estimate takes the worst: every job but a tiny one
 * goes to the worker.
 */
export const engineNsPerSlot = 2_500;
/** workerSlotThreshold — above this many slots a job's estimated work exceeds localWorkMsMax: it goes to the worker. */
export const workerSlotThreshold = Math.floor((localWorkMsMax * 1e6) / engineNsPerSlot);
/** deadlineFixedMs — the default job deadline's fixed part. */
export const deadlineFixedMs = 10_000;
/** deadlineNsPerSlot — the default job deadline's part per slot (4× the slowest measured cost per slot). */
export const deadlineNsPerSlot = 4 * engineNsPerSlot;

/** defaultJobDeadlineMs — the deadline of a job over `slotCount` slots unless configured. */
export function defaultJobDeadlineMs(slotCount: number): number {
  return deadlineFixedMs + Math.ceil((slotCount * deadlineNsPerSlot) / 1e6);
}

/** EngineRunnerOptions — the runner's knobs. */
export interface EngineRunnerOptions {
  /** jobDeadlineMs — a fixed deadline for every worker job (default: defaultJobDeadlineMs by size). */
  jobDeadlineMs?: number;
}

type JobEvent = Extract<ClusterEvent, { type: 'quickDone' | 'buildDone' | 'jobFailed' }>;

/** EngineRunner — one local engine and, when needed, one worker engine (replaced when it dies). */
export class EngineRunner {
  private local: Engine | null = null;
  private worker: WorkerEngine | null = null;
  private exclusiveChain: Promise<unknown> = Promise.resolve();
  private exclusiveCount = 0;

  constructor(
    private readonly now: () => number,
    private readonly options: EngineRunnerOptions = {},
  ) {}

  /** run — the job's outcome as a cluster event; never rejects. */
  async run(job: ClusterJob): Promise<JobEvent> {
    try {
      return job.kind === 'quick' ? await this.runQuick(job) : await this.runBuild(job);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { type: 'jobFailed', nowMs: this.now(), jobId: job.jobId, message };
    }
  }

  /** stopWorker — stop the worker (and fail its running job); the next job gets a new one. */
  async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.close();
  }

  /** workerProgress — the running worker build's steps and slots, or null. */
  workerProgress(): { steps: number; slots: number } | null {
    return this.worker?.progress() ?? null;
  }

  /**
   * exclusive — run `work` on the engine for `slotCount` slots (the worker above
   * workerSlotThreshold, under the same deadline as a job), after every exclusive work before
   * it; 'busy' when planQueueCountMax are already running or waiting.
   */
  exclusive<T>(slotCount: number, work: (engine: Engine | WorkerEngine) => Promise<T>): Promise<T | 'busy'> {
    if (this.exclusiveCount >= planQueueCountMax) return Promise.resolve('busy');
    this.exclusiveCount += 1;
    const run = this.exclusiveChain.then(() => (slotCount > workerSlotThreshold ? this.inWorker(slotCount, work) : work(this.localEngine())));
    this.exclusiveChain = run
      .catch(() => undefined)
      .finally(() => {
        this.exclusiveCount -= 1;
      });
    return run;
  }

  /** close — stop the worker, if one was started. */
  async close(): Promise<void> {
    await this.stopWorker();
  }

  private async runQuick(job: QuickJob): Promise<JobEvent> {
    const options = { allowLost: job.allowLost };
    const slotCount = job.table.bucketCount * job.table.copyCount;
    const result: QuickReport =
      slotCount > workerSlotThreshold
        ? await this.inWorker(slotCount, (worker) => worker.quickTable(job.table, job.servers, options))
        : this.localEngine().quickTable(job.table, job.servers, options);
    return { type: 'quickDone', nowMs: this.now(), jobId: job.jobId, result };
  }

  private async runBuild(job: BuildJob): Promise<JobEvent> {
    const input = {
      bucketCount: job.bucketCount,
      copyCount: job.copyCount,
      servers: job.servers,
      source: job.source ?? undefined,
      strategy: job.strategy,
      diffRatio: job.diffRatio,
      seed: job.seed,
    };
    const slotCount = job.bucketCount * job.copyCount;
    const result: BuildReport =
      slotCount > workerSlotThreshold ? await this.inWorker(slotCount, (worker) => worker.build(input)) : this.localEngine().build(input);
    return { type: 'buildDone', nowMs: this.now(), jobId: job.jobId, result };
  }

  // The call on the worker, failed when the worker dies or the deadline passes first.
  private async inWorker<R>(slotCount: number, call: (worker: WorkerEngine) => Promise<R>): Promise<R> {
    const worker = this.workerEngine();
    const deadlineMs = this.options.jobDeadlineMs ?? defaultJobDeadlineMs(slotCount);
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`engine job over ${slotCount} slots did not return within its deadline of ${deadlineMs} ms`));
        if (this.worker === worker) void this.stopWorker();
      }, deadlineMs);
      timer.unref();
    });
    try {
      return await Promise.race([call(worker), overdue]);
    } finally {
      clearTimeout(timer);
      // A worker that died under this job is not reused.
      if (!worker.alive && this.worker === worker) this.worker = null;
    }
  }

  private localEngine(): Engine {
    this.local ??= new Engine();
    return this.local;
  }

  private workerEngine(): WorkerEngine {
    if (this.worker && !this.worker.alive) this.worker = null;
    this.worker ??= new WorkerEngine();
    return this.worker;
  }
}
