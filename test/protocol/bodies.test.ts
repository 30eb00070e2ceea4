/**
 * Body details that the golden captures do not show: empty lists and strings, the failovering
 * part of heartbeat replies, plugin names, the fixed group name field, dispatch by pcode.
 */
import { describe, expect, it } from 'vitest';
import { InputError, ProtocolError } from '../../src/errors.js';
import { decodeBody, decodeRequest, decodeResponse, encodeBody } from '../../src/protocol/packet.js';
import { Pcode } from '../../src/protocol/pcodes.js';
import { noTransition, packTransitionInfo, unpackTransitionInfo } from '../../src/protocol/packets/fields.js';
import type { HeartbeatResponse } from '../../src/protocol/packets/heartbeat-response.js';

function heartbeatResponse(overrides: Partial<HeartbeatResponse>): HeartbeatResponse {
  return {
    clientVersion: 10,
    serverVersion: 10,
    bucketCount: 0,
    copyCount: 0,
    downConfigServerId: 0n,
    transition: noTransition,
    tableBlob: Buffer.alloc(0),
    groupName: 'group_1',
    plugins: null,
    pluginsVersion: 1,
    areaCapacityVersion: 10,
    areaQuotas: [],
    migratedInfo: [],
    recoveryServerIds: [],
    recoveryVersion: 0,
    ...overrides,
  };
}

