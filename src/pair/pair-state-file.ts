/**
 * pair-state-file — `data_dir/pair.state`: the epoch this server has acted under, written before
 * it acts (raft's "persist the term first"), crash-safe like the table files:
 *
 *   writeFileDurably: temp file ─write─▶ fsync ─rename─▶ pair.state ─▶ fsync(data_dir)
 *
 * Content: one line of JSON, `{"epoch":"12"}` (a string: epochs are u64). A missing file is
 * epoch 0; an unreadable or malformed one, or one over epochMax, is a StorageError (guessing
 * could let an old epoch act; a huge one could not be moved past).
 *
 * Saves of one file run one at a time, in order, and never write an epoch below one already
 * written: two saves racing can never leave the older epoch on disk.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../common/durable-file.js';
import { StorageError } from '../errors.js';
import { epochMax } from '../limits.js';

const fileName = 'pair.state';

/** pairStatePath — where the epoch lives. */
export function pairStatePath(dataDir: string): string {
  return join(dataDir, fileName);
}

/** PairStateFile — the epoch file of one data_dir. */
export class PairStateFile {
  readonly path: string;
  private chain: Promise<unknown> = Promise.resolve();
  private savedEpoch: bigint | null = null;

  constructor(dataDir: string) {
    this.path = pairStatePath(dataDir);
  }

  /** load — the saved epoch, 0 when there is no file. */
  async load(): Promise<bigint> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0n;
      throw new StorageError(this.path, `cannot read: ${(error as Error).message}`, { cause: error });
    }
    let epoch: unknown;
    try {
      epoch = (JSON.parse(text) as { epoch?: unknown }).epoch;
    } catch {
      epoch = undefined;
    }
    if (typeof epoch !== 'string' || !/^\d{1,20}$/.test(epoch)) {
      throw new StorageError(this.path, 'not a pair state file (expected {"epoch":"<u64>"}); move it aside to start from the tables\' epochs');
    }
    if (BigInt(epoch) > epochMax) {
      throw new StorageError(
        this.path,
        `epoch ${epoch} is over the limit ${epochMax} (a forged or corrupt epoch); move the file aside to start from the tables' epochs`,
      );
    }
    this.savedEpoch = BigInt(epoch);
    return this.savedEpoch;
  }

  /** save — write `epoch` durably, after any save before it; an epoch at or below one written already is not written again. */
  save(epoch: bigint): Promise<void> {
    if (epoch < 0n || epoch > epochMax) return Promise.reject(new StorageError(this.path, `epoch ${epoch} is over the limit ${epochMax}; not saved`));
    const run = this.chain.then(async () => {
      if (this.savedEpoch !== null && epoch <= this.savedEpoch) return;
      await writeFileDurably(this.path, `${JSON.stringify({ epoch: epoch.toString() })}\n`, { what: 'cannot save the epoch' });
      this.savedEpoch = epoch;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
