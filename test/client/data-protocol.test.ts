import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DataPcode,
  decodeDataReply,
  decodeDataRequest,
  encodeDataReply,
  encodeDataRequest,
  isDataRequestPcode,
  type DataRequest,
} from '../../src/client/data-protocol.js';
import { ProtocolError } from '../../src/errors.js';
import { FrameDecoder, Pcode } from '../../src/protocol/index.js';

function frameOf(bytes: Buffer) {
  const [frame] = new FrameDecoder().push(bytes);
  return frame;
}

const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength }).map((array) => Buffer.from(array));
const request: fc.Arbitrary<DataRequest> = fc.oneof(
  fc.record({ pcode: fc.constant(DataPcode.put), key: bytes(1, 40), value: bytes(0, 100) }),
  fc.record({ pcode: fc.constant(DataPcode.get), key: bytes(1, 40) }),
  fc.record({ pcode: fc.constant(DataPcode.remove), key: bytes(1, 40) }),
  fc.record({
    pcode: fc.constant(DataPcode.replicate),
    bucketIndex: fc.nat(),
    op: fc.constantFrom('put' as const, 'remove' as const),
    key: bytes(1, 40),
    value: bytes(0, 40),
  }),
  fc.record({ pcode: fc.constant(DataPcode.migrateBegin), bucketIndex: fc.nat(), serverVersion: fc.nat() }),
  fc.record({
    pcode: fc.constant(DataPcode.migrateBatch),
    bucketIndex: fc.nat(),
    entries: fc.array(fc.record({ key: bytes(1, 20), value: bytes(0, 20) }), { maxLength: 5 }),
  }),
  fc.record({ pcode: fc.constant(DataPcode.migrateEnd), bucketIndex: fc.nat(), entryCount: fc.nat() }),
);

describe('data protocol', () => {
  test('every request survives encode → frame → decode, keeping its channel id', () => {
    fc.assert(
      fc.property(request, fc.integer({ min: 100, max: 0xfffffffe }), (original, channelId) => {
        const frame = frameOf(encodeDataRequest(channelId, original));
        expect(frame.channelId).toBe(channelId);
        expect(frame.pcode).toBe(original.pcode);
        expect(isDataRequestPcode(frame.pcode)).toBe(true);
        expect(decodeDataRequest(frame)).toEqual(original);
      }),
    );
  });

  test('the data return carries the version, the code and the value', () => {
    const frame = frameOf(encodeDataReply(123, { configVersion: 42, code: 0, value: Buffer.from('hello') }));
    expect(frame).toMatchObject({ channelId: 123, pcode: 5100 });
    expect(frame.body.toString('hex')).toBe('0000002a' + '00000000' + '00000005' + Buffer.from('hello').toString('hex'));
    expect(decodeDataReply(frame)).toEqual({ configVersion: 42, code: 0, value: Buffer.from('hello') });
  });

  test('the pcodes stay clear of the config-server protocol', () => {
    for (const pcode of Object.values(Pcode)) expect(isDataRequestPcode(pcode)).toBe(false);
    for (const pcode of Object.values(DataPcode)) expect(pcode).toBeGreaterThanOrEqual(5000);
  });

  test('an empty key, an over-long key or value, or trailing bytes are ProtocolErrors', () => {
    const put = (keyBytes: number, valueBytes: number) => {
      const body = Buffer.alloc(8 + keyBytes + valueBytes);
      body.writeUInt32BE(keyBytes, 0);
      body.writeUInt32BE(valueBytes, 4 + keyBytes);
      return { channelId: 1, pcode: DataPcode.put, body };
    };
    expect(decodeDataRequest(put(1, 0))).toMatchObject({ pcode: DataPcode.put });
    expect(() => decodeDataRequest(put(0, 1))).toThrow(ProtocolError);
    expect(() => decodeDataRequest(put(1025, 1))).toThrow(/key/);
    expect(() => decodeDataRequest(put(1, 1024 * 1024 + 1))).toThrow(/value/);
    const trailing = put(1, 0);
    expect(() => decodeDataRequest({ ...trailing, body: Buffer.concat([trailing.body, Buffer.alloc(1)]) })).toThrow(ProtocolError);
    expect(() => decodeDataRequest({ channelId: 1, pcode: 9, body: Buffer.alloc(0) })).toThrow(ProtocolError);
    expect(() => decodeDataReply({ channelId: 1, pcode: DataPcode.put, body: Buffer.alloc(12) })).toThrow(ProtocolError);
  });

  test('fuzz: arbitrary bodies decode or throw ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(DataPcode)), fc.uint8Array({ maxLength: 64 }), (pcode, body) => {
        const frame = { channelId: 1, pcode, body: Buffer.from(body) };
        for (const decode of [decodeDataRequest, decodeDataReply]) {
          try {
            decode(frame);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
