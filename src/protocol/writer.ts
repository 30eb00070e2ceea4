/**
 * writer — big-endian writes into one growing buffer that already has room for the frame header.
 *
 *   [ 16 bytes reserved for the tbnet header | body ... | spare capacity ]
 *                                             ^ toBody() starts here; toFrame() fills the header
 *
 * so a reply is built in one buffer and framed without a copy. Large byte fields (a shared table
 * blob) are not copied in at all: `sharedBytes` records where they go, and `toFrameSegments`
 * returns the frame as pieces around them, for one corked write:
 *
 *   [ header | body before the blob ]  [ the shared blob ]  [ body after the blob ]
 *
 * Out-of-range values are caller bugs (our encoders never produce them) and throw InputError
 * instead of wrapping silently.
 */
import { InputError } from '../errors.js';
import { frameHeaderBytes, writeFrameHeader } from './frame.js';
import { groupNameFieldBytes } from './reader.js';
import { groupNameBytesMax } from '../limits.js';

const u64Max = 0xffff_ffff_ffff_ffffn;
/** sharedBytesMin — byte fields at least this long are referenced, not copied (below it a copy is cheaper than a write). */
export const sharedBytesMin = 16 * 1024;

/** SharedSpan — a byte field left out of the buffer, to be written from its own memory. */
interface SharedSpan {
  /** at — the buffer offset the field follows. */
  at: number;
  data: Uint8Array;
}

/** BodyWriter — accumulates one packet body. */
export class BodyWriter {
  private buffer: Buffer;
  private offset = frameHeaderBytes;
  private readonly shared: SharedSpan[] = [];
  private sharedBytesTotal = 0;

  constructor(bodyBytesExpected = 240) {
    this.buffer = Buffer.allocUnsafe(frameHeaderBytes + bodyBytesExpected);
  }

  /** bodyBytes — bytes written so far. */
  get bodyBytes(): number {
    return this.offset - frameHeaderBytes + this.sharedBytesTotal;
  }

  /** u8 — one unsigned byte. */
  u8(value: number, field: string): void {
    checkInteger(value, 0, 0xff, field);
    this.room(1);
    this.buffer[this.offset++] = value;
  }

  /** u16 — a big-endian u16. */
  u16(value: number, field: string): void {
    checkInteger(value, 0, 0xffff, field);
    this.room(2);
    this.offset = this.buffer.writeUInt16BE(value, this.offset);
  }

  /** u32 — a big-endian u32. */
  u32(value: number, field: string): void {
    checkInteger(value, 0, 0xffff_ffff, field);
    this.room(4);
    this.offset = this.buffer.writeUInt32BE(value, this.offset);
  }

  /** i32 — a big-endian signed i32. */
  i32(value: number, field: string): void {
    checkInteger(value, -0x8000_0000, 0x7fff_ffff, field);
    this.room(4);
    this.offset = this.buffer.writeInt32BE(value, this.offset);
  }

  /** u64 — a big-endian u64 from a bigint. */
  u64(value: bigint, field: string): void {
    if (value < 0n || value > u64Max) throw new InputError(`${field}: ${value} is not a u64`);
    this.room(8);
    this.offset = this.buffer.writeBigUInt64BE(value, this.offset);
  }

  /** bytes — raw bytes. */
  bytes(data: Uint8Array): void {
    this.room(data.length);
    this.buffer.set(data, this.offset);
    this.offset += data.length;
  }

  /**
   * sharedBytes — raw bytes that stay where they are: the frame references them (toFrameSegments).
   * The caller must not modify `data` until the frame is written.
   */
  sharedBytes(data: Uint8Array): void {
    if (data.length === 0) return;
    this.shared.push({ at: this.offset, data });
    this.sharedBytesTotal += data.length;
  }

  /** lengthPrefixedBytes — a u32 byte count then the bytes (referenced, not copied, when large). */
  lengthPrefixedBytes(data: Uint8Array, field: string): void {
    this.u32(data.length, field);
    if (data.length >= sharedBytesMin) this.sharedBytes(data);
    else this.bytes(data);
  }

  /** string — a Tair string: u32 length including the NUL, the bytes, NUL; "" is length 0 alone. */
  string(text: string, field: string): void {
    if (text.length === 0) {
      this.u32(0, field);
      return;
    }
    if (text.includes('\0')) throw new InputError(`${field}: a Tair string cannot contain NUL`);
    const byteCount = Buffer.byteLength(text, 'utf8');
    this.u32(byteCount + 1, field);
    this.room(byteCount + 1);
    this.offset += this.buffer.write(text, this.offset, byteCount, 'utf8');
    this.buffer[this.offset++] = 0;
  }

  /** strings — a count (u32, or i32 with `signed`) then the strings. */
  strings(texts: readonly string[], field: string, signed = false): void {
    if (signed) this.i32(texts.length, field);
    else this.u32(texts.length, field);
    for (const text of texts) this.string(text, field);
  }

  /** u64List — a count (u32, or i32 with `signed`) then the u64s. */
  u64List(values: readonly bigint[], field: string, signed = false): void {
    if (signed) this.i32(values.length, field);
    else this.u32(values.length, field);
    for (const value of values) this.u64(value, field);
  }

  /** groupNameField — the fixed 64-byte group name, zero-filled after the name. */
  groupNameField(name: string, field: string): void {
    const byteCount = Buffer.byteLength(name, 'utf8');
    if (byteCount > groupNameBytesMax || name.includes('\0')) {
      throw new InputError(`${field}: '${name}' is not a group name of at most ${groupNameBytesMax} bytes`);
    }
    this.room(groupNameFieldBytes);
    this.buffer.fill(0, this.offset, this.offset + groupNameFieldBytes);
    this.buffer.write(name, this.offset, byteCount, 'utf8');
    this.offset += groupNameFieldBytes;
  }

  /** toBody — the body written so far (a view, or one joined copy when bytes are shared; the writer must not be reused afterwards). */
  toBody(): Buffer {
    if (this.shared.length === 0) return this.buffer.subarray(frameHeaderBytes, this.offset);
    return Buffer.concat(this.pieces(frameHeaderBytes));
  }

  /** toFrame — header plus body in one buffer, ready for the socket (the writer must not be reused). */
  toFrame(channelId: number, pcode: number): Buffer {
    writeFrameHeader(this.buffer, channelId, pcode, this.bodyBytes);
    if (this.shared.length === 0) return this.buffer.subarray(0, this.offset);
    return Buffer.concat(this.pieces(0));
  }

  /**
   * toFrameSegments — the frame as pieces in wire order: the header and body written here, with
   * every shared field in between as a view of its own memory (nothing copied).
   */
  toFrameSegments(channelId: number, pcode: number): Buffer[] {
    writeFrameHeader(this.buffer, channelId, pcode, this.bodyBytes);
    return this.pieces(0);
  }

  private pieces(start: number): Buffer[] {
    const pieces: Buffer[] = [];
    let from = start;
    for (const span of this.shared) {
      if (span.at > from) pieces.push(this.buffer.subarray(from, span.at));
      pieces.push(Buffer.from(span.data.buffer, span.data.byteOffset, span.data.byteLength));
      from = span.at;
    }
    if (this.offset > from) pieces.push(this.buffer.subarray(from, this.offset));
    return pieces;
  }

  private room(byteCount: number): void {
    const needed = this.offset + byteCount;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}

function checkInteger(value: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${field}: ${value} is outside ${min}..${max}`);
  }
}
