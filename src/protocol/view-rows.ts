/**
 * view-rows — the rows block of our extension (version 2): bucket rows of a data server's view
 * or of a client's table, whole or only their changed slots. Big-endian, like every body:
 *
 *   u8    width              slots per row: C for a client table, 2·C for a data-server view
 *                            (current copies 0..C−1, then destination copies 0..C−1)
 *   u16   d, d × u64         dictionary: the server ids the entries use, in first-use order
 *   u32   n, n × entry       entries in ascending bucket order
 *   entry u32 bucket · u8 flags (bit 0 drop: the bucket leaves the view) ·
 *         u16 mask (bit i: slot i follows) · popcount(mask) × u16 dictionary index (0xffff = empty)
 *
 * A whole view sends every slot of every row; changes send, per bucket, only the slots that
 * differ from the base (a bucket that enters the view sends all of them), so a changed slot costs
 * at most 2 bytes plus its share of the entry (7) and of the dictionary (8 per distinct id).
 */
import { InputError, ProtocolError } from '../errors.js';
import { BodyReader } from './reader.js';
import { rowHashEnd, rowHashSlot, rowHashStart } from './view-checksum.js';

/** viewRowWidthMax — 2·C with C ≤ 8 (copyCountMax): the mask is a u16. */
export const viewRowWidthMax = 16;
const emptyIndex = 0xffff;
const dropFlag = 0x1;
const entryBytesMin = 7;

/** ViewRowEntry — one bucket of a rows block. */
export interface ViewRowEntry {
  bucketIndex: number;
  /** drop — the bucket leaves the view (no slots follow). */
  drop: boolean;
  /** mask — bit i set: `ids` holds slot i. */
  mask: number;
  /** ids — the ids of the masked slots, in slot order (0n = empty slot). */
  ids: bigint[];
  /** slots — the same slots as dictionary indexes (0xffff = empty): with `ViewRows.lo`/`hi`, hashing needs no bigint. */
  slots: number[];
}

/** ViewRows — a decoded rows block; `lo`/`hi` are the 32-bit halves of each dictionary id. */
export interface ViewRows {
  width: number;
  entries: ViewRowEntry[];
  lo: Uint32Array;
  hi: Uint32Array;
}

/** emptySlot — the dictionary index of an empty slot. */
export const emptySlot = 0xffff;

/**
 * readViewRows — decode a rows block whose rows must be `width` slots wide and whose buckets must
 * be below `bucketCount`, in ascending order. Throws ProtocolError for anything else.
 */
export function readViewRows(bytes: Uint8Array, width: number, bucketCount: number): ViewRows {
  const reader = new BodyReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'view rows');
  const blockWidth = reader.u8('width');
  if (blockWidth !== width) reader.fail(`width ${blockWidth}, expected ${width}`);
  const dictionaryCount = reader.u16('dictionary');
  reader.checkCount(dictionaryCount, 8, 'dictionary');
  const dictionary = new Array<bigint>(dictionaryCount);
  const lo = new Uint32Array(dictionaryCount);
  const hi = new Uint32Array(dictionaryCount);
  for (let i = 0; i < dictionaryCount; i++) {
    hi[i] = reader.u32('dictionary');
    lo[i] = reader.u32('dictionary');
    dictionary[i] = (BigInt(hi[i]) << 32n) | BigInt(lo[i]);
  }
  const entryCount = reader.count('entries', entryBytesMin);
  const entries = new Array<ViewRowEntry>(entryCount);
  let previous = -1;
  for (let n = 0; n < entryCount; n++) {
    const bucketIndex = reader.u32('entry.bucket');
    if (bucketIndex >= bucketCount || bucketIndex <= previous) reader.fail(`entry ${n}: bucket ${bucketIndex} out of order or not below ${bucketCount}`);
    previous = bucketIndex;
    const flags = reader.u8('entry.flags');
    if ((flags & ~dropFlag) !== 0) reader.fail(`entry ${n}: unknown flags 0x${flags.toString(16)}`);
    const mask = reader.u16('entry.mask');
    if (mask >>> width !== 0) reader.fail(`entry ${n}: mask 0x${mask.toString(16)} names slots past ${width}`);
    const drop = (flags & dropFlag) !== 0;
    if (drop && mask !== 0) reader.fail(`entry ${n}: a dropped bucket with slots`);
    const ids: bigint[] = [];
    const slots: number[] = [];
    for (let rest = mask; rest !== 0; rest &= rest - 1) {
      const index = reader.u16('entry.slot');
      if (index === emptyIndex) ids.push(0n);
      else if (index < dictionaryCount) ids.push(dictionary[index]);
      else reader.fail(`entry ${n}: dictionary index ${index} of ${dictionaryCount}`);
      slots.push(index);
    }
    entries[n] = { bucketIndex, drop, mask, ids, slots };
  }
  reader.expectEnd();
  return { width, entries, lo, hi };
}

