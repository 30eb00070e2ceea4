/**
 * pair-state-file — `data_dir/pair.state`: the epoch this server has acted under, written before
 * it acts (raft's "persist the term first"), crash-safe like the table files:
 *
 *   writeFileDurably: temp file ─write─▶ fsync ─rename─▶ pair.state ─▶ fsync(data_dir)
 *
 * Content: one line of JSON, `{"epoch":"12"}` (a string: epochs are u64). A missing file is
 * epoch 0; an unreadable or malformed one is a StorageError (guessing could let an old epoch act).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../common/durable-file.js';
import { StorageError } from '../errors.js';

const fileName = 'pair.state';
const u64Max = (1n << 64n) - 1n;

/** pairStatePath — where the epoch lives. */
export function pairStatePath(dataDir: string): string {
  return join(dataDir, fileName);
}

/** loadPairEpoch — the saved epoch, 0 when there is no file. */
export async function loadPairEpoch(dataDir: string): Promise<bigint> {
  const path = pairStatePath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0n;
    throw new StorageError(path, `cannot read: ${(error as Error).message}`);
  }
  let epoch: unknown;
  try {
    epoch = (JSON.parse(text) as { epoch?: unknown }).epoch;
  } catch {
    epoch = undefined;
  }
  if (typeof epoch !== 'string' || !/^\d{1,20}$/.test(epoch) || BigInt(epoch) > u64Max) {
    throw new StorageError(path, 'not a pair state file (expected {"epoch":"<u64>"}); move it aside to start from the tables\' epochs');
  }
  return BigInt(epoch);
}

/** savePairEpoch — write the epoch durably. */
export async function savePairEpoch(dataDir: string, epoch: bigint): Promise<void> {
  await writeFileDurably(pairStatePath(dataDir), `${JSON.stringify({ epoch: epoch.toString() })}\n`, { what: 'cannot save the epoch' });
}