describe('packet bodies', () => {
  it('non-down data servers: the empty list (8 bytes) decodes, unlike in the original client', () => {
    expect(decodeBody(Pcode.nonDownDataServersResponse, Buffer.from('0000000b00000000', 'hex'))).toEqual({
      configVersion: 11,
      serverIds: [],
    });
  });

  it('op_cmd: empty string parameters decode to "" and are written as length 0', () => {
    const body = Buffer.from('00000003' + '00000003' + '00000000' + '00000000' + '00000003' + '616200', 'hex');
    expect(decodeRequest(Pcode.opCmdRequest, body)).toEqual({ pcode: 16, body: { cmd: 3, params: ['', '', 'ab'] } });
    expect(encodeBody({ pcode: 16, body: { cmd: 3, params: ['', '', 'ab'] } })).toEqual(body);
  });

  it('a string of length 1 (just the NUL) decodes to ""; text stops at the first NUL', () => {
    expect(decodeBody(Pcode.opCmdRequest, Buffer.from('00000004' + '00000001' + '0000000100', 'hex')).params).toEqual(['']);
    expect(decodeBody(Pcode.opCmdRequest, Buffer.from('00000004' + '00000001' + '00000004' + '61006200', 'hex')).params).toEqual(['a']);
  });

  it('a heartbeat reply carries the recovery part only when failovering', () => {
    const quiet = encodeBody({ pcode: 104, body: heartbeatResponse({}) });
    const failovering = heartbeatResponse({
      transition: { ...noTransition, failovering: true, version: 12 },
      recoveryServerIds: [0x0000_1449_0100_007fn],
      recoveryVersion: 15,
    });
    const withRecovery = encodeBody({ pcode: 104, body: failovering });
    expect(withRecovery.length - quiet.length).toBe(4 + 8 + 4);
    expect(withRecovery.subarray(-16).toString('hex')).toBe('00000001' + '000014490100007f' + '0000000f');
    expect(decodeBody(104, withRecovery)).toEqual(failovering);
    expect(() => decodeBody(104, withRecovery.subarray(0, -16))).toThrow(ProtocolError);
  });

  it('refuses to encode recovery fields that would be dropped', () => {
    const response = heartbeatResponse({ recoveryVersion: 3 });
    expect(() => encodeBody({ pcode: 104, body: response })).toThrow(InputError);
  });

  it('plugins: −1 is "no list", 0 an empty list, n names without NUL', () => {
    const names = encodeBody({ pcode: 104, body: heartbeatResponse({ plugins: ['a', 'bc'] }) });
    expect(names.toString('hex')).toContain('00000002' + '00000001' + '00000001' + '61' + '00000002' + '6263');
    expect(decodeBody(104, names).plugins).toEqual(['a', 'bc']);
    expect(decodeBody(104, encodeBody({ pcode: 104, body: heartbeatResponse({ plugins: [] }) })).plugins).toEqual([]);
    expect(decodeBody(104, encodeBody({ pcode: 104, body: heartbeatResponse({}) })).plugins).toBeNull();
  });

  it('plugins: a name over 255 bytes is refused both ways', () => {
    expect(() => encodeBody({ pcode: 104, body: heartbeatResponse({ plugins: ['x'.repeat(256)] }) })).toThrow(InputError);
    const body = encodeBody({ pcode: 104, body: heartbeatResponse({ plugins: ['x'.repeat(255)] }) });
    expect(decodeBody(104, body).plugins).toEqual(['x'.repeat(255)]);
    const offset = body.indexOf(Buffer.from('000000ff', 'hex'));
    body.writeUInt32BE(256, offset);
    expect(() => decodeBody(104, body)).toThrow(/over 255/);
  });

  it('group name: zero-filled 64 bytes on the wire; stale bytes after the NUL are ignored', () => {
    const body = encodeBody({ pcode: 104, body: heartbeatResponse({}) });
    const field = body.subarray(32, 96);
    expect(field).toEqual(Buffer.concat([Buffer.from('group_1'), Buffer.alloc(57)]));
    field.fill(0xa5, 8);
    expect(decodeBody(104, body).groupName).toBe('group_1');
    field.fill(0x41);
    expect(() => decodeBody(104, body)).toThrow(/no NUL/);
  });

  it('group name: 63 bytes fit, 64 do not', () => {
    const longest = 'g'.repeat(63);
    expect(decodeBody(104, encodeBody({ pcode: 104, body: heartbeatResponse({ groupName: longest }) })).groupName).toBe(longest);
    expect(() => encodeBody({ pcode: 104, body: heartbeatResponse({ groupName: 'g'.repeat(64) }) })).toThrow(InputError);
  });

  it('heartbeat request: bit 63 of the server id is the not-ready flag', () => {
    const request = {
      serverFlag: 1,
      serverId: 0x0000_1447_0100_007fn,
      notReady: true,
      transition: noTransition,
      configVersion: 0,
      recoveryVersion: 0,
      pullMigratedInfo: true,
      proxyBucketIndexes: [],
      pluginsVersion: 0,
      areaCapacityVersion: 0,
      areaCapacities: [],
      statBytes: Buffer.alloc(0),
    };
    const body = encodeBody({ pcode: 9, body: request });
    expect(body.subarray(1, 9).toString('hex')).toBe('800014470100007f');
    expect(decodeBody(9, body)).toEqual(request);
  });

  it('transition info packs the version in bits 8..31 and the three flags in bits 0..2', () => {
    expect(packTransitionInfo({ version: 14, dataNeedMove: true, failovering: false, migrating: true })).toBe(0xe05);
    expect(unpackTransitionInfo(0xa05)).toEqual({ version: 10, dataNeedMove: true, failovering: false, migrating: true });
    expect(packTransitionInfo({ ...noTransition, version: 0xff_ffff, failovering: true })).toBe(0xffff_ff02);
    expect(() => packTransitionInfo({ ...noTransition, version: 0x100_0000 })).toThrow(InputError);
  });

  it('dispatch: unknown pcodes and pcodes of the wrong direction are refused', () => {
    expect(() => decodeRequest(1, Buffer.alloc(0))).toThrow(/pcode 1 is not a request/);
    expect(() => decodeRequest(Pcode.heartbeatResponse, Buffer.alloc(0))).toThrow(/heartbeatResponse is not a request/);
    expect(() => decodeResponse(Pcode.heartbeatRequest, Buffer.alloc(0))).toThrow(/not a response/);
    expect(() => decodeBody(77 as never, Buffer.alloc(0))).toThrow(/unknown pcode 77/);
    expect(
      decodeRequest(
        Pcode.serverTable,
        encodeBody({
          pcode: Pcode.serverTable,
          body: { modifiedTimeS: 1, type: 1, groupName: '', originalBytes: 0, data: Buffer.from('x') },
        }),
      ).pcode,
    ).toBe(Pcode.serverTable);
  });

  it('errors name the packet and the offset', () => {
    expect(() => decodeBody(Pcode.migrateFinish, Buffer.alloc(5))).toThrow('migrateFinish at byte 4: server_id: needs 8 bytes, 1 left');
  });
});
