/**
 * reader — bounds-checked big-endian reads over one packet body.
 *
 * Every read checks the bytes left first and throws ProtocolError, never RangeError; every
 * count is checked against the bytes its elements need *before* anything is allocated, so a
 * hostile count costs nothing. Byte fields come back as views into the body (no copy).
 *
 *   Tair string:      u32 length (including the trailing NUL) · bytes · NUL      ("" = 0, no bytes)
 *   fixed group name: 64 bytes, the name then NUL padding
 */
import { ProtocolError } from '../errors.js';

/** groupNameFieldBytes — the fixed width of the group name in heartbeat responses. */
export const groupNameFieldBytes = 64;

/** BodyReader — a cursor over one packet body. */
export class BodyReader {
  private readonly body: Buffer;
  private offset = 0;
  /** what — the packet being read, named in every error message. */
  readonly what: string;

  constructor(body: Buffer, what: string) {
    this.body = body;
    this.what = what;
  }

  /** remainingBytes — bytes not read yet. */
  get remainingBytes(): number {
    return this.body.length - this.offset;
  }

  /** offsetBytes — bytes read so far. */
  get offsetBytes(): number {
    return this.offset;
  }

  /** u8 — one unsigned byte. */
  u8(field: string): number {
    this.need(1, field);
    return this.body[this.offset++];
  }

  /** u16 — a big-endian u16. */
  u16(field: string): number {
    this.need(2, field);
    const value = this.body.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  /** u32 — a big-endian u32. */
  u32(field: string): number {
    this.need(4, field);
    const value = this.body.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** i32 — a big-endian signed i32. */
  i32(field: string): number {
    this.need(4, field);
    const value = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** u64 — a big-endian u64, as a bigint (server ids keep all 64 bits). */
  u64(field: string): bigint {
    this.need(8, field);
    const value = this.body.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** bytes — the next `byteCount` bytes as a view into the body. */
  bytes(byteCount: number, field: string): Buffer {
    this.need(byteCount, field);
    const view = this.body.subarray(this.offset, this.offset + byteCount);
    this.offset += byteCount;
    return view;
  }

  /** lengthPrefixedBytes — a u32 byte count then that many bytes (zlib blobs, stats). */
  lengthPrefixedBytes(field: string): Buffer {
    const byteCount = this.u32(field);
    return this.bytes(byteCount, field);
  }

  /**
   * count — a u32 (or, with `signed`, i32) element count, checked against the bytes left:
   * each element needs at least `elementBytesMin` bytes, so the count cannot promise more
   * elements than the body could hold.
   */
  count(field: string, elementBytesMin: number, signed = false): number {
    return this.checkCount(signed ? this.i32(field) : this.u32(field), elementBytesMin, field);
  }

  /** checkCount — the check of `count` for a count read some other way (e.g. a signed flag). */
  checkCount(elementCount: number, elementBytesMin: number, field: string): number {
    if (elementCount < 0) this.fail(`${field}: negative count ${elementCount}`);
    if (elementCount * elementBytesMin > this.remainingBytes) {
      this.fail(`${field}: count ${elementCount} needs more than the ${this.remainingBytes} bytes left`);
    }
    return elementCount;
  }

  /** string — a Tair string; the text ends at the first NUL inside its length. */
  string(field: string): string {
    const byteCount = this.u32(field);
    if (byteCount === 0) return '';
    const raw = this.bytes(byteCount, field);
    const nulIndex = raw.indexOf(0);
    return raw.toString('utf8', 0, nulIndex >= 0 ? nulIndex : raw.length);
  }

  /** strings — a count (u32, or i32 with `signed`) then that many Tair strings. */
  strings(field: string, signed = false): string[] {
    const stringCount = this.count(field, 4, signed);
    const texts = new Array<string>(stringCount);
    for (let i = 0; i < stringCount; i++) texts[i] = this.string(field);
    return texts;
  }

  /** u64List — a count (u32, or i32 with `signed`) then that many u64s. */
  u64List(field: string, signed = false): bigint[] {
    const valueCount = this.count(field, 8, signed);
    const values = new Array<bigint>(valueCount);
    for (let i = 0; i < valueCount; i++) values[i] = this.u64(field);
    return values;
  }

  /** groupNameField — the fixed 64-byte group name; bytes after the NUL are ignored (the original leaves stale memory there). */
  groupNameField(field: string): string {
    const raw = this.bytes(groupNameFieldBytes, field);
    const nulIndex = raw.indexOf(0);
    if (nulIndex < 0) this.fail(`${field}: no NUL in the ${groupNameFieldBytes}-byte group name`);
    return raw.toString('utf8', 0, nulIndex);
  }

  /** expectEnd — the body must be used up exactly; trailing bytes are a malformed frame. */
  expectEnd(): void {
    if (this.remainingBytes !== 0) this.fail(`${this.remainingBytes} trailing bytes`);
  }

  /** fail — throw a ProtocolError naming the packet and the offset. */
  fail(message: string): never {
    throw new ProtocolError(`${this.what} at byte ${this.offset}: ${message}`);
  }

  private need(byteCount: number, field: string): void {
    if (byteCount > this.body.length - this.offset) {
      this.fail(`${field}: needs ${byteCount} bytes, ${this.body.length - this.offset} left`);
    }
  }
}
