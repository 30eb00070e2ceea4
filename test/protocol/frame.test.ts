import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError, InputError } from '../../src/errors.js';
import { frameBytesMax } from '../../src/limits.js';
import { FrameDecoder, encodeFrame, frameHeaderBytes, type Frame } from '../../src/protocol/frame.js';
import { readHexCapture } from './capture-files.js';

function header(magic: number, channelId: number, pcode: number, bodyBytes: number): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(magic, 0);
  bytes.writeUInt32BE(channelId, 4);
  bytes.writeInt32BE(pcode, 8);
  bytes.writeInt32BE(bodyBytes, 12);
  return bytes;
}

function plain(frames: Frame[]): Array<{ channelId: number; pcode: number; body: string }> {
  return frames.map((f) => ({ channelId: f.channelId, pcode: f.pcode, body: f.body.toString('hex') }));
}

/** The complete frames of a capture, as one byte stream. */
const captureStream = Buffer.concat(
  readHexCapture('heartbeat_ds1_startup')
    .filter((f) => !f.truncated)
    .map((f) => f.bytes),
);
const captureFrames = plain(new FrameDecoder().push(captureStream));

describe('encodeFrame', () => {
  it('writes magic, channel id, pcode and body length big-endian, then the body', () => {
    const frame = encodeFrame(0x65, 104, Buffer.from([0xaa, 0xbb]));
    expect(frame.toString('hex')).toBe('6d426454' + '00000065' + '00000068' + '00000002' + 'aabb');
  });

  it('refuses a body over the frame limit', () => {
    expect(() => encodeFrame(1, 9, Buffer.allocUnsafe(frameBytesMax + 1))).toThrow(InputError);
  });
});

describe('FrameDecoder', () => {
  it('returns every frame of a chunk as views of it, without copying', () => {
    const chunk = Buffer.concat([encodeFrame(1, 9, Buffer.from('abc')), encodeFrame(2, 104, Buffer.alloc(0))]);
    const frames = new FrameDecoder().push(chunk);
    expect(plain(frames)).toEqual([
      { channelId: 1, pcode: 9, body: '616263' },
      { channelId: 2, pcode: 104, body: '' },
    ]);
    expect(frames[0].body.buffer).toBe(chunk.buffer);
  });

  it('decodes the captured stream with the same frames however it is split in two', () => {
    expect(captureFrames.length).toBeGreaterThan(10);
    for (let cut = 0; cut <= captureStream.length; cut++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(captureStream.subarray(0, cut)), ...decoder.push(captureStream.subarray(cut))];
      expect(plain(frames)).toEqual(captureFrames);
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  it('decodes the captured stream with the same frames when fed byte by byte', () => {
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    for (let i = 0; i < captureStream.length; i++) frames.push(...decoder.push(captureStream.subarray(i, i + 1)));
    expect(plain(frames)).toEqual(captureFrames);
  });

  it('decodes the same frames for any split into many chunks (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: captureStream.length }), { maxLength: 40 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), captureStream.length];
        const decoder = new FrameDecoder();
        const frames: Frame[] = [];
        for (let i = 1; i < points.length; i++) frames.push(...decoder.push(captureStream.subarray(points[i - 1], points[i])));
        expect(plain(frames)).toEqual(captureFrames);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps bodies of assembled frames intact after later chunks arrive', () => {
    const first = encodeFrame(7, 9, Buffer.from('first body'));
    const second = encodeFrame(8, 9, Buffer.from('second body'));
    const decoder = new FrameDecoder();
    const out = [...decoder.push(first.subarray(0, 20)), ...decoder.push(Buffer.concat([first.subarray(20), second.subarray(0, 5)]))];
    out.push(...decoder.push(second.subarray(5)));
    expect(out.map((f) => f.body.toString())).toEqual(['first body', 'second body']);
  });

  it('rejects a wrong magic, and stays failed', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.push(header(0x6d426455, 1, 9, 0))).toThrow(/wrong magic 0x6d426455/);
    expect(() => decoder.push(encodeFrame(1, 9, Buffer.alloc(0)))).toThrow(ProtocolError);
  });

  it('rejects a wrong magic after a good frame in the same chunk', () => {
    const chunk = Buffer.concat([encodeFrame(1, 9, Buffer.alloc(0)), header(0, 2, 9, 0)]);
    expect(() => new FrameDecoder().push(chunk)).toThrow(ProtocolError);
  });

  it('rejects a negative body length', () => {
    expect(() => new FrameDecoder().push(header(0x6d426454, 1, 9, -1))).toThrow(/negative body length -1/);
  });

  it('rejects a body length over the limit as soon as the header is in, before any body byte', () => {
    expect(() => new FrameDecoder().push(header(0x6d426454, 1, 9, frameBytesMax + 1))).toThrow(/over the limit/);
    const small = new FrameDecoder({ bodyBytesMax: 100 });
    expect(() => small.push(header(0x6d426454, 1, 9, 101))).toThrow(ProtocolError);
    expect(new FrameDecoder({ bodyBytesMax: 100 }).push(header(0x6d426454, 1, 9, 100))).toEqual([]);
  });

  it('checks a header split across chunks too', () => {
    const bad = header(0x12345678, 1, 9, 0);
    const decoder = new FrameDecoder();
    expect(decoder.push(bad.subarray(0, 7))).toEqual([]);
    expect(() => decoder.push(bad.subarray(7))).toThrow(/wrong magic/);
  });

  it('holds back only the bytes received for a frame announcing the maximum size', () => {
    const decoder = new FrameDecoder();
    const head = header(0x6d426454, 1, 9, frameBytesMax);
    expect(decoder.push(Buffer.concat([head, Buffer.alloc(1000)]))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(frameHeaderBytes + 1000);
  });

  it('only ever throws ProtocolError on arbitrary bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const decoder = new FrameDecoder({ bodyBytesMax: 1 << 16 });
        try {
          for (const chunk of chunks) decoder.push(Buffer.from(chunk));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('only ever throws ProtocolError on mutated captured streams (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(captureStream.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(captureStream.length),
        (mutations, cut) => {
          const stream = Buffer.from(captureStream);
          for (const [offset, value] of mutations) stream[offset] = value;
          const decoder = new FrameDecoder();
          try {
            decoder.push(stream.subarray(0, cut));
            decoder.push(stream.subarray(cut));
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
