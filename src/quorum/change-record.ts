/**
 * change-record — one published version of a group as the change from the version before it
 * (format 1, little-endian; stored compressed, see table-history.ts):
 *
 *   offset  type      field
 *   0       u8[4]     magic "TCSR"
 *   4       u32       format version (1)
 *   8       u64       sequence (the group's version number in etcd, 1, 2, 3, …)
 *   16      u64       epoch the version was published under
 *   24      u32       table checksum: CRC-32C of the resulting table file (table-codec's trailer)
 *   28      u32       header bytes H
 *   32      u32       changed slot count K
 *   36      u8[H]     the resulting table file's header (versions, epoch, servers, …)
 *   36+H    K pairs   varint gap, varint value — gap = slot − previous slot − 1 (first: slot),
 *                     slot = tableIndex·B·C + slotIndex over current, progress, destination
 *   end−4   u32       CRC-32C of every byte before it
 *
 * Applying a record lays the previous table's three arrays behind the new header, writes the
 * changed slots, and decodes the result as a table file: the table checksum then verifies the
 * whole table, not only the record, and the store's shape rules hold for what comes out.
 */
import { crc32c } from '../store/crc32c.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import { decodeTable, encodeTableHeader, tableBodyChunks, tableTrailerBytes } from '../store/table-codec.js';
import { countTablePass } from './table-passes.js';

/** recordMagic — the first four bytes of every change record. */
export const recordMagic = Buffer.from('TCSR', 'latin1');
/** recordFormatVersion — bumped on any layout change. */
export const recordFormatVersion = 1;
const recordFixedBytes = 36;

/** RecordFields — the fixed fields of a decoded record. */
export interface RecordFields {
  sequence: number;
  epoch: bigint;
  tableChecksum: number;
  changedSlotCount: number;
}

/** tableChecksum — the CRC-32C a table file of `table` ends with. */
export function tableChecksum(table: PersistedGroupTable): number {
  countTablePass('checksum');
  return [encodeTableHeader(table), ...tableBodyChunks(table)].reduce((crc, chunk) => crc32c(chunk, crc), 0);
}

/**
 * encodeChangeRecord — the record turning `previous` into `next` (whose table checksum is
 * `nextChecksum`), or null when a record cannot say it (bucket or copy count changed) or would
 * pass `rawBytesMax` (then a snapshot is cheaper).
 */
export function encodeChangeRecord(
  previous: PersistedGroupTable,
  next: PersistedGroupTable,
  nextChecksum: number,
  sequence: number,
  rawBytesMax: number,
): Buffer | null {
  if (previous.bucketCount !== next.bucketCount || previous.copyCount !== next.copyCount) return null;
  countTablePass('diff');
  const header = encodeTableHeader(next);
  const writer = new VarintWriter(Math.min(rawBytesMax, 64 * 1024));
  const slotCount = next.bucketCount * next.copyCount;
  const pairs: [Uint32Array, Uint32Array][] = [
    [previous.current, next.current],
    [previous.progress, next.progress],
    [previous.destination, next.destination],
  ];
  let changed = 0;
  let last = -1;
  for (let tableIndex = 0; tableIndex < 3; tableIndex++) {
    const [before, after] = pairs[tableIndex];
    const base = tableIndex * slotCount;
    for (let slot = 0; slot < slotCount; slot++) {
      if (before[slot] === after[slot]) continue;
      const index = base + slot;
      writer.varint(index - last - 1);
      writer.varint(after[slot]);
      last = index;
      changed += 1;
      if (writer.length > rawBytesMax) return null;
    }
  }
  const fixed = Buffer.alloc(recordFixedBytes);
  recordMagic.copy(fixed, 0);
  fixed.writeUInt32LE(recordFormatVersion, 4);
  fixed.writeBigUInt64LE(BigInt(sequence), 8);
  fixed.writeBigUInt64LE(next.epoch, 16);
  fixed.writeUInt32LE(nextChecksum, 24);
  fixed.writeUInt32LE(header.length, 28);
  fixed.writeUInt32LE(changed, 32);
  const body = Buffer.concat([fixed, header, writer.bytes()]);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32LE(crc32c(body), 0);
  return Buffer.concat([body, trailer]);
}

/** readRecordFields — the fixed fields, after checking magic, version, size and the record's CRC. */
export function readRecordFields(bytes: Uint8Array): RecordFields | string {
  if (bytes.length < recordFixedBytes + 4) return `record truncated: ${bytes.length} bytes`;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!recordMagic.equals(buffer.subarray(0, 4))) return 'bad magic: not a change record';
  const formatVersion = buffer.readUInt32LE(4);
  if (formatVersion !== recordFormatVersion) return `record format ${formatVersion} is not supported (this build reads ${recordFormatVersion})`;
  const stored = buffer.readUInt32LE(bytes.length - 4);
  const actual = crc32c(buffer.subarray(0, bytes.length - 4));
  if (stored !== actual) return `record checksum mismatch (stored ${stored}, computed ${actual})`;
  const sequence = buffer.readBigUInt64LE(8);
  if (sequence > BigInt(Number.MAX_SAFE_INTEGER)) return `record sequence ${sequence} is out of range`;
  return {
    sequence: Number(sequence),
    epoch: buffer.readBigUInt64LE(16),
    tableChecksum: buffer.readUInt32LE(24),
    changedSlotCount: buffer.readUInt32LE(32),
  };
}

