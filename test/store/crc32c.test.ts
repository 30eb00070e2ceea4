import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { crc32c } from '../../src/store/crc32c.js';

/** bitwiseCrc32c — the textbook one-bit-at-a-time definition, as an independent reference. */
function bitwiseCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('crc32c', () => {
  test('known check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43); // RFC 3720 B.4: 32 bytes of 0xff
  });

  test('matches the bitwise definition at every length and alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(7), (data, shift) => {
        const buffer = new Uint8Array(data.length + shift);
        buffer.set(data, shift);
        expect(crc32c(buffer.subarray(shift))).toBe(bitwiseCrc32c(data));
      }),
    );
  });

  test('continues across chunks: crc32c(b, crc32c(a)) = crc32c(a ‖ b)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const joined = new Uint8Array([...a, ...b]);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(joined));
      }),
    );
  });
});
