/**
 * table-passes — counts the O(B·C) passes of quorum mode (checksum, diff, snapshot, applying
 * records, loading a copy) that ran on the event loop's thread. They belong in the codec worker
 * (quorum-codec.ts); the count lets a test prove it, with no clock involved: a pass that moved
 * back onto the event loop shows up here, whatever the machine's load.
 *
 * The count is per thread (each worker has its own, never read): only the main thread's matters.
 */
import { isMainThread } from 'node:worker_threads';

/** TablePass — the kinds of pass over a whole table. */
export type TablePass = 'checksum' | 'diff' | 'snapshot-encode' | 'snapshot-decode' | 'records-apply' | 'copy-load';

const counts = new Map<TablePass, number>();

/** countTablePass — note one pass; free on a worker thread. */
export function countTablePass(pass: TablePass): void {
  if (isMainThread) counts.set(pass, (counts.get(pass) ?? 0) + 1);
}

/** tablePassesOnEventLoop — the passes the main thread ran so far, by kind (empty when the codec worker ran them all). */
export function tablePassesOnEventLoop(): Partial<Record<TablePass, number>> {
  return Object.fromEntries(counts);
}
