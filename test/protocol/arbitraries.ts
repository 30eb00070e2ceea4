/**
 * arbitraries — fast-check generators for every packet body we speak, keyed by pcode.
 */
import fc from 'fast-check';
import { Pcode } from '../../src/protocol/pcodes.js';
import type { Packet, PacketBodies } from '../../src/protocol/packet.js';
import type { RequestExtension, ResponseExtension } from '../../src/protocol/extension.js';
import type { TransitionInfo } from '../../src/protocol/packets/fields.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const i32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const smallList = { maxLength: 5 };

/** tairString — text a Tair string can carry (no NUL). */
export const tairString = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0'));
/** groupName — text the fixed 64-byte group name field can carry. */
export const groupName = tairString.filter((s) => Buffer.byteLength(s) <= 63);
const blob = fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes));
const keyValue = fc.record({ key: tairString, value: tairString });
const areaAmount = fc.record({ area: u32, bytes: u64 });

/** transitionInfo — any transition state. */
export const transitionInfo: fc.Arbitrary<TransitionInfo> = fc.record({
  version: fc.integer({ min: 0, max: 0xff_ffff }),
  dataNeedMove: fc.boolean(),
  failovering: fc.boolean(),
  migrating: fc.boolean(),
});

/** requestExtension — any request trailer. */
export const requestExtension: fc.Arbitrary<RequestExtension> = fc.record({ epoch: u64, largeTableAccepted: fc.boolean() });
/** responseExtension — any response trailer. */
export const responseExtension: fc.Arbitrary<ResponseExtension> = fc.record({
  epoch: u64,
  role: fc.constantFrom('primary' as const, 'secondary' as const),
});

const heartbeatRequest: fc.Arbitrary<PacketBodies[9]> = fc.record(
  {
    serverFlag: u8,
    serverId: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
    notReady: fc.boolean(),
    transition: transitionInfo,
    configVersion: u32,
    recoveryVersion: u32,
    pullMigratedInfo: fc.boolean(),
    proxyBucketIndexes: fc.array(u32, smallList),
    pluginsVersion: u32,
    areaCapacityVersion: u32,
    areaCapacities: fc.array(areaAmount, smallList),
    statBytes: blob,
    extension: requestExtension,
  },
  {
    requiredKeys: [
      'serverFlag',
      'serverId',
      'notReady',
      'transition',
      'configVersion',
      'recoveryVersion',
      'pullMigratedInfo',
      'proxyBucketIndexes',
      'pluginsVersion',
      'areaCapacityVersion',
      'areaCapacities',
      'statBytes',
    ],
  },
);

const heartbeatResponse: fc.Arbitrary<PacketBodies[104]> = fc
  .record(
    {
      clientVersion: u32,
      serverVersion: u32,
      bucketCount: u32,
      copyCount: u32,
      downConfigServerId: u64,
      transition: transitionInfo,
      tableBlob: blob,
      groupName,
      plugins: fc.option(fc.array(tairString, smallList), { nil: null }),
      pluginsVersion: u32,
      areaCapacityVersion: u32,
      areaQuotas: fc.array(areaAmount, smallList),
      migratedInfo: fc.array(u64, smallList),
      recoveryServerIds: fc.array(u64, smallList),
      recoveryVersion: u32,
      extension: responseExtension,
    },
    {
      requiredKeys: [
        'clientVersion',
        'serverVersion',
        'bucketCount',
        'copyCount',
        'downConfigServerId',
        'transition',
        'tableBlob',
        'groupName',
        'plugins',
        'pluginsVersion',
        'areaCapacityVersion',
        'areaQuotas',
        'migratedInfo',
        'recoveryServerIds',
        'recoveryVersion',
      ],
    },
  )
  .map((response) => (response.transition.failovering ? response : { ...response, recoveryServerIds: [], recoveryVersion: 0 }));

const versionValue = fc.record({ configVersion: u32, value: i32 });

