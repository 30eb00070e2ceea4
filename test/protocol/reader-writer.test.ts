import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError, ProtocolError } from '../../src/errors.js';
import { BodyReader } from '../../src/protocol/reader.js';
import { BodyWriter } from '../../src/protocol/writer.js';

function written(write: (writer: BodyWriter) => void): string {
  const writer = new BodyWriter(4);
  write(writer);
  return writer.toBody().toString('hex');
}

describe('BodyWriter', () => {
  it('writes integers big-endian', () => {
    expect(written((w) => w.u8(1, 'a'))).toBe('01');
    expect(written((w) => w.u16(0x0102, 'a'))).toBe('0102');
    expect(written((w) => w.u32(0xfffffffe, 'a'))).toBe('fffffffe');
    expect(written((w) => w.i32(-2, 'a'))).toBe('fffffffe');
    expect(written((w) => w.u64(0x0000_1447_0100_007fn, 'a'))).toBe('000014470100007f');
  });

  it('writes Tair strings: length including NUL, bytes, NUL; "" is a bare 0 length', () => {
    expect(written((w) => w.string('group_1', 's'))).toBe('00000008' + '67726f75705f3100');
    expect(written((w) => w.string('', 's'))).toBe('00000000');
    expect(written((w) => w.string('é', 's'))).toBe('00000003' + 'c3a900');
  });

  it('writes the fixed group name zero-filled to 64 bytes', () => {
    expect(written((w) => w.groupNameField('g1', 'n'))).toBe('6731' + '00'.repeat(62));
    expect(() => written((w) => w.groupNameField('g'.repeat(64), 'n'))).toThrow(InputError);
  });

  it('refuses values that do not fit their field (a caller bug, not wrapped)', () => {
    expect(() => written((w) => w.u8(256, 'a'))).toThrow(InputError);
    expect(() => written((w) => w.u32(-1, 'a'))).toThrow(InputError);
    expect(() => written((w) => w.u32(1.5, 'a'))).toThrow(InputError);
    expect(() => written((w) => w.i32(2 ** 31, 'a'))).toThrow(InputError);
    expect(() => written((w) => w.u64(1n << 64n, 'a'))).toThrow(InputError);
    expect(() => written((w) => w.string('a\0b', 'a'))).toThrow(/cannot contain NUL/);
  });

  it('frames the body in place: header then body in one buffer', () => {
    const writer = new BodyWriter(1);
    writer.u32(7, 'x');
    expect(writer.toFrame(0x65, 9).toString('hex')).toBe('6d426454' + '00000065' + '00000009' + '00000004' + '00000007');
  });

  it('grows past its initial size without losing bytes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), (pieces) => {
        const writer = new BodyWriter(1);
        for (const piece of pieces) writer.lengthPrefixedBytes(piece, 'p');
        const reader = new BodyReader(writer.toBody(), 'test');
        for (const piece of pieces) expect(reader.lengthPrefixedBytes('p')).toEqual(Buffer.from(piece));
        reader.expectEnd();
      }),
    );
  });
});

describe('BodyReader', () => {
  it('reads what the writer wrote (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('\0')),
        (u32, i32, u64, text) => {
          const writer = new BodyWriter();
          writer.u32(u32, 'a');
          writer.i32(i32, 'b');
          writer.u64(u64, 'c');
          writer.string(text, 'd');
          const reader = new BodyReader(writer.toBody(), 'test');
          expect([reader.u32('a'), reader.i32('b'), reader.u64('c'), reader.string('d')]).toEqual([u32, i32, u64, text]);
          reader.expectEnd();
        },
      ),
    );
  });

  it('throws ProtocolError, never RangeError, when a field runs past the end', () => {
    const reader = new BodyReader(Buffer.from('000000', 'hex'), 'ping');
    expect(() => reader.u32('config_version')).toThrow(ProtocolError);
    expect(() => reader.u32('config_version')).toThrow('ping at byte 0: config_version: needs 4 bytes, 3 left');
    expect(() => new BodyReader(Buffer.alloc(7), 'x').u64('id')).toThrow(ProtocolError);
  });

  it('refuses trailing bytes', () => {
    const reader = new BodyReader(Buffer.alloc(5), 'ping');
    reader.u32('a');
    expect(() => reader.expectEnd()).toThrow('ping at byte 4: 1 trailing bytes');
  });

  it('checks a count against the bytes left before anything is allocated', () => {
    const reader = new BodyReader(Buffer.from('00000003' + '00'.repeat(23), 'hex'), 'x');
    expect(() => reader.count('ids', 8)).toThrow('x at byte 4: ids: count 3 needs more than the 23 bytes left');
    expect(new BodyReader(Buffer.from('00000003' + '00'.repeat(24), 'hex'), 'x').count('ids', 8)).toBe(3);
    expect(() => new BodyReader(Buffer.from('ffffffff', 'hex'), 'x').count('n', 1, true)).toThrow(/negative count -1/);
  });

  it('returns byte fields as views of the body, not copies', () => {
    const body = Buffer.from('00000002abcd', 'hex');
    expect(new BodyReader(body, 'x').lengthPrefixedBytes('blob').buffer).toBe(body.buffer);
  });
});
