/**
 * table-log — the bytes of `data_dir/<group>.log`: the records saved since the snapshot
 * (`<group>.table`) it follows, appended one per save (little-endian):
 *
 *   offset  type      field
 *   0       u8[8]     magic "TCSLOG01"
 *   8       u64       base sequence: the record sequence of the snapshot this log was started after
 *   16      u32       CRC-32C of bytes 0..15
 *   20      u32       reserved (0)
 *   24      …         records, each: u32 length L · L bytes (record-codec.ts, its own CRC-32C at its end)
 *
 * Reading stops at the first record that is cut short, longer than any record can be, fails its
 * CRC or does not decode: what follows is a torn or corrupt tail, never applied.
 */
import { logRecordBytesMax } from '../limits.js';
import type { TableRecord } from '../cluster/persisted-group-table.js';
import { crc32c } from './crc32c.js';
import { decodeRecord, encodeRecord } from './record-codec.js';

/** logMagic — the first eight bytes of a table log. */
export const logMagic = Buffer.from('TCSLOG01', 'latin1');
/** logHeaderBytes — the header before the first record. */
export const logHeaderBytes = 24;
const lengthBytes = 4;

/** LogContent — what a log holds: its base, the records that read cleanly, and where they end. */
export interface LogContent {
  baseSeq: number;
  records: TableRecord[];
  /** goodBytes — the length of the header plus the clean records (the rest is a torn or corrupt tail). */
  goodBytes: number;
  /** tail — why reading stopped before the end of the file, or null. */
  tail: string | null;
}

/** encodeLogHeader — the header of a log that follows the snapshot of record `baseSeq`. */
export function encodeLogHeader(baseSeq: number): Buffer {
  const header = Buffer.alloc(logHeaderBytes);
  logMagic.copy(header, 0);
  header.writeBigUInt64LE(BigInt(baseSeq), 8);
  header.writeUInt32LE(crc32c(header.subarray(0, 16)), 16);
  return header;
}

/** frameRecord — a record as it is appended: its length, then its bytes. */
export function frameRecord(record: TableRecord): Buffer {
  const bytes = encodeRecord(record);
  const framed = Buffer.allocUnsafe(lengthBytes + bytes.length);
  framed.writeUInt32LE(bytes.length, 0);
  bytes.copy(framed, lengthBytes);
  return framed;
}

/** readLog — the header and the clean records of a log's bytes, or why the header itself is not sound. */
export function readLog(bytes: Buffer): LogContent | string {
  if (bytes.length < logHeaderBytes) return `log header truncated: ${bytes.length} bytes`;
  if (!logMagic.equals(bytes.subarray(0, 8))) return 'bad magic: not a table log';
  if (bytes.readUInt32LE(16) !== crc32c(bytes.subarray(0, 16))) return 'log header checksum mismatch';
  const base = bytes.readBigUInt64LE(8);
  if (base > BigInt(Number.MAX_SAFE_INTEGER)) return `log base sequence ${base} is out of range`;
  const content: LogContent = { baseSeq: Number(base), records: [], goodBytes: logHeaderBytes, tail: null };
  let offset = logHeaderBytes;
  while (offset < bytes.length) {
    if (bytes.length - offset < lengthBytes) return { ...content, tail: `${bytes.length - offset} bytes of a cut record length` };
    const length = bytes.readUInt32LE(offset);
    if (length > logRecordBytesMax) return { ...content, tail: `a record length of ${length} bytes` };
    if (bytes.length - offset - lengthBytes < length) return { ...content, tail: `a record cut at ${bytes.length - offset - lengthBytes} of ${length} bytes` };
    const decoded = decodeRecord(bytes.subarray(offset + lengthBytes, offset + lengthBytes + length));
    if (!decoded.ok) return { ...content, tail: decoded.reason };
    content.records.push(decoded.record);
    offset += lengthBytes + length;
    content.goodBytes = offset;
  }
  return content;
}
