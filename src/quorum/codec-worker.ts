/**
 * codec-worker — the worker side of QuorumCodec (quorum-codec.ts): one request per message, run
 * by codec-ops.ts, answered in order. Bytes it answers with (a record, a snapshot) are handed
 * over; tables are in shared memory and cross without a copy.
 *
 * The thread runs at a lower priority than the event loop (Linux: setpriority on its thread id):
 * on a busy machine the scheduler shares CPU among a process's threads, and heartbeats must not
 * wait behind a table's checksum. Elsewhere it keeps the process's priority.
 */
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { CodecRequest } from './codec-ops.js';
import { runCodecOp } from './codec-ops.js';

lowerThreadPriority();

interface RequestMessage {
  id: number;
  request: CodecRequest;
}

parentPort?.on('message', ({ id, request }: RequestMessage) => {
  runCodecOp(request).then(
    (result) => {
      const bytes = (result as { bytes?: unknown } | null)?.bytes;
      const transfer = bytes instanceof Uint8Array && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
      parentPort?.postMessage({ id, result }, transfer);
    },
    (error: unknown) => {
      parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    },
  );
});

/** lowerThreadPriority — this thread only (its id from /proc/thread-self); quietly nothing where that does not exist. */
function lowerThreadPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // Not Linux, or no /proc: the worker keeps the process's priority.
  }
}
