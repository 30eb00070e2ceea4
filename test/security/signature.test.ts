/**
 * The signed-request trailer: a signature made with the key verifies, and any change to the
 * pcode, the body, the stamp or the key makes it fail; unsigned bodies pass through untouched.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { signatureMatches, signatureTrailerBytes, signBody, splitSignature } from '../../src/protocol/signature.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const bodyArb = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes));

describe('signature trailer', () => {
  test('round trip: the split gives the body back and the MAC matches', () => {
    fc.assert(
      fc.property(bodyArb, fc.integer({ min: 1, max: 2000 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (body, pcode, nonce) => {
        const signed = signBody(pcode, body, key, 1_700_000_000_000, nonce);
        expect(signed.length).toBe(body.length + signatureTrailerBytes);
        const split = splitSignature(signed);
        expect(split.body.equals(body)).toBe(true);
        expect(split.signature).toMatchObject({ timeMs: 1_700_000_000_000, nonce });
        expect(signatureMatches(pcode, split.body, split.signature!, key)).toBe(true);
      }),
    );
  });

  test('any flipped bit of the signed bytes, another pcode or another key fails the check', () => {
    fc.assert(
      fc.property(bodyArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (body, at, bit) => {
        const signed = signBody(16, body, key, 1_700_000_000_000, 7n);
        const index = at % signed.length;
        const tampered = Buffer.from(signed);
        tampered[index] ^= 1 << bit;
        const split = (() => {
          try {
            return splitSignature(tampered);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
            return null;
          }
        })();
        if (split?.signature) expect(signatureMatches(16, split.body, split.signature, key)).toBe(false);
        const clean = splitSignature(signed);
        expect(signatureMatches(17, clean.body, clean.signature!, key)).toBe(false);
        expect(signatureMatches(16, clean.body, clean.signature!, Buffer.from('another key of 16 bytes'))).toBe(false);
      }),
    );
  });

  test('a body without the trailer is returned as it is', () => {
    fc.assert(
      fc.property(bodyArb, (body) => {
        fc.pre(body.length < signatureTrailerBytes || body.readUInt32BE(body.length - signatureTrailerBytes) !== 0x54435347);
        const split = splitSignature(body);
        expect(split.signature).toBeNull();
        expect(split.body).toBe(body);
      }),
    );
  });

  test('an unknown trailer version is a ProtocolError', () => {
    const signed = signBody(16, Buffer.from('x'), key, 1);
    signed.writeUInt16BE(2, 1 + 4);
    expect(() => splitSignature(signed)).toThrow(ProtocolError);
  });
});
