/**
 * Fuzzing the body decoders: arbitrary bytes and mutated valid bodies either decode or throw
 * ProtocolError — never RangeError, never a hang, never an allocation a count merely promised.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError } from '../../src/errors.js';
import { decodeBody, decodePacket, decodeRequest, encodeBody, type Packet } from '../../src/protocol/packet.js';
import { Pcode, pcodeName } from '../../src/protocol/pcodes.js';
import { allPcodes, anyPacket, packetOf } from './arbitraries.js';

function decodesOrRefuses(pcode: number, body: Buffer): void {
  try {
    decodePacket(pcode, body);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

type Mutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function mutate(body: Buffer, mutations: Mutation[]): Buffer {
  let bytes = Buffer.from(body);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : 'at' in m ? m.at % bytes.length : 0;
    if (m.kind === 'set' && bytes.length > 0) bytes[at] = m.value;
    if (m.kind === 'truncate') bytes = bytes.subarray(0, at);
    if (m.kind === 'append') bytes = Buffer.concat([bytes, m.bytes]);
    if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
  }
  return bytes;
}

/** A body of `head` followed by a count field promising far more elements than there are bytes. */
function hugeCountBody(head: number[], countBytes: number[] = [0xff, 0xff, 0xff, 0xff]): Buffer {
  return Buffer.from([...head, ...countBytes, 1, 2, 3]);
}

describe('body decoders under fuzzing', () => {
  it.each(allPcodes.map((pcode) => [pcodeName(pcode), pcode] as const))('%s (%i): arbitrary bytes decode or throw ProtocolError', (_name, pcode) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrRefuses(pcode, Buffer.from(bytes))),
      { numRuns: 200 },
    );
  });

  it('mutated valid bodies decode or throw ProtocolError', () => {
    fc.assert(
      fc.property(anyPacket, fc.array(mutation, { minLength: 1, maxLength: 4 }), (packet, mutations) => {
        decodesOrRefuses(packet.pcode, mutate(encodeBody(packet), mutations));
      }),
      { numRuns: 1000 },
    );
  });

  it('a valid body under another pcode decodes or throws ProtocolError', () => {
    fc.assert(
      fc.property(anyPacket, fc.constantFrom(...allPcodes), (packet, otherPcode) => {
        decodesOrRefuses(otherPcode, encodeBody(packet));
      }),
      { numRuns: 500 },
    );
  });

  it.each(allPcodes.map((pcode) => [pcodeName(pcode), pcode] as const))('%s (%i): one trailing byte, or one byte missing, is refused', (_name, pcode) => {
    fc.assert(
      fc.property(packetOf(pcode), fc.integer({ min: 0, max: 255 }), (packet: Packet, extra) => {
        const body = encodeBody(packet);
        expect(() => decodeBody(packet.pcode, Buffer.concat([body, Buffer.from([extra])]))).toThrow(ProtocolError);
        if (body.length > 0) expect(() => decodeBody(packet.pcode, body.subarray(0, -1))).toThrow(ProtocolError);
      }),
      { numRuns: 40 },
    );
  });

  it.each([
    ['op_cmd params', Pcode.opCmdRequest, hugeCountBody([0, 0, 0, 4], [0x7f, 0xff, 0xff, 0xff])],
    ['op_cmd infos', Pcode.opCmdResponse, hugeCountBody([0, 0, 0, 0], [0x7f, 0xff, 0xff, 0xff])],
    ['group names', Pcode.groupNamesResponse, hugeCountBody([0, 0, 0, 1], [0x7f, 0xff, 0xff, 0xff])],
    ['query_info map', Pcode.queryInfoResponse, hugeCountBody([])],
    ['non-down servers', Pcode.nonDownDataServersResponse, hugeCountBody([0, 0, 0, 0], [0x7f, 0xff, 0xff, 0xff])],
    ['migrating machines', Pcode.migratingMachinesResponse, hugeCountBody([], [0x7f, 0xff, 0xff, 0xff])],
    ['ds control servers', Pcode.dataServerControlRequest, hugeCountBody([], [0x7f, 0xff, 0xff, 0xff])],
    ['ds control codes', Pcode.dataServerControlResponse, hugeCountBody([], [0x7f, 0xff, 0xff, 0xff])],
    ['get_group params', Pcode.getGroupResponse, hugeCountBody([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0])],
    ['heartbeat buckets', Pcode.heartbeatRequest, hugeCountBody([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
  ])('%s: a count or length beyond the body is refused before allocating', (_what, pcode, body) => {
    expect(() => decodePacket(pcode, body)).toThrow(ProtocolError);
    expect(() => decodePacket(pcode, body)).toThrow(/count \d+ needs more than the \d+ bytes left/);
  });

  it('a string length beyond the body is refused before reading', () => {
    expect(() => decodePacket(Pcode.getGroupRequest, hugeCountBody([0, 0, 0, 0]))).toThrow(/needs 4294967295 bytes, 3 left/);
  });

  it('negative counts are refused', () => {
    const body = Buffer.from([0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe]);
    expect(() => decodeRequest(Pcode.opCmdRequest, body)).toThrow(/negative count -2/);
  });
});
