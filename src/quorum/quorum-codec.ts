/**
 * quorum-codec — the event loop's handle on the O(B·C) work of quorum mode (codec-ops.ts), run
 * in a worker thread so that publishing or following a table of a million buckets never holds
 * up heartbeats: at B = 1,048,576 × 3 copies each step is 50–150 ms of CPU.
 *
 *   event loop                                   codec worker (one per coordinator)
 *   share(table): stepped copy into shared memory ─▶ (the table's arrays, no copy)
 *   checksum / encode / decodeSnapshot / applyRecords / loadLocalCopy ─▶ runCodecOp ─▶ answer
 *   ◀─ tables in shared memory, bytes handed over (no copy)
 *
 * Calls queue in the worker and are answered in order. The event loop's own share of the work is
 * copying inputs into shared memory, at most quorumCopyStepBytes per turn (shared-bytes.ts), and
 * the meter counts it. A checksum, an encoding or records applied to a table of at most
 * quorumInlineSlotCountMax slots run on the event loop (well under a millisecond: less than the
 * round trip; Tair's usual 1,023 buckets × 3 are such a table); a snapshot or a local copy may
 * hold any size until it is read, so those always go to the worker. `inline: true` runs every
 * operation on the event loop: for tests, and to measure what the worker saves
 * (bench/quorum-publish.ts).
 *
 * A worker that dies fails the calls in flight; the next call starts a new one.
 */
import { Worker } from 'node:worker_threads';
import { workerScriptUrl } from '../common/worker-script.js';
import { quorumInlineSlotCountMax } from '../limits.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import type { AppliedRecords, CodecOp, CodecRequest, EncodedVersion, EncodeRequest } from './codec-ops.js';
import { runCodecOp, sharedBytes } from './codec-ops.js';
import type { LoadedCopy } from './local-copy.js';
import type { CopyMeter } from './shared-bytes.js';
import { isSharedTable, newCopyMeter, shareBytes, shareTable } from './shared-bytes.js';
import type { DecodedSnapshot, SnapshotInfo } from './snapshot-chunks.js';

/** CodecMeter — what the codec did: calls per operation, and the event loop's copying. */
export interface CodecMeter {
  calls: Record<CodecOp, number>;
  copy: CopyMeter;
}

/** QuorumCodecOptions — `inline` runs every operation on the calling thread; `inlineSlotCountMax` sets what counts as small (see the file comment). */
export interface QuorumCodecOptions {
  inline?: boolean;
  /** inlineSlotCountMax — default quorumInlineSlotCountMax; 0 sends everything to the worker. */
  inlineSlotCountMax?: number;
}

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** QuorumCodec — see the file comment. */
export class QuorumCodec {
  readonly meter: CodecMeter = {
    calls: { checksum: 0, encode: 0, decodeSnapshot: 0, applyRecords: 0, loadLocalCopy: 0 },
    copy: newCopyMeter(),
  };
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: QuorumCodecOptions = {}) {}

  /** share — the table with its arrays in shared memory (a stepped copy unless they already are). */
  share(table: PersistedGroupTable): Promise<PersistedGroupTable> {
    return shareTable(table, this.meter.copy);
  }

  /** checksum — the table checksum of a shared table. */
  async checksum(table: PersistedGroupTable): Promise<number> {
    return this.call({ op: 'checksum', table: requireShared(table) }) as Promise<number>;
  }

  /** encode — the next version as a record or a snapshot (base and next shared). */
  encode(request: EncodeRequest): Promise<EncodedVersion> {
    if (request.base) requireShared(request.base);
    requireShared(request.next);
    return this.call({ op: 'encode', request }) as Promise<EncodedVersion>;
  }

  /** decodeSnapshot — the verified table from the chunks read from etcd, or why not. */
  async decodeSnapshot(info: SnapshotInfo, chunks: readonly Uint8Array[], groupName: string): Promise<DecodedSnapshot | string> {
    const shared = await shareBytes(chunks, this.meter.copy);
    return this.call({ op: 'decodeSnapshot', info, chunks: shared, groupName }) as Promise<DecodedSnapshot | string>;
  }

  /** applyRecords — deflated records from etcd applied to a shared table, verified; or why not. */
  async applyRecords(
    previous: PersistedGroupTable,
    records: readonly Uint8Array[],
    firstSequence: number,
    recordRawBytesMax: number,
  ): Promise<AppliedRecords | string> {
    const shared = await shareBytes(records, this.meter.copy);
    const request: CodecRequest = { op: 'applyRecords', previous: requireShared(previous), records: shared, firstSequence, recordRawBytesMax };
    return this.call(request) as Promise<AppliedRecords | string>;
  }

  /** loadLocalCopy — a group's local copy, read and verified (local-copy.ts). */
  loadLocalCopy(dataDir: string, groupName: string): Promise<LoadedCopy> {
    return this.call({ op: 'loadLocalCopy', dataDir, groupName }) as Promise<LoadedCopy>;
  }

  /** close — stop the worker; calls in flight fail, later calls are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('the quorum codec is closed'));
    await worker?.terminate();
  }

  private call(request: CodecRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the quorum codec is closed'));
    this.meter.calls[request.op] += 1;
    if (this.runsInline(request)) return runCodecOp(request, sharedBytes);
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, request });
    });
  }

  /** runsInline — every operation when `inline`; else the ones over a small table (see the file comment). */
  private runsInline(request: CodecRequest): boolean {
    if (this.options.inline) return true;
    const small = (table: PersistedGroupTable | null): boolean =>
      table === null || table.bucketCount * table.copyCount <= (this.options.inlineSlotCountMax ?? quorumInlineSlotCountMax);
    switch (request.op) {
      case 'checksum':
        return small(request.table);
      case 'encode':
        return small(request.request.next) && small(request.request.base);
      case 'applyRecords':
        return small(request.previous);
      default:
        return false;
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerScriptUrl(import.meta.url, 'codec-worker.js', 'dist/src/quorum/codec-worker.js'));
    worker.on('message', (reply: { id: number; result?: unknown; error?: string }) => this.settle(reply));
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the quorum codec worker exited (code ${code})`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private settle(reply: { id: number; result?: unknown; error?: string }): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (reply.error !== undefined) waiter.reject(new Error(reply.error));
    else waiter.resolve(reply.result);
  }

  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/** requireShared — a table must be in shared memory before it is posted (else postMessage copies it on the event loop). */
function requireShared(table: PersistedGroupTable): PersistedGroupTable {
  if (!isSharedTable(table)) throw new Error(`group ${table.groupName}: the table must be shared first (QuorumCodec.share)`);
  return table;
}
