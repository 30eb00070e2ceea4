/**
 * snapshot-chunks — a whole table for etcd: the table file (table-codec, CRC-32C inside),
 * deflated, cut into chunks that each fit one etcd request.
 *
 *   table ─encodeTable─▶ file bytes ─deflate (zlib thread pool)─▶ compressed ─cut─▶ chunk 0 … chunk n−1
 *
 * The head that points at a snapshot carries its chunk count, compressed size and the CRC-32C of
 * the compressed bytes, so a reader knows it holds every chunk before it inflates anything, and
 * inflating is capped at the largest valid table file.
 */
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import { quorumSnapshotChunkCountMax } from '../limits.js';
import { crc32c } from '../store/crc32c.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import { decodeTable, encodeTable, tableFileBytesMax } from '../store/table-codec.js';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

/** SnapshotInfo — what a head says about the snapshot it builds on. */
export interface SnapshotInfo {
  sequence: number;
  chunkCount: number;
  /** compressedBytes — the chunks' total length. */
  compressedBytes: number;
  /** compressedChecksum — CRC-32C of the chunks joined. */
  compressedChecksum: number;
}

/** EncodedSnapshot — the chunks to write, and the info the head will carry. */
export interface EncodedSnapshot {
  info: SnapshotInfo;
  chunks: Buffer[];
}

/** encodeSnapshot — `table` compressed and cut into chunks of at most `chunkBytesMax`. */
export async function encodeSnapshot(table: PersistedGroupTable, sequence: number, chunkBytesMax: number): Promise<EncodedSnapshot> {
  const compressed = await deflateAsync(encodeTable(table), { level: 1 });
  const chunkCount = Math.max(1, Math.ceil(compressed.length / chunkBytesMax));
  if (chunkCount > quorumSnapshotChunkCountMax) {
    throw new RangeError(`snapshot of group ${table.groupName} needs ${chunkCount} chunks, over ${quorumSnapshotChunkCountMax}`);
  }
  const chunks: Buffer[] = [];
  for (let index = 0; index < chunkCount; index++) chunks.push(compressed.subarray(index * chunkBytesMax, (index + 1) * chunkBytesMax));
  return {
    info: { sequence, chunkCount, compressedBytes: compressed.length, compressedChecksum: crc32c(compressed) },
    chunks,
  };
}

/** decodeSnapshot — the verified table from its chunks (in order), or why they are not one. */
export async function decodeSnapshot(info: SnapshotInfo, chunks: readonly Uint8Array[], groupName: string): Promise<PersistedGroupTable | string> {
  if (chunks.length !== info.chunkCount) return `snapshot ${info.sequence} has ${chunks.length} of its ${info.chunkCount} chunks`;
  const compressed = Buffer.concat(chunks);
  if (compressed.length !== info.compressedBytes) return `snapshot ${info.sequence} is ${compressed.length} bytes, its head says ${info.compressedBytes}`;
  if (crc32c(compressed) !== info.compressedChecksum) return `snapshot ${info.sequence} checksum mismatch`;
  let file: Buffer;
  try {
    file = await inflateAsync(compressed, { maxOutputLength: tableFileBytesMax });
  } catch (error) {
    return `snapshot ${info.sequence} does not inflate: ${error instanceof Error ? error.message : String(error)}`;
  }
  // A private copy: the inflated buffer may be a view of a larger pool.
  const bytes = new Uint8Array(file.length);
  bytes.set(file);
  const decoded = decodeTable(bytes, groupName);
  return decoded.ok ? decoded.table : `snapshot ${info.sequence}: ${decoded.reason}`;
}
