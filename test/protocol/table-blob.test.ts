import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deflateSync, inflateSync } from 'node:zlib';
import { ProtocolError, InputError } from '../../src/errors.js';
import { originalTableBlobBytesMax, tableInflateBytesMax } from '../../src/limits.js';
import { compressTable, dataServerView, inflateTable, tableBlobFitsOriginalPeer } from '../../src/protocol/table-blob.js';

const ds1 = 0x0000_1447_0100_007fn;
const ds2 = 0x0000_1448_0100_007fn;

describe('table blobs', () => {
  it('are zlib (RFC 1950) of raw little-endian u64 ids', () => {
    const blob = compressTable(BigUint64Array.of(ds1, ds2));
    expect(blob[0]).toBe(0x78);
    expect(inflateSync(blob).toString('hex')).toBe('7f00000147140000' + '7f00000148140000');
  });

  it('an all-zero table is the empty blob, and the empty blob is the all-zero table', () => {
    expect(compressTable(new BigUint64Array(2046)).length).toBe(0);
    expect(inflateTable(Buffer.alloc(0), 4)).toEqual(new BigUint64Array(4));
  });

  it('round-trip any table (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 300 }), (ids) => {
        const table = BigUint64Array.from(ids);
        expect(inflateTable(compressTable(table), table.length)).toEqual(table);
      }),
      { numRuns: 100 },
    );
  });

  it('refuse a blob that inflates to another size than expected', () => {
    const blob = compressTable(BigUint64Array.of(ds1, ds2, ds1));
    expect(() => inflateTable(blob, 4)).toThrow(/inflates to 24 bytes, expected 32/);
    expect(() => inflateTable(blob, 2)).toThrow(ProtocolError);
    expect(() => inflateTable(blob, 0)).toThrow(ProtocolError);
  });

  it('stop inflating at the expected size (a zlib bomb costs only what was expected)', () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => inflateTable(bomb, 16)).toThrow(ProtocolError);
  });

  it('refuse a slot count over the limit before inflating anything', () => {
    expect(() => inflateTable(Buffer.from([0x78]), tableInflateBytesMax / 8 + 1)).toThrow(/slots is outside/);
    expect(() => inflateTable(Buffer.from([0x78]), -1)).toThrow(ProtocolError);
  });

  it('refuse corrupt or arbitrary bytes with ProtocolError only (fuzz)', () => {
    const valid = compressTable(BigUint64Array.from({ length: 64 }, (_, i) => BigInt(i + 1)));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 100 }),
          fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
            const mutated = Buffer.from(valid);
            mutated[at] = value;
            return mutated;
          }),
        ),
        (blob) => {
          try {
            expect(inflateTable(blob, 64).length).toBe(64);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a data-server view is current followed by destination', () => {
    expect(dataServerView(BigUint64Array.of(1n, 2n), BigUint64Array.of(3n, 4n))).toEqual(BigUint64Array.of(1n, 2n, 3n, 4n));
    expect(() => dataServerView(BigUint64Array.of(1n), BigUint64Array.of(3n, 4n))).toThrow(InputError);
  });

  it('original peers take blobs up to 1,000,000 bytes', () => {
    expect(tableBlobFitsOriginalPeer(Buffer.alloc(originalTableBlobBytesMax))).toBe(true);
    expect(tableBlobFitsOriginalPeer(Buffer.alloc(originalTableBlobBytesMax + 1))).toBe(false);
  });
});
