/**
 * snapshot-chunks — a whole table for etcd, packed, deflated, and cut into chunks that each fit
 * one etcd request. The packing (format 1, little-endian) lets deflate see what a table file hides:
 *
 *   offset  type        field
 *   0       u8[4]       magic "TCSS"
 *   4       u32         format version (1)
 *   8       u32         header bytes H
 *   12      u32         slot count N = B·C
 *   16      u8[H]       the table file's header (src/store/table-codec.ts)
 *   16+H    3 × 2N      current, progress − current, destination − current (mod 2^16), each as
 *                       N low bytes then N high bytes (server indexes fit 16 bits: serverCountMax)
 *   end−4   u32         the table file's CRC-32C (its trailer)
 *
 * Progress and destination mostly equal current, so two of the three planes deflate to almost
 * nothing; the high bytes of a table of ≤ 256 servers are all zero. Decoding rebuilds the table
 * file and verifies it like a file read from disk (table-codec's decodeTable: CRC, shape).
 *
 * The head that points at a snapshot carries its chunk count, compressed size and the CRC-32C of
 * the compressed bytes, so a reader knows it holds every chunk before it inflates anything, and
 * inflating is capped at the largest valid table file.
 *
 * Both directions are O(B·C) and synchronous: they run in the codec worker (quorum-codec.ts).
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { quorumSnapshotChunkCountMax } from '../limits.js';
import { crc32c } from '../store/crc32c.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import { decodeTable, encodeTableHeader, tableFileBytesMax, tableTrailerBytes } from '../store/table-codec.js';
import type { ByteAllocator } from './change-record.js';
import { plainBytes } from './change-record.js';
import { countTablePass } from './table-passes.js';
const packMagic = Buffer.from('TCSS', 'latin1');
const packFormatVersion = 1;
const packedFixedBytes = 16;

/** SnapshotInfo — what a head says about the snapshot it builds on. */
export interface SnapshotInfo {
  sequence: number;
  chunkCount: number;
  /** compressedBytes — the chunks' total length. */
  compressedBytes: number;
  /** compressedChecksum — CRC-32C of the chunks joined. */
  compressedChecksum: number;
}

/** EncodedSnapshot — the compressed bytes, the chunks to write (views of them), and the info the head will carry. */
export interface EncodedSnapshot {
  info: SnapshotInfo;
  compressed: Uint8Array;
  chunks: Uint8Array[];
}

/** encodeSnapshot — `table` (whose table checksum is `checksum`) packed, compressed and cut into chunks of at most `chunkBytesMax`. */
export function encodeSnapshot(table: PersistedGroupTable, checksum: number, sequence: number, chunkBytesMax: number): EncodedSnapshot {
  countTablePass('snapshot-encode');
  const compressed = deflateSync(packTable(table, checksum), { level: 6 });
  const chunks = cutChunks(compressed, chunkBytesMax);
  if (chunks.length > quorumSnapshotChunkCountMax) {
    throw new RangeError(`snapshot of group ${table.groupName} needs ${chunks.length} chunks, over ${quorumSnapshotChunkCountMax}`);
  }
  const info = { sequence, chunkCount: chunks.length, compressedBytes: compressed.length, compressedChecksum: crc32c(compressed) };
  return { info, compressed, chunks };
}

/** cutChunks — the compressed bytes as views of at most `chunkBytesMax` each (at least one). */
export function cutChunks(compressed: Uint8Array, chunkBytesMax: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const chunkCount = Math.max(1, Math.ceil(compressed.length / chunkBytesMax));
  for (let index = 0; index < chunkCount; index++) chunks.push(compressed.subarray(index * chunkBytesMax, (index + 1) * chunkBytesMax));
  return chunks;
}

/** DecodedSnapshot — the verified table and its table checksum. */
export interface DecodedSnapshot {
  table: PersistedGroupTable;
  tableChecksum: number;
}

