/**
 * codec-worker — the worker side of QuorumCodec (quorum-codec.ts): one request per message, run
 * by codec-ops.ts, answered in order. Bytes it answers with (a record, a snapshot) are handed
 * over; tables are in shared memory and cross without a copy.
 */
import { parentPort } from 'node:worker_threads';
import type { CodecRequest } from './codec-ops.js';
import { runCodecOp } from './codec-ops.js';

interface RequestMessage {
  id: number;
  request: CodecRequest;
}

parentPort?.on('message', ({ id, request }: RequestMessage) => {
  runCodecOp(request).then((result) => {
    const bytes = (result as { bytes?: unknown } | null)?.bytes;
    const transfer = bytes instanceof Uint8Array && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
    parentPort?.postMessage({ id, result }, transfer);
  }, (error: unknown) => {
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  });
});