/** WholeRows — a rows block of whole rows, in columns: no object per row (a view is thousands of rows). */
export interface WholeRows {
  bucketIndexes: Uint32Array;
  /** ids — `width` ids per row, in the order of bucketIndexes. */
  ids: BigUint64Array;
  /** rowHashes — each row's hash (view-checksum.ts). */
  rowHashes: Uint32Array;
}

/**
 * readWholeRows — decode a rows block in which every entry is a whole row (a data server's view
 * sent whole); checks as readViewRows, and throws ProtocolError for a drop or a partial row.
 */
export function readWholeRows(bytes: Uint8Array, width: number, bucketCount: number): WholeRows {
  const fail = (message: string): never => {
    throw new ProtocolError(`view rows: ${message}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 7) fail(`${bytes.length} bytes`);
  if (view.getUint8(0) !== width) fail(`width ${view.getUint8(0)}, expected ${width}`);
  const dictionaryCount = view.getUint16(1);
  const entriesAt = 3 + 8 * dictionaryCount + 4;
  if (bytes.length < entriesAt) fail(`a dictionary of ${dictionaryCount} ids in ${bytes.length} bytes`);
  const dictionary = new BigUint64Array(dictionaryCount);
  const lo = new Uint32Array(dictionaryCount);
  const hi = new Uint32Array(dictionaryCount);
  for (let i = 0; i < dictionaryCount; i++) {
    hi[i] = view.getUint32(3 + 8 * i);
    lo[i] = view.getUint32(7 + 8 * i);
    dictionary[i] = view.getBigUint64(3 + 8 * i);
  }
  const count = view.getUint32(entriesAt - 4);
  const entryBytes = entryBytesMin + 2 * width;
  if (bytes.length - entriesAt !== count * entryBytes) fail(`${count} whole rows of ${width} slots in ${bytes.length - entriesAt} bytes`);
  const rows: WholeRows = { bucketIndexes: new Uint32Array(count), ids: new BigUint64Array(count * width), rowHashes: new Uint32Array(count) };
  const fullMask = (1 << width) - 1;
  let previous = -1;
  for (let n = 0, at = entriesAt; n < count; n++) {
    const bucketIndex = view.getUint32(at);
    if (bucketIndex >= bucketCount || bucketIndex <= previous) fail(`entry ${n}: bucket ${bucketIndex} out of order or not below ${bucketCount}`);
    if (view.getUint8(at + 4) !== 0 || view.getUint16(at + 5) !== fullMask) fail(`entry ${n}: not a whole row`);
    previous = bucketIndex;
    rows.bucketIndexes[n] = bucketIndex;
    at += entryBytesMin;
    let state = rowHashStart(bucketIndex);
    for (let slot = 0; slot < width; slot++, at += 2) {
      const index = view.getUint16(at);
      if (index === emptyIndex) {
        state = rowHashSlot(state, 0, 0);
        continue;
      }
      if (index >= dictionaryCount) fail(`entry ${n}: dictionary index ${index} of ${dictionaryCount}`);
      rows.ids[n * width + slot] = dictionary[index];
      state = rowHashSlot(state, lo[index], hi[index]);
    }
    rows.rowHashes[n] = rowHashEnd(state);
  }
  return rows;
}

/**
 * ViewRowsWriter — builds a rows block from rows of dense server indexes (index k stands for the
 * id whose halves are `idLo[k]`, `idHi[k]`; 0 = empty). Entries must come in ascending bucket order.
 */
export class ViewRowsWriter {
  private readonly dictionaryOf: Int32Array;
  private readonly dictionary: number[] = [];
  private entries: Buffer;
  private entriesBytes = 0;
  private entryCount = 0;
  private previousBucket = -1;

  constructor(
    private readonly width: number,
    private readonly idLo: Uint32Array,
    private readonly idHi: Uint32Array,
    entryCountHint = 64,
  ) {
    if (width < 1 || width > viewRowWidthMax) throw new InputError(`view rows: width ${width} is outside 1..${viewRowWidthMax}`);
    this.dictionaryOf = new Int32Array(idLo.length).fill(-1);
    this.entries = Buffer.allocUnsafe(Math.max(64, entryCountHint * (entryBytesMin + 2 * width)));
  }

  /** entryCount — entries written so far. */
  get count(): number {
    return this.entryCount;
  }

  /** row — bucket `bucketIndex`: the slots of `mask`, taken from `row[offset + slot]`. */
  row(bucketIndex: number, row: ArrayLike<number>, offset: number, mask: number): void {
    this.begin(bucketIndex, 0, mask);
    const entries = this.entries;
    let at = this.entriesBytes;
    for (let slot = 0; slot < this.width; slot++) {
      if ((mask & (1 << slot)) === 0) continue;
      const value = row[offset + slot];
      const index = value === 0 ? emptyIndex : this.dictionaryIndex(value);
      entries[at] = index >>> 8;
      entries[at + 1] = index & 0xff;
      at += 2;
    }
    this.entriesBytes = at;
  }

  /** drop — bucket `bucketIndex` leaves the view. */
  drop(bucketIndex: number): void {
    this.begin(bucketIndex, dropFlag, 0);
  }

  /** finish — the block's bytes. */
  finish(): Buffer {
    const head = Buffer.allocUnsafe(3 + 8 * this.dictionary.length + 4);
    head.writeUInt8(this.width, 0);
    head.writeUInt16BE(this.dictionary.length, 1);
    let offset = 3;
    for (const value of this.dictionary) {
      head.writeUInt32BE(this.idHi[value], offset);
      head.writeUInt32BE(this.idLo[value], offset + 4);
      offset += 8;
    }
    head.writeUInt32BE(this.entryCount, offset);
    return Buffer.concat([head, this.entries.subarray(0, this.entriesBytes)]);
  }

  private begin(bucketIndex: number, flags: number, mask: number): void {
    if (bucketIndex <= this.previousBucket) throw new InputError(`view rows: bucket ${bucketIndex} after ${this.previousBucket}`);
    this.previousBucket = bucketIndex;
    this.room(entryBytesMin + 2 * this.width);
    const entries = this.entries;
    const at = this.entriesBytes;
    entries[at] = bucketIndex >>> 24;
    entries[at + 1] = (bucketIndex >>> 16) & 0xff;
    entries[at + 2] = (bucketIndex >>> 8) & 0xff;
    entries[at + 3] = bucketIndex & 0xff;
    entries[at + 4] = flags;
    entries[at + 5] = mask >>> 8;
    entries[at + 6] = mask & 0xff;
    this.entriesBytes = at + entryBytesMin;
    this.entryCount += 1;
  }

  private dictionaryIndex(value: number): number {
    const known = this.dictionaryOf[value];
    if (known >= 0) return known;
    const index = this.dictionary.length;
    if (index >= emptyIndex) throw new InputError('view rows: more than 65,535 distinct servers');
    this.dictionary.push(value);
    this.dictionaryOf[value] = index;
    return index;
  }

  private room(byteCount: number): void {
    if (this.entriesBytes + byteCount <= this.entries.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.entries.length * 2, this.entriesBytes + byteCount));
    this.entries.copy(grown, 0, 0, this.entriesBytes);
    this.entries = grown;
  }
}

/**
 * encodeWholeRows — the rows block of whole rows of `bucketIndexes` (ascending), each `width`
 * dense indexes at `rows[bucketIndex · width]`: the writer's output in one tight pass (a data
 * server's whole view is thousands of rows, sent to each one).
 */
export function encodeWholeRows(bucketIndexes: Uint32Array, rows: Uint32Array, width: number, idLo: Uint32Array, idHi: Uint32Array): Buffer {
  const entries = Buffer.allocUnsafe(bucketIndexes.length * (entryBytesMin + 2 * width));
  const dictionaryOf = new Int32Array(idLo.length).fill(-1);
  const dictionary: number[] = [];
  const mask = (1 << width) - 1;
  let at = 0;
  for (let position = 0; position < bucketIndexes.length; position++) {
    const bucketIndex = bucketIndexes[position];
    entries[at] = bucketIndex >>> 24;
    entries[at + 1] = (bucketIndex >>> 16) & 0xff;
    entries[at + 2] = (bucketIndex >>> 8) & 0xff;
    entries[at + 3] = bucketIndex & 0xff;
    entries[at + 4] = 0;
    entries[at + 5] = mask >>> 8;
    entries[at + 6] = mask & 0xff;
    at += entryBytesMin;
    const base = bucketIndex * width;
    for (let slot = 0; slot < width; slot++) {
      const value = rows[base + slot];
      let index = 0xffff;
      if (value !== 0) {
        index = dictionaryOf[value];
        if (index < 0) {
          index = dictionary.length;
          dictionaryOf[value] = index;
          dictionary.push(value);
        }
      }
      entries[at] = index >>> 8;
      entries[at + 1] = index & 0xff;
      at += 2;
    }
  }
  // Indexes are below idLo.length ≤ 65,536, so at most 65,535 distinct ids beside the empty one.
  if (dictionary.length >= emptyIndex) throw new InputError('view rows: more than 65,535 distinct servers');
  const block = Buffer.allocUnsafe(3 + 8 * dictionary.length + 4 + at);
  block.writeUInt8(width, 0);
  block.writeUInt16BE(dictionary.length, 1);
  let offset = 3;
  for (const value of dictionary) {
    block.writeUInt32BE(idHi[value], offset);
    block.writeUInt32BE(idLo[value], offset + 4);
    offset += 8;
  }
  block.writeUInt32BE(bucketIndexes.length, offset);
  entries.copy(block, offset + 4, 0, at);
  return block;
}