/** ByteAllocator — where a new table file is laid out (plain memory, or shared memory in the codec worker). */
export type ByteAllocator = (byteCount: number) => Uint8Array;

/** plainBytes — an ordinary zeroed buffer. */
export const plainBytes: ByteAllocator = (byteCount) => new Uint8Array(byteCount);

/** applyChangeRecord — `previous` with one record applied and verified; a string says why it is refused. */
export function applyChangeRecord(previous: PersistedGroupTable, bytes: Uint8Array): PersistedGroupTable | string {
  return applyChangeRecords(previous, [bytes]);
}

/**
 * applyChangeRecords — `previous` with the records applied in order (each one's CRC checked, and
 * each must follow the one before by sequence), then verified once: the resulting table file
 * must end with the last record's table checksum. One copy of the table per batch, not per record;
 * the result's arrays are views of one buffer from `allocate`.
 */
export function applyChangeRecords(previous: PersistedGroupTable, records: readonly Uint8Array[], allocate = plainBytes): PersistedGroupTable | string {
  countTablePass('records-apply');
  const slotCount = previous.bucketCount * previous.copyCount;
  let file: Uint8Array | null = null;
  let headerBytes = 0;
  let last: RecordFields | null = null;
  for (const bytes of records) {
    const fields = readRecordFields(bytes);
    if (typeof fields === 'string') return fields;
    if (last && fields.sequence !== last.sequence + 1) return `record ${fields.sequence} does not follow record ${last.sequence}`;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const header = buffer.subarray(recordFixedBytes, recordFixedBytes + buffer.readUInt32LE(28));
    const changesStart = recordFixedBytes + header.length;
    if (changesStart > bytes.length - 4 || header.length < 24) return 'record header runs past its end';
    if (header.readUInt32LE(16) !== previous.bucketCount || header.readUInt32LE(20) !== previous.copyCount) {
      return 'record is for another bucket or copy count';
    }
    if (!file || header.length !== headerBytes) file = relayout(file, headerBytes, header.length, previous, slotCount, allocate);
    headerBytes = header.length;
    file.set(header, 0);
    const slots = new Uint32Array(file.buffer, file.byteOffset + headerBytes, 3 * slotCount);
    const problem = writeChanges(buffer.subarray(changesStart, bytes.length - 4), fields.changedSlotCount, slots);
    if (problem) return `record ${fields.sequence}: ${problem}`;
    last = fields;
  }
  if (!file || !last) return 'no record to apply';
  new DataView(file.buffer, file.byteOffset).setUint32(file.length - tableTrailerBytes, last.tableChecksum, true);
  const decoded = decodeTable(file, previous.groupName);
  if (!decoded.ok) return `the table after record ${last.sequence} is not sound: ${decoded.reason}`;
  return decoded.table;
}

/** relayout — a table file buffer with room for a header of `headerBytes`, holding the slots so far. */
function relayout(
  file: Uint8Array | null,
  oldHeaderBytes: number,
  headerBytes: number,
  previous: PersistedGroupTable,
  slotCount: number,
  allocate: ByteAllocator,
): Uint8Array {
  const next = allocate(headerBytes + 12 * slotCount + tableTrailerBytes);
  if (file) {
    next.set(file.subarray(oldHeaderBytes, oldHeaderBytes + 12 * slotCount), headerBytes);
    return next;
  }
  let offset = headerBytes;
  for (const chunk of tableBodyChunks(previous)) {
    next.set(chunk, offset);
    offset += chunk.length;
  }
  return next;
}

/** writeChanges — the K (gap, value) pairs into `slots`; bounds-checked, never past `slots`. */
function writeChanges(changes: Buffer, count: number, slots: Uint32Array): string | null {
  const reader = { offset: 0 };
  let index = -1;
  for (let n = 0; n < count; n++) {
    const gap = readVarint(changes, reader);
    const value = readVarint(changes, reader);
    if (gap === null || value === null) return `record ends inside change ${n} of ${count}`;
    index += gap + 1;
    if (index >= slots.length) return `record changes slot ${index}, the table has ${slots.length}`;
    slots[index] = value;
  }
  return reader.offset === changes.length ? null : `${changes.length - reader.offset} unexpected bytes after the changes`;
}

/** readVarint — an unsigned LEB128 of at most 5 bytes (a u32), or null when cut or too long. */
function readVarint(bytes: Uint8Array, reader: { offset: number }): number | null {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (reader.offset >= bytes.length) return null;
    const byte = bytes[reader.offset++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value <= 0xffff_ffff ? value : null;
  }
  return null;
}

/** VarintWriter — a growing byte buffer of unsigned LEB128 values. */
class VarintWriter {
  private buffer: Uint8Array;
  length = 0;

  constructor(initialBytes: number) {
    this.buffer = new Uint8Array(Math.max(16, initialBytes));
  }

  varint(value: number): void {
    if (this.length + 5 > this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.buffer[this.length++] = rest;
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