/** decodeSnapshot — the verified table from its chunks (in order), or why they are not one; its arrays are views of one buffer from `allocate`. */
export function decodeSnapshot(info: SnapshotInfo, chunks: readonly Uint8Array[], groupName: string, allocate = plainBytes): DecodedSnapshot | string {
  if (chunks.length !== info.chunkCount) return `snapshot ${info.sequence} has ${chunks.length} of its ${info.chunkCount} chunks`;
  countTablePass('snapshot-decode');
  const compressed = Buffer.concat(chunks);
  if (compressed.length !== info.compressedBytes) return `snapshot ${info.sequence} is ${compressed.length} bytes, its head says ${info.compressedBytes}`;
  if (crc32c(compressed) !== info.compressedChecksum) return `snapshot ${info.sequence} checksum mismatch`;
  let packed: Buffer;
  try {
    packed = inflateSync(compressed, { maxOutputLength: tableFileBytesMax });
  } catch (error) {
    return `snapshot ${info.sequence} does not inflate: ${error instanceof Error ? error.message : String(error)}`;
  }
  const unpacked = unpackTable(packed, allocate);
  if (typeof unpacked === 'string') return `snapshot ${info.sequence}: ${unpacked}`;
  const decoded = decodeTable(unpacked.file, groupName);
  return decoded.ok ? { table: decoded.table, tableChecksum: unpacked.tableChecksum } : `snapshot ${info.sequence}: ${decoded.reason}`;
}

/** packTable — the packed bytes of the file comment. */
function packTable(table: PersistedGroupTable, checksum: number): Buffer {
  const header = encodeTableHeader(table);
  const slotCount = table.bucketCount * table.copyCount;
  const packed = Buffer.alloc(packedFixedBytes + header.length + 6 * slotCount + 4);
  packMagic.copy(packed, 0);
  packed.writeUInt32LE(packFormatVersion, 4);
  packed.writeUInt32LE(header.length, 8);
  packed.writeUInt32LE(slotCount, 12);
  header.copy(packed, packedFixedBytes);
  const { current } = table;
  let offset = packedFixedBytes + header.length;
  for (const array of [current, table.progress, table.destination]) {
    const low = packed.subarray(offset, offset + slotCount);
    const high = packed.subarray(offset + slotCount, offset + 2 * slotCount);
    for (let slot = 0; slot < slotCount; slot++) {
      const value = array === current ? current[slot] : (array[slot] - current[slot]) & 0xffff;
      low[slot] = value & 0xff;
      high[slot] = value >>> 8;
    }
    offset += 2 * slotCount;
  }
  packed.writeUInt32LE(checksum >>> 0, offset);
  return packed;
}

/** unpackTable — the table file the packed bytes stand for (not yet verified), and its checksum. */
function unpackTable(packed: Buffer, allocate: ByteAllocator): { file: Uint8Array; tableChecksum: number } | string {
  if (packed.length < packedFixedBytes + 4 || !packMagic.equals(packed.subarray(0, 4))) return 'not a packed table';
  if (packed.readUInt32LE(4) !== packFormatVersion) return `packed table format ${packed.readUInt32LE(4)} is not supported`;
  const headerBytes = packed.readUInt32LE(8);
  const slotCount = packed.readUInt32LE(12);
  if (packed.length !== packedFixedBytes + headerBytes + 6 * slotCount + 4) return 'packed table size does not match its header';
  const file = allocate(headerBytes + 12 * slotCount + tableTrailerBytes);
  file.set(packed.subarray(packedFixedBytes, packedFixedBytes + headerBytes), 0);
  const tables = new Uint32Array(file.buffer, file.byteOffset + headerBytes, 3 * slotCount);
  let offset = packedFixedBytes + headerBytes;
  for (let tableIndex = 0; tableIndex < 3; tableIndex++) {
    const base = tableIndex * slotCount;
    for (let slot = 0; slot < slotCount; slot++) {
      const value = packed[offset + slot] | (packed[offset + slotCount + slot] << 8);
      tables[base + slot] = tableIndex === 0 ? value : (tables[slot] + value) & 0xffff;
    }
    offset += 2 * slotCount;
  }
  const tableChecksum = packed.readUInt32LE(offset);
  new DataView(file.buffer, file.byteOffset).setUint32(file.length - tableTrailerBytes, tableChecksum, true);
  return { file, tableChecksum };
}
