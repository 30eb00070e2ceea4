/**
 * Our extension trailer: exact bytes, where it is accepted, and what original peers get instead.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { originalTableBlobBytesMax } from '../../src/limits.js';
import { decodeBody, decodePacket, encodeBody } from '../../src/protocol/packet.js';
import { Pcode } from '../../src/protocol/pcodes.js';
import { noTransition } from '../../src/protocol/packets/fields.js';
import type { HeartbeatResponse } from '../../src/protocol/packets/heartbeat-response.js';
import type { GetGroupResponse } from '../../src/protocol/packets/get-group.js';

const getGroupRequest = { configVersion: 0, groupName: 'group_1' };
const getGroupRequestBytes = '00000000' + '00000008' + Buffer.from('group_1\0').toString('hex');

function heartbeatResponse(tableBlob: Buffer): HeartbeatResponse {
  return {
    clientVersion: 11,
    serverVersion: 11,
    bucketCount: 1023,
    copyCount: 2,
    downConfigServerId: 0n,
    transition: { ...noTransition, dataNeedMove: true },
    tableBlob,
    groupName: 'group_1',
    plugins: null,
    pluginsVersion: 1,
    areaCapacityVersion: 11,
    areaQuotas: [],
    migratedInfo: [],
    recoveryServerIds: [],
    recoveryVersion: 0,
  };
}

function getGroupResponse(tableBlob: Buffer): GetGroupResponse {
  return { bucketCount: 1023, copyCount: 2, configVersion: 11, groupParams: [], tableBlob, availableServerIds: [] };
}

describe('extension trailer', () => {
  it('a request trailer is magic TCSX, version 1, flags, field bytes 8, then the epoch', () => {
    const body = encodeBody({
      pcode: Pcode.getGroupRequest,
      body: { ...getGroupRequest, extension: { epoch: 5n, largeTableAccepted: true } },
    });
    expect(body.toString('hex')).toBe(getGroupRequestBytes + '54435358' + '0001' + '0001' + '00000008' + '0000000000000005');
  });

  it('a response trailer carries the epoch and the role (1 primary, 2 secondary)', () => {
    const response = { ...getGroupResponse(Buffer.alloc(0)), extension: { epoch: 7n, role: 'secondary' as const } };
    const body = encodeBody({ pcode: Pcode.getGroupResponse, body: response });
    expect(body.subarray(-21).toString('hex')).toBe('54435358' + '0001' + '0000' + '00000009' + '0000000000000007' + '02');
    expect(decodeBody(Pcode.getGroupResponse, body).extension).toEqual({ epoch: 7n, role: 'secondary' });
  });

  it('without a trailer the body is exactly the original one', () => {
    expect(encodeBody({ pcode: Pcode.getGroupRequest, body: getGroupRequest }).toString('hex')).toBe(getGroupRequestBytes);
    expect(decodeBody(Pcode.getGroupRequest, Buffer.from(getGroupRequestBytes, 'hex'))).toEqual(getGroupRequest);
  });

  it('a newer trailer version with more fields is read for the fields we know', () => {
    const trailer = '54435358' + '0002' + '8001' + '0000000c' + '0000000000000009' + 'cafebabe';
    const decoded = decodeBody(Pcode.getGroupRequest, Buffer.from(getGroupRequestBytes + trailer, 'hex'));
    expect(decoded.extension).toEqual({ epoch: 9n, largeTableAccepted: true });
  });

  it.each([
    ['a wrong magic', '54435359' + '0001' + '0000' + '00000008' + '0000000000000009', /no extension magic/],
    ['field bytes that do not reach the end', '54435358' + '0001' + '0000' + '00000004' + '0000000000000009', /fieldBytes/],
    ['too few field bytes for version 1', '54435358' + '0001' + '0000' + '00000004' + '00000009', /under 8/],
    ['version 0', '54435358' + '0000' + '0000' + '00000008' + '0000000000000009', /not a version/],
    ['a stray byte', '00', /1 trailing bytes/],
  ])('refuses %s', (_what, trailer, message) => {
    const body = Buffer.from(getGroupRequestBytes + trailer, 'hex');
    expect(() => decodeBody(Pcode.getGroupRequest, body)).toThrow(ProtocolError);
    expect(() => decodeBody(Pcode.getGroupRequest, body)).toThrow(message);
  });

  it('refuses an unknown role', () => {
    const response = { ...getGroupResponse(Buffer.alloc(0)), extension: { epoch: 1n, role: 'primary' as const } };
    const body = encodeBody({ pcode: Pcode.getGroupResponse, body: response });
    body[body.length - 1] = 3;
    expect(() => decodeBody(Pcode.getGroupResponse, body)).toThrow(/unknown role code 3/);
  });

  it('is refused on packets that do not define it (migrate finish, op_cmd, ...)', () => {
    const trailer = Buffer.from('54435358' + '0001' + '0000' + '00000008' + '0000000000000001', 'hex');
    const finish = encodeBody({ pcode: Pcode.migrateFinish, body: { version: 14, serverId: 1n, bucketIndex: 3 } });
    expect(() => decodePacket(Pcode.migrateFinish, Buffer.concat([finish, trailer]))).toThrow(/trailing bytes/);
    const opCmd = encodeBody({ pcode: Pcode.opCmdRequest, body: { cmd: 4, params: ['group_1'] } });
    expect(() => decodePacket(Pcode.opCmdRequest, Buffer.concat([opCmd, trailer]))).toThrow(/trailing bytes/);
  });
});

describe('tables over the original blob limit', () => {
  const bigBlob = Buffer.alloc(originalTableBlobBytesMax + 1, 0x5a);
  const limitBlob = Buffer.alloc(originalTableBlobBytesMax, 0x5a);

  it('an original peer gets the heartbeat reply without the table (table size 0)', () => {
    const body = encodeBody({ pcode: Pcode.heartbeatResponse, body: heartbeatResponse(bigBlob) });
    const decoded = decodeBody(Pcode.heartbeatResponse, body);
    expect(decoded.tableBlob.length).toBe(0);
    expect(decoded).toMatchObject({ clientVersion: 11, serverVersion: 11, groupName: 'group_1' });
    expect(decoded.extension).toBeUndefined();
  });

  it('an original peer still gets a table of exactly the limit', () => {
    const body = encodeBody({ pcode: Pcode.heartbeatResponse, body: heartbeatResponse(limitBlob) });
    expect(decodeBody(Pcode.heartbeatResponse, body).tableBlob.equals(limitBlob)).toBe(true);
  });

  it('our own client (extended reply) gets the whole table, with epoch and role', () => {
    const response = { ...heartbeatResponse(bigBlob), extension: { epoch: 3n, role: 'primary' as const } };
    const decoded = decodeBody(Pcode.heartbeatResponse, encodeBody({ pcode: Pcode.heartbeatResponse, body: response }));
    expect(decoded.tableBlob.equals(bigBlob)).toBe(true);
    expect(decoded.extension).toEqual({ epoch: 3n, role: 'primary' });
  });

  it('the same holds for get_group replies', () => {
    const original = decodeBody(Pcode.getGroupResponse, encodeBody({ pcode: Pcode.getGroupResponse, body: getGroupResponse(bigBlob) }));
    expect(original.tableBlob.length).toBe(0);
    const extended = { ...getGroupResponse(bigBlob), extension: { epoch: 3n, role: 'primary' as const } };
    const decoded = decodeBody(Pcode.getGroupResponse, encodeBody({ pcode: Pcode.getGroupResponse, body: extended }));
    expect(decoded.tableBlob.equals(bigBlob)).toBe(true);
  });
});