/** bodyArbitraries — a generator of decoded bodies for every pcode. */
export const bodyArbitraries: { [P in keyof PacketBodies]: fc.Arbitrary<PacketBodies[P]> } = {
  [Pcode.ping]: versionValue,
  [Pcode.heartbeatRequest]: heartbeatRequest,
  [Pcode.opCmdRequest]: fc.record({ cmd: i32, params: fc.array(tairString, smallList) }),
  [Pcode.opCmdResponse]: fc.record({ code: i32, infos: fc.array(tairString, smallList) }),
  [Pcode.returnPacket]: fc.record({ configVersion: u32, code: i32, message: tairString }),
  [Pcode.heartbeatResponse]: heartbeatResponse,
  [Pcode.getGroupRequest]: fc.record(
    { configVersion: u32, groupName: tairString, extension: requestExtension },
    { requiredKeys: ['configVersion', 'groupName'] },
  ),
  [Pcode.getServerTableRequest]: fc.record({ type: u32, groupName: tairString }),
  [Pcode.configServerHeartbeat]: fc.record({ serverId: u64, loopCount: u32 }),
  [Pcode.setMaster]: versionValue,
  [Pcode.groupNamesRequest]: versionValue,
  [Pcode.queryInfoRequest]: fc.record({ queryType: u32, groupName: tairString, serverId: u64 }),
  [Pcode.nonDownDataServersRequest]: fc.record({ configVersion: u32, groupName: tairString }),
  [Pcode.getGroupResponse]: fc.record(
    {
      bucketCount: u32,
      copyCount: u32,
      configVersion: u32,
      groupParams: fc.array(keyValue, smallList),
      tableBlob: blob,
      availableServerIds: fc.array(u64, smallList),
      extension: responseExtension,
    },
    { requiredKeys: ['bucketCount', 'copyCount', 'configVersion', 'groupParams', 'tableBlob', 'availableServerIds'] },
  ),
  [Pcode.serverTable]: fc.record({
    modifiedTimeS: i32,
    type: i32,
    groupName: tairString,
    originalBytes: fc.integer({ min: 0, max: 0x7fff_ffff }),
    data: blob,
  }),
  [Pcode.groupNamesResponse]: fc.record({ status: i32, groupNames: fc.array(tairString, smallList) }),
  [Pcode.queryInfoResponse]: fc.record({ entries: fc.array(keyValue, smallList) }),
  [Pcode.nonDownDataServersResponse]: fc.record({ configVersion: u32, serverIds: fc.array(u64, smallList) }),
  [Pcode.migrateFinish]: fc.record({ version: u32, serverId: u64, bucketIndex: i32 }),
  [Pcode.recoveryFinish]: fc.record({ version: u32, transitionVersion: u32, serverId: u64, bucketIndex: i32 }),
  [Pcode.migratingMachinesResponse]: fc.record({
    machines: fc.array(fc.record({ serverId: u64, bucketCount: u32 }), smallList),
  }),
  [Pcode.dataServerControlRequest]: fc.record({ serverIds: fc.array(u64, smallList), op: u8, groupName: tairString }),
  [Pcode.migratingMachinesRequest]: fc.record({ serverId: u64 }),
  [Pcode.dataServerControlResponse]: fc.record({ codes: fc.array(u8, smallList) }),
};

/** allPcodes — every pcode we have a codec for. */
export const allPcodes = Object.values(Pcode);

/** packetOf — a generator of whole packets of one pcode. */
export function packetOf(pcode: (typeof allPcodes)[number]): fc.Arbitrary<Packet> {
  return (bodyArbitraries[pcode] as fc.Arbitrary<unknown>).map((body) => ({ pcode, body }) as Packet);
}

/** anyPacket — a generator of packets of every pcode. */
export const anyPacket: fc.Arbitrary<Packet> = fc.oneof(...allPcodes.map(packetOf));
