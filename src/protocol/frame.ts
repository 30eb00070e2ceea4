/**
 * frame — the 16-byte tbnet frame every Tair packet travels in.
 *
 *   offset  type  field
 *   0       u32   magic 0x6D426454 ("mBdT")
 *   4       u32   channel id (a reply echoes the request's)
 *   8       i32   pcode
 *   12      i32   body length (header excluded), 0..frameBytesMax
 *   16      ...   body
 *
 * FrameDecoder is a streaming decoder for one connection. On the common path (a chunk that
 * holds whole frames) it returns views into the chunk and copies nothing. A frame split across
 * chunks is assembled in one buffer that grows with the bytes actually received (never more
 * than twice them), so a header announcing 64 MiB costs nothing until the bytes arrive.
 */
import { InputError, ProtocolError } from '../errors.js';
import { frameBytesMax } from '../limits.js';

/** frameMagic — the first four bytes of every frame. */
export const frameMagic = 0x6d426454;
/** frameHeaderBytes — the size of the frame header. */
export const frameHeaderBytes = 16;

/** Frame — one decoded frame; `body` may be a view into the chunk it arrived in. */
export interface Frame {
  channelId: number;
  pcode: number;
  body: Buffer;
}

/** FrameDecoderOptions — limits of one decoder. */
export interface FrameDecoderOptions {
  /** bodyBytesMax — largest body accepted (default frameBytesMax). */
  bodyBytesMax?: number;
}

const emptyBody = Buffer.alloc(0);

/**
 * FrameDecoder — turns a byte stream into frames. `push` throws ProtocolError on a wrong magic,
 * a negative length or an oversized frame; the decoder then stays failed (the connection that
 * sent it is to be closed) and every later `push` throws the same error.
 */
export class FrameDecoder {
  private readonly bodyBytesMax: number;
  /** assembly — a frame split across chunks, header included; `assembled` bytes are valid. */
  private assembly: Buffer = emptyBody;
  private assembled = 0;
  /** frameBytes — header plus body of the frame being assembled, −1 until its header is in. */
  private frameBytes = -1;
  private failure: ProtocolError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    this.bodyBytesMax = options.bodyBytesMax ?? frameBytesMax;
  }

  /** bufferedBytes — bytes of an incomplete frame held back for the next chunk. */
  get bufferedBytes(): number {
    return this.assembled;
  }

  /** push — feed the next chunk; returns the frames it completes, in order. */
  push(chunk: Buffer): Frame[] {
    if (this.failure) throw this.failure;
    const frames: Frame[] = [];
    let offset = 0;
    try {
      while (offset < chunk.length) {
        offset = this.assembled === 0 ? this.takeWhole(chunk, offset, frames) : this.assemble(chunk, offset, frames);
      }
    } catch (error) {
      if (error instanceof ProtocolError) this.failure = error;
      throw error;
    }
    return frames;
  }

  /** Fast path: frames that lie entirely inside the chunk become views of it. */
  private takeWhole(chunk: Buffer, start: number, frames: Frame[]): number {
    let offset = start;
    while (chunk.length - offset >= frameHeaderBytes) {
      const bodyStart = offset + frameHeaderBytes;
      const bodyEnd = bodyStart + this.checkHeader(chunk, offset);
      if (bodyEnd > chunk.length) break;
      frames.push({
        channelId: chunk.readUInt32BE(offset + 4),
        pcode: chunk.readInt32BE(offset + 8),
        body: chunk.subarray(bodyStart, bodyEnd),
      });
      offset = bodyEnd;
    }
    return offset === chunk.length ? offset : this.assemble(chunk, offset, frames);
  }

  /** Slow path: copy into the assembly buffer until the frame is complete. */
  private assemble(chunk: Buffer, start: number, frames: Frame[]): number {
    let offset = start;
    if (this.frameBytes < 0) {
      offset = this.append(chunk, offset, frameHeaderBytes);
      if (this.assembled < frameHeaderBytes) return offset;
      this.frameBytes = frameHeaderBytes + this.checkHeader(this.assembly, 0);
    }
    offset = this.append(chunk, offset, this.frameBytes);
    if (this.assembled === this.frameBytes) {
      const frame = this.assembly;
      frames.push({
        channelId: frame.readUInt32BE(4),
        pcode: frame.readInt32BE(8),
        body: frame.subarray(frameHeaderBytes, this.frameBytes),
      });
      this.assembly = emptyBody;
      this.assembled = 0;
      this.frameBytes = -1;
    }
    return offset;
  }

  /** Appends chunk bytes until `assembled` reaches `targetBytes`; grows the buffer geometrically. */
  private append(chunk: Buffer, start: number, targetBytes: number): number {
    const copied = Math.min(targetBytes - this.assembled, chunk.length - start);
    const needed = this.assembled + copied;
    if (needed > this.assembly.length) {
      const capacity = Math.min(targetBytes, Math.max(needed, this.assembly.length * 2, 256));
      const grown = Buffer.allocUnsafe(capacity);
      this.assembly.copy(grown, 0, 0, this.assembled);
      this.assembly = grown;
    }
    chunk.copy(this.assembly, this.assembled, start, start + copied);
    this.assembled = needed;
    return start + copied;
  }

  /** Validates the header at `offset` and returns its body length. */
  private checkHeader(source: Buffer, offset: number): number {
    const magic = source.readUInt32BE(offset);
    if (magic !== frameMagic) {
      throw new ProtocolError(`frame: wrong magic 0x${magic.toString(16).padStart(8, '0')}`);
    }
    const bodyBytes = source.readInt32BE(offset + 12);
    if (bodyBytes < 0) throw new ProtocolError(`frame: negative body length ${bodyBytes}`);
    if (bodyBytes > this.bodyBytesMax) {
      throw new ProtocolError(`frame: body length ${bodyBytes} is over the limit of ${this.bodyBytesMax}`);
    }
    return bodyBytes;
  }
}

/**
 * writeFrameHeader — write the 16-byte header at the start of `target`. A channel id is taken
 * modulo 2^32 (tbnet's counter wraps); a body over frameBytesMax is a caller bug (InputError),
 * since no peer would accept it.
 */
export function writeFrameHeader(target: Buffer, channelId: number, pcode: number, bodyBytes: number): void {
  checkOutgoingBodyBytes(bodyBytes);
  target.writeUInt32BE(frameMagic, 0);
  target.writeUInt32BE(channelId >>> 0, 4);
  target.writeInt32BE(pcode | 0, 8);
  target.writeInt32BE(bodyBytes, 12);
}

/** encodeFrame — header plus a copy of `body`, ready for the socket. */
export function encodeFrame(channelId: number, pcode: number, body: Uint8Array): Buffer {
  checkOutgoingBodyBytes(body.length);
  const frame = Buffer.allocUnsafe(frameHeaderBytes + body.length);
  writeFrameHeader(frame, channelId, pcode, body.length);
  frame.set(body, frameHeaderBytes);
  return frame;
}

function checkOutgoingBodyBytes(bodyBytes: number): void {
  if (bodyBytes > frameBytesMax) {
    throw new InputError(`frame: body of ${bodyBytes} bytes is over the limit of ${frameBytesMax}`);
  }
}
