/**
 * migrator — copies the buckets this server masters to their destination copies
 * and reports each through the agent (migrate-finish).
 *
 *   new epoch (replanned table) → forget running copies → wait startDelayMs → run the plan's
 *   migrations, `concurrency` buckets at a time. For one bucket with targets T:
 *
 *     in one synchronous step: snapshot the keys, start replicating writes to T, send
 *       `migrate begin` (T clears the bucket)
 *     then batches of current values (≤ migrateBatchBytesMax each), then `migrate end`
 *     every target confirmed → agent.reportMigrated(bucket, serverVersion)
 *
 *   A bucket with no targets (master hand-over) is reported at once. A failed copy, or one whose
 *   target missed a replicated write meanwhile, is retried after retryDelayMs while the epoch
 *   lasts. Everything goes over the ordered peer links, so a write replicated after a batch
 *   overrides the batch's older value on the target.
 */
import { migrateBatchBytesMax } from '../limits.js';
import { DataCode, DataPcode, type DataReply, type KeyValueBytes } from '../client/data-protocol.js';
import type { MigrationTask } from '../agent/bucket-plan.js';
import { keyBytes, type BucketStore } from './bucket-store.js';
import type { ServingState } from './serving-state.js';

/** MigratorOptions — timing and the callbacks to the agent and the log. */
export interface MigratorOptions {
  state: ServingState;
  store: BucketStore;
  startDelayMs: number;
  retryDelayMs: number;
  concurrency: number;
  /** isWanted — whether a task of the plan of `serverVersion` is still wanted (not done meanwhile). */
  isWanted(serverVersion: number, bucketIndex: number): boolean;
  /** report — the bucket is on its targets; false when the epoch is over. */
  report(bucketIndex: number, serverVersion: number): boolean;
  onCopied(bucketIndex: number, entryCount: number, targets: bigint[]): void;
  onProblem(message: string): void;
}

/** Migrator — runs the migrations of the current epoch. */
export class Migrator {
  private readonly options: MigratorOptions;
  private epoch = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: MigratorOptions) {
    this.options = options;
  }

  /** startEpoch — a new plan: drop whatever ran before and start `tasks` after the start delay. */
  startEpoch(serverVersion: number, tasks: readonly MigrationTask[]): void {
    const epoch = this.cancel();
    if (tasks.length === 0) return;
    const queue = [...tasks];
    this.later(this.options.startDelayMs, () => {
      for (let worker = 0; worker < this.options.concurrency; worker++) void this.work(epoch, serverVersion, queue);
    });
  }

  /** cancel — stop every migration (solitary, shutdown, new epoch); returns the new epoch number. */
  cancel(): number {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return ++this.epoch;
  }

  private async work(epoch: number, serverVersion: number, queue: MigrationTask[]): Promise<void> {
    while (epoch === this.epoch) {
      const task = queue.shift();
      if (!task) return;
      if (!this.options.isWanted(serverVersion, task.bucketIndex)) continue;
      try {
        await this.copy(epoch, serverVersion, task);
        if (epoch !== this.epoch) return;
        this.options.report(task.bucketIndex, serverVersion);
      } catch (error) {
        if (epoch !== this.epoch) return;
        this.options.onProblem(`migration of bucket ${task.bucketIndex}: ${(error as Error).message}; retrying`);
        this.later(this.options.retryDelayMs, () => {
          queue.push(task);
          void this.work(epoch, serverVersion, queue);
        });
      }
    }
  }

  private async copy(epoch: number, serverVersion: number, task: MigrationTask): Promise<void> {
    const { state, store } = this.options;
    if (task.targets.length === 0) return;
    const { bucketIndex, targets } = task;
    const links = targets.map((serverId) => state.peer(serverId));
    const keys = store.keysOf(bucketIndex);
    state.migrationTargets.set(bucketIndex, targets);
    state.dirtyMigrations.delete(bucketIndex);
    const pending: Promise<DataReply>[] = links.map((link) => link.request({ pcode: DataPcode.migrateBegin, bucketIndex, serverVersion }));
    let entryCount = 0;
    let keyIndex = 0;
    while (keyIndex < keys.length) {
      const entries: KeyValueBytes[] = [];
      let batchBytes = 0;
      for (; keyIndex < keys.length && batchBytes < migrateBatchBytesMax / 2; keyIndex++) {
        const value = store.valueOfKeyString(bucketIndex, keys[keyIndex]);
        if (value === undefined) continue;
        const key = keyBytes(keys[keyIndex]);
        entries.push({ key, value });
        batchBytes += key.length + value.length + 8;
      }
      entryCount += entries.length;
      for (const link of links) pending.push(link.request({ pcode: DataPcode.migrateBatch, bucketIndex, entries }));
      await confirmAll(pending.splice(0));
      if (epoch !== this.epoch) return;
    }
    for (const link of links) pending.push(link.request({ pcode: DataPcode.migrateEnd, bucketIndex, entryCount }));
    await confirmAll(pending);
    if (state.dirtyMigrations.has(bucketIndex)) throw new Error('a target missed a replicated write during the copy');
    this.options.onCopied(bucketIndex, entryCount, targets);
  }

  private later(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, delayMs);
    this.timers.add(timer);
  }
}

async function confirmAll(pending: Promise<DataReply>[]): Promise<void> {
  const replies = await Promise.all(pending);
  const refused = replies.find((reply) => reply.code !== DataCode.ok);
  if (refused) throw new Error(`a target answered code ${refused.code}`);
}
