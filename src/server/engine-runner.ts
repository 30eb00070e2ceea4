/**
 * engine-runner — runs the cluster's jobs on the table engine and turns the outcome into the
 * event the cluster expects (`quickDone`, `buildDone`, `jobFailed`).
 *
 *   B·C ≤ workerSlotThreshold   Engine on this thread (a small table builds in well under 1 ms)
 *   B·C above it                WorkerEngine: the build runs off the event loop, so heartbeats
 *                               keep being answered while it runs
 *
 * Dry runs (`admin plan`) use the same two engines through `exclusive`: one at a time, at most
 * planQueueCountMax waiting, the next one answered "busy" (a plan of a big table costs what a
 * build does; a new engine per request could cost a GiB each).
 */
import type { BuildJob, ClusterEvent, ClusterJob, QuickJob } from '../cluster/index.js';
import { Engine, WorkerEngine } from '../engine/index.js';
import { planQueueCountMax } from '../limits.js';
import type { BuildReport, QuickReport } from '../engine/index.js';

/** workerSlotThreshold — above this many slots, jobs go to the worker engine. */
export const workerSlotThreshold = 200_000;

type JobEvent = Extract<ClusterEvent, { type: 'quickDone' | 'buildDone' | 'jobFailed' }>;

/** EngineRunner — one local engine and, when first needed, one worker engine. */
export class EngineRunner {
  private local: Engine | null = null;
  private worker: WorkerEngine | null = null;
  private exclusiveChain: Promise<unknown> = Promise.resolve();
  private exclusiveCount = 0;

  constructor(private readonly now: () => number) {}

  /** run — the job's outcome as a cluster event; never rejects. */
  async run(job: ClusterJob): Promise<JobEvent> {
    try {
      return job.kind === 'quick' ? await this.runQuick(job) : await this.runBuild(job);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { type: 'jobFailed', nowMs: this.now(), jobId: job.jobId, message };
    }
  }

  /**
   * exclusive — run `work` on the engine for `slotCount` slots (the worker above
   * workerSlotThreshold), after every exclusive work before it; 'busy' when planQueueCountMax
   * are already running or waiting.
   */
  exclusive<T>(slotCount: number, work: (engine: Engine | WorkerEngine) => Promise<T>): Promise<T | 'busy'> {
    if (this.exclusiveCount >= planQueueCountMax) return Promise.resolve('busy');
    this.exclusiveCount += 1;
    const run = this.exclusiveChain.then(() => work(slotCount > workerSlotThreshold ? this.workerEngine() : this.localEngine()));
    this.exclusiveChain = run.catch(() => undefined).finally(() => {
      this.exclusiveCount -= 1;
    });
    return run;
  }

  /** close — stop the worker, if one was started. */
  async close(): Promise<void> {
    await this.worker?.close();
    this.worker = null;
  }

  private async runQuick(job: QuickJob): Promise<JobEvent> {
    const options = { allowLost: job.allowLost };
    const slotCount = job.table.bucketCount * job.table.copyCount;
    const result: QuickReport = slotCount > workerSlotThreshold
      ? await this.workerEngine().quickTable(job.table, job.servers, options)
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
    const result: BuildReport = job.bucketCount * job.copyCount > workerSlotThreshold
      ? await this.workerEngine().build(input)
      : this.localEngine().build(input);
    return { type: 'buildDone', nowMs: this.now(), jobId: job.jobId, result };
  }

  private localEngine(): Engine {
    this.local ??= new Engine();
    return this.local;
  }

  private workerEngine(): WorkerEngine {
    this.worker ??= new WorkerEngine();
    return this.worker;
  }
}
