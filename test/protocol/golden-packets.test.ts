/**
 * Golden packets, written out: one captured frame of each kind with every field spelled out by
 * hand from the decoded dump (test/fixtures/captures/*.decoded.txt).
 */
import { describe, expect, it } from 'vitest';
import { frameHeaderBytes } from '../../src/protocol/frame.js';
import { decodePacket } from '../../src/protocol/packet.js';
import { inflateTable } from '../../src/protocol/table-blob.js';
import { readHexCapture } from './capture-files.js';

const ds1 = 0x0000_1447_0100_007fn; // 127.0.0.1:5191
const ds2 = 0x0000_1448_0100_007fn; // 127.0.0.1:5192
const ds3 = 0x0000_1449_0100_007fn; // 127.0.0.1:5193

function capturedBody(capture: string, time: string, pcode: number): Buffer {
  const frame = readHexCapture(capture).find((f) => f.time === time && f.pcode === pcode);
  if (!frame || frame.truncated) throw new Error(`${capture} ${time}: no complete frame of pcode ${pcode}`);
  return frame.bytes.subarray(frameHeaderBytes);
}

const noFlags = { version: 0, dataNeedMove: false, failovering: false, migrating: false };

const expectations = [
  {
    what: 'first heartbeat of a starting data server (9)',
    capture: 'heartbeat_ds1_startup',
    time: '22:13:48.118591',
    pcode: 9,
    body: {
      serverFlag: 1,
      serverId: ds1,
      notReady: false,
      transition: noFlags,
      configVersion: 0,
      recoveryVersion: 0,
      pullMigratedInfo: true,
      proxyBucketIndexes: [],
      pluginsVersion: 0,
      areaCapacityVersion: 0,
      areaCapacities: [],
      statBytes: Buffer.alloc(0),
    },
  },
  {
    what: 'first reply: counts and group name before any table exists (104)',
    capture: 'heartbeat_ds1_startup',
    time: '22:13:48.118894',
    pcode: 104,
    body: {
      clientVersion: 1,
      serverVersion: 1,
      bucketCount: 1023,
      copyCount: 2,
      downConfigServerId: 0n,
      transition: { ...noFlags, dataNeedMove: true },
      tableBlob: Buffer.alloc(0),
      groupName: 'group_1',
      plugins: [],
      pluginsVersion: 1,
      areaCapacityVersion: 10,
      areaQuotas: [],
      migratedInfo: [],
      recoveryServerIds: [],
      recoveryVersion: 0,
    },
  },
  {
    what: 'reply without a table: counts 0, empty group name, no plugin list (104)',
    capture: 'heartbeat_ds1_startup',
    time: '22:13:49.126605',
    pcode: 104,
    body: {
      clientVersion: 1,
      serverVersion: 1,
      bucketCount: 0,
      copyCount: 0,
      downConfigServerId: 0n,
      transition: { ...noFlags, dataNeedMove: true },
      tableBlob: Buffer.alloc(0),
      groupName: '',
      plugins: null,
      pluginsVersion: 1,
      areaCapacityVersion: 10,
      areaQuotas: [],
      migratedInfo: [],
      recoveryServerIds: [],
      recoveryVersion: 0,
    },
  },
  {
    what: 'heartbeat of a migration source listing a proxied bucket (9)',
    capture: 'failover_ds3_kill',
    time: '22:14:33.238646',
    pcode: 9,
    body: {
      serverFlag: 1,
      serverId: ds2,
      notReady: false,
      transition: { ...noFlags, version: 10 },
      configVersion: 12,
      recoveryVersion: 0,
      pullMigratedInfo: false,
      proxyBucketIndexes: [1002],
      pluginsVersion: 1,
      areaCapacityVersion: 12,
      areaCapacities: [],
      statBytes: Buffer.alloc(0),
    },
  },
  {
    what: 'migrate finish (1201)',
    capture: 'ds3_rejoin',
    time: '22:20:39.759613',
    pcode: 1201,
    body: { version: 14, serverId: ds1, bucketIndex: 224 },
  },
  {
    what: 'its return packet (101)',
    capture: 'ds3_rejoin',
    time: '22:20:39.766451',
    pcode: 101,
    body: { configVersion: 0, code: 0, message: '' },
  },
  {
    what: 'get_group request of the client tool (1002)',
    capture: 'client_get_group_put_get',
    time: '22:14:03.136951',
    pcode: 1002,
    body: { configVersion: 0, groupName: 'group_1' },
  },
] as const;

describe('golden packets, written out', () => {
  it.each(expectations)('$what', ({ capture, time, pcode, body }) => {
    expect(decodePacket(pcode, capturedBody(capture, time, pcode))).toEqual({ pcode, body });
  });

  it('get_group reply (1102): counts, version, servers and a copy-major client view', () => {
    const packet = decodePacket(1102, capturedBody('client_get_group_put_get', '22:14:03.137255', 1102));
    expect(packet).toMatchObject({
      pcode: 1102,
      body: { bucketCount: 1023, copyCount: 2, configVersion: 11, groupParams: [], availableServerIds: [ds1, ds2, ds3] },
    });
    if (packet.pcode !== 1102) return;
    expect(packet.body.tableBlob.length).toBe(96);
    const table = inflateTable(packet.body.tableBlob, 1023 * 2);
    expect([...table.subarray(0, 8)]).toEqual([ds3, ds2, ds1, ds3, ds2, ds1, ds3, ds2]);
    for (let bucketIndex = 0; bucketIndex < 1023; bucketIndex++) {
      const master = table[bucketIndex];
      const slave = table[1023 + bucketIndex];
      expect([ds1, ds2, ds3]).toContain(master);
      expect([ds1, ds2, ds3]).toContain(slave);
      expect(slave).not.toBe(master);
    }
  });

  it('heartbeat reply with a table during migration (104): current ‖ destination', () => {
    const packet = decodePacket(104, capturedBody('failover_ds3_kill', '22:14:32.237954', 104));
    expect(packet).toMatchObject({
      pcode: 104,
      body: {
        clientVersion: 13,
        serverVersion: 12,
        bucketCount: 1023,
        copyCount: 2,
        transition: { version: 10, dataNeedMove: true, failovering: false, migrating: true },
        groupName: 'group_1',
        plugins: null,
        areaCapacityVersion: 12,
        migratedInfo: [],
      },
    });
    if (packet.pcode !== 104) return;
    expect(packet.body.tableBlob.length).toBe(166);
    const view = inflateTable(packet.body.tableBlob, 2 * 1023 * 2);
    expect([...view.subarray(0, 8)]).toEqual([ds2, ds2, ds1, ds1, ds2, ds1, ds2, ds2]);
    // ds3 was killed: neither the current nor the destination table names it any more.
    expect(view.includes(ds3)).toBe(false);
  });
});
