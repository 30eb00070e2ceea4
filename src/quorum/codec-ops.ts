/**
 * codec-ops — every O(B·C) step of quorum mode, as one function per request. They run in the
 * codec worker (codec-worker.ts), called through QuorumCodec (quorum-codec.ts):
 *
 *   checksum        the table checksum (CRC-32C of the whole table file)         leader
 *   encode          the next version: a change record (diff + deflate), or a     leader
 *                   snapshot (pack + deflate) when a record cannot say it or is too big
 *   decodeSnapshot  chunks ─▶ inflate ─▶ unpack ─▶ verified table                 follower
 *   applyRecords    deflated records ─▶ inflate ─▶ applied in one batch ─▶ verified table
 *   loadLocalCopy   data_dir/quorum/<group>.qtable ─▶ verified table             start
 *
 * Tables come in and go out with their arrays in SharedArrayBuffers (shared-bytes.ts): nothing
 * large is copied between the threads. Bytes that go back (a record, a snapshot) are a fresh
 * ArrayBuffer the worker hands over (transferred, not copied).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import type { ByteAllocator } from './change-record.js';
import { applyChangeRecords, encodeChangeRecord, readRecordFields, tableChecksum } from './change-record.js';
import type { LoadedCopy } from './local-copy.js';
import { loadLocalCopy } from './local-copy.js';
import type { DecodedSnapshot, SnapshotInfo } from './snapshot-chunks.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-chunks.js';

/** EncodeRequest — what the leader's next version is made from. */
export interface EncodeRequest {
  /** base — the newest committed table, or null for a group's first version. */
  base: PersistedGroupTable | null;
  next: PersistedGroupTable;
  checksum: number;
  sequence: number;
  /** recordAllowed — a record may be written (false: a snapshot is due). */
  recordAllowed: boolean;
  /** recordRawBytesMax — a record's bytes before compression, at most. */
  recordRawBytesMax: number;
  /** recordBytesMax — a compressed record larger than this is a snapshot instead. */
  recordBytesMax: number;
  chunkBytesMax: number;
}

/** EncodedVersion — a deflated record, or a whole snapshot (compressed bytes, to be cut into chunks). */
export type EncodedVersion = { kind: 'record'; bytes: Uint8Array } | { kind: 'snapshot'; bytes: Uint8Array; info: SnapshotInfo };

/** CodecRequest — one request to the codec, by operation. */
export type CodecRequest =
  | { op: 'checksum'; table: PersistedGroupTable }
  | { op: 'encode'; request: EncodeRequest }
  | { op: 'decodeSnapshot'; info: SnapshotInfo; chunks: Uint8Array[]; groupName: string }
  | { op: 'applyRecords'; previous: PersistedGroupTable; records: Uint8Array[]; firstSequence: number; recordRawBytesMax: number }
  | { op: 'loadLocalCopy'; dataDir: string; groupName: string };

/** CodecOp — the operation names. */
export type CodecOp = CodecRequest['op'];

/** AppliedRecords — the table after a batch of records, and its checksum (the last record's). */
export type AppliedRecords = DecodedSnapshot;

/** sharedBytes — the allocator of every table the codec builds: shared memory, so results cross back without a copy. */
export const sharedBytes: ByteAllocator = (byteCount) => new Uint8Array(new SharedArrayBuffer(byteCount));

/** runCodecOp — one request's answer (a string: why the input is refused). */
export async function runCodecOp(request: CodecRequest, allocate: ByteAllocator = sharedBytes): Promise<unknown> {
  switch (request.op) {
    case 'checksum':
      return tableChecksum(request.table);
    case 'encode':
      return encodeVersion(request.request);
    case 'decodeSnapshot':
      return decodeSnapshot(request.info, request.chunks, request.groupName, allocate);
    case 'applyRecords':
      return applyDeflatedRecords(request.previous, request.records, request.firstSequence, request.recordRawBytesMax, allocate);
    case 'loadLocalCopy':
      return loadLocalCopy(request.dataDir, request.groupName, allocate) satisfies Promise<LoadedCopy>;
  }
}

/** encodeVersion — a record when one is allowed and small enough once deflated, else a snapshot. */
export function encodeVersion(request: EncodeRequest): EncodedVersion {
  const { base, next, checksum, sequence } = request;
  const record = base && request.recordAllowed ? encodeChangeRecord(base, next, checksum, sequence, request.recordRawBytesMax) : null;
  const deflated = record ? deflateRawSync(record) : null;
  if (deflated && deflated.length <= request.recordBytesMax) return { kind: 'record', bytes: ownBytes(deflated) };
  const snapshot = encodeSnapshot(next, checksum, sequence, request.chunkBytesMax);
  return { kind: 'snapshot', bytes: ownBytes(snapshot.compressed), info: snapshot.info };
}

/** applyDeflatedRecords — records as stored in etcd, inflated (capped), checked to start at `firstSequence`, applied in one batch. */
export function applyDeflatedRecords(
  previous: PersistedGroupTable,
  deflated: readonly Uint8Array[],
  firstSequence: number,
  recordRawBytesMax: number,
  allocate: ByteAllocator = sharedBytes,
): AppliedRecords | string {
  const records: Buffer[] = [];
  for (const [index, bytes] of deflated.entries()) {
    try {
      records.push(inflateRawSync(bytes, { maxOutputLength: recordRawBytesMax }));
    } catch (error) {
      return `record ${firstSequence + index} does not inflate: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const first = records.length > 0 ? readRecordFields(records[0]) : 'no record to apply';
  if (typeof first === 'string' || first.sequence !== firstSequence) return `record ${firstSequence} is missing or damaged`;
  const table = applyChangeRecords(previous, records, allocate);
  if (typeof table === 'string') return table;
  const last = readRecordFields(records[records.length - 1]);
  return typeof last === 'string' ? last : { table, tableChecksum: last.tableChecksum };
}

/** ownBytes — the bytes in an ArrayBuffer of their own, exactly their size (so it can be transferred). */
function ownBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer)) return bytes;
  return new Uint8Array(bytes);
}
