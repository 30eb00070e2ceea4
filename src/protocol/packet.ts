/**
 * packet — pcode → body codec dispatch: decode a frame's body into a typed packet, encode a
 * typed packet into a body or a whole frame.
 *
 *   Frame { channelId, pcode, body: Buffer }  --decodeRequest-->  Packet { pcode, body: HeartbeatRequest | ... }
 *   Packet  --encodePacketFrame(channelId)-->  Buffer ready for the socket
 *
 * A body must decode to exactly its length: trailing bytes are a ProtocolError, except for our
 * extension trailer on 9/104/1002/1102 (extension.ts). An unknown pcode is a ProtocolError.
 */
import { ProtocolError } from '../errors.js';
import { Pcode, pcodeName } from './pcodes.js';
import { BodyReader } from './reader.js';
import { BodyWriter } from './writer.js';
import * as dsControl from './packets/data-server-control.js';
import * as finish from './packets/finish.js';
import * as getGroup from './packets/get-group.js';
import * as groupNames from './packets/group-names.js';
import * as heartbeatRequest from './packets/heartbeat-request.js';
import * as heartbeatResponse from './packets/heartbeat-response.js';
import * as migratingMachines from './packets/migrating-machines.js';
import * as nonDown from './packets/non-down-data-servers.js';
import * as opCmd from './packets/op-cmd.js';
import * as queryInfo from './packets/query-info.js';
import * as returnPacket from './packets/return-packet.js';
import * as serverTable from './packets/server-table.js';
import * as simple from './packets/simple-requests.js';

/** PacketBodies — the decoded body type of every pcode. */
export interface PacketBodies {
  [Pcode.ping]: simple.PingRequest;
  [Pcode.heartbeatRequest]: heartbeatRequest.HeartbeatRequest;
  [Pcode.opCmdRequest]: opCmd.OpCmdRequest;
  [Pcode.opCmdResponse]: opCmd.OpCmdResponse;
  [Pcode.returnPacket]: returnPacket.ReturnPacket;
  [Pcode.heartbeatResponse]: heartbeatResponse.HeartbeatResponse;
  [Pcode.getGroupRequest]: getGroup.GetGroupRequest;
  [Pcode.getServerTableRequest]: serverTable.GetServerTableRequest;
  [Pcode.configServerHeartbeat]: simple.ConfigServerHeartbeat;
  [Pcode.setMaster]: simple.SetMasterRequest;
  [Pcode.groupNamesRequest]: simple.GroupNamesRequest;
  [Pcode.queryInfoRequest]: queryInfo.QueryInfoRequest;
  [Pcode.nonDownDataServersRequest]: nonDown.NonDownDataServersRequest;
  [Pcode.getGroupResponse]: getGroup.GetGroupResponse;
  [Pcode.serverTable]: serverTable.ServerTablePacket;
  [Pcode.groupNamesResponse]: groupNames.GroupNamesResponse;
  [Pcode.queryInfoResponse]: queryInfo.QueryInfoResponse;
  [Pcode.nonDownDataServersResponse]: nonDown.NonDownDataServersResponse;
  [Pcode.migrateFinish]: finish.MigrateFinish;
  [Pcode.recoveryFinish]: finish.RecoveryFinish;
  [Pcode.migratingMachinesResponse]: migratingMachines.MigratingMachinesResponse;
  [Pcode.dataServerControlRequest]: dsControl.DataServerControlRequest;
  [Pcode.migratingMachinesRequest]: migratingMachines.MigratingMachinesRequest;
  [Pcode.dataServerControlResponse]: dsControl.DataServerControlResponse;
}

/** PacketOf — a packet of one pcode. */
export type PacketOf<P extends Pcode> = { pcode: P; body: PacketBodies[P] };
/** Packet — any packet we speak, discriminated by pcode. */
export type Packet = { [P in Pcode]: PacketOf<P> }[Pcode];

const requestPcodes = [
  Pcode.ping,
  Pcode.heartbeatRequest,
  Pcode.opCmdRequest,
  Pcode.getGroupRequest,
  Pcode.getServerTableRequest,
  Pcode.configServerHeartbeat,
  Pcode.setMaster,
  Pcode.groupNamesRequest,
  Pcode.queryInfoRequest,
  Pcode.nonDownDataServersRequest,
  Pcode.serverTable,
  Pcode.migrateFinish,
  Pcode.recoveryFinish,
  Pcode.dataServerControlRequest,
  Pcode.migratingMachinesRequest,
] as const;
const responsePcodes = [
  Pcode.opCmdResponse,
  Pcode.returnPacket,
  Pcode.heartbeatResponse,
  Pcode.getGroupResponse,
  Pcode.serverTable,
  Pcode.groupNamesResponse,
  Pcode.queryInfoResponse,
  Pcode.nonDownDataServersResponse,
  Pcode.migratingMachinesResponse,
  Pcode.dataServerControlResponse,
] as const;

/** RequestPcode — pcodes a config server accepts from a connection (1103 is the peer's push). */
export type RequestPcode = (typeof requestPcodes)[number];
/** ResponsePcode — pcodes a config server answers with. */
export type ResponsePcode = (typeof responsePcodes)[number];
/** RequestPacket — a packet a config server accepts. */
export type RequestPacket = { [P in RequestPcode]: PacketOf<P> }[RequestPcode];
/** ResponsePacket — a packet a config server sends back. */
export type ResponsePacket = { [P in ResponsePcode]: PacketOf<P> }[ResponsePcode];

interface Codec<T> {
  read(reader: BodyReader): T;
  write(writer: BodyWriter, value: T): void;
  bytesHint?(value: T): number;
}

const codecs: { [P in Pcode]: Codec<PacketBodies[P]> } = {
  [Pcode.ping]: { read: simple.readVersionValueRequest, write: simple.writeVersionValueRequest },
  [Pcode.heartbeatRequest]: {
    read: heartbeatRequest.readHeartbeatRequest,
    write: heartbeatRequest.writeHeartbeatRequest,
    bytesHint: heartbeatRequest.heartbeatRequestBytesHint,
  },
  [Pcode.opCmdRequest]: { read: opCmd.readOpCmdRequest, write: opCmd.writeOpCmdRequest },
  [Pcode.opCmdResponse]: { read: opCmd.readOpCmdResponse, write: opCmd.writeOpCmdResponse },
  [Pcode.returnPacket]: { read: returnPacket.readReturnPacket, write: returnPacket.writeReturnPacket },
  [Pcode.heartbeatResponse]: {
    read: heartbeatResponse.readHeartbeatResponse,
    write: heartbeatResponse.writeHeartbeatResponse,
    bytesHint: heartbeatResponse.heartbeatResponseBytesHint,
  },
  [Pcode.getGroupRequest]: { read: getGroup.readGetGroupRequest, write: getGroup.writeGetGroupRequest },
  [Pcode.getServerTableRequest]: {
    read: serverTable.readGetServerTableRequest,
    write: serverTable.writeGetServerTableRequest,
  },
  [Pcode.configServerHeartbeat]: { read: simple.readConfigServerHeartbeat, write: simple.writeConfigServerHeartbeat },
  [Pcode.setMaster]: { read: simple.readVersionValueRequest, write: simple.writeVersionValueRequest },
  [Pcode.groupNamesRequest]: { read: simple.readVersionValueRequest, write: simple.writeVersionValueRequest },
  [Pcode.queryInfoRequest]: { read: queryInfo.readQueryInfoRequest, write: queryInfo.writeQueryInfoRequest },
  [Pcode.nonDownDataServersRequest]: {
    read: nonDown.readNonDownDataServersRequest,
    write: nonDown.writeNonDownDataServersRequest,
  },
  [Pcode.getGroupResponse]: {
    read: getGroup.readGetGroupResponse,
    write: getGroup.writeGetGroupResponse,
    bytesHint: getGroup.getGroupResponseBytesHint,
  },
  [Pcode.serverTable]: {
    read: serverTable.readServerTablePacket,
    write: serverTable.writeServerTablePacket,
    bytesHint: (packet) => 64 + packet.data.length,
  },
  [Pcode.groupNamesResponse]: { read: groupNames.readGroupNamesResponse, write: groupNames.writeGroupNamesResponse },
  [Pcode.queryInfoResponse]: { read: queryInfo.readQueryInfoResponse, write: queryInfo.writeQueryInfoResponse },
  [Pcode.nonDownDataServersResponse]: {
    read: nonDown.readNonDownDataServersResponse,
    write: nonDown.writeNonDownDataServersResponse,
  },
  [Pcode.migrateFinish]: { read: finish.readMigrateFinish, write: finish.writeMigrateFinish },
  [Pcode.recoveryFinish]: { read: finish.readRecoveryFinish, write: finish.writeRecoveryFinish },
  [Pcode.migratingMachinesResponse]: {
    read: migratingMachines.readMigratingMachinesResponse,
    write: migratingMachines.writeMigratingMachinesResponse,
  },
  [Pcode.dataServerControlRequest]: {
    read: dsControl.readDataServerControlRequest,
    write: dsControl.writeDataServerControlRequest,
  },
  [Pcode.migratingMachinesRequest]: {
    read: migratingMachines.readMigratingMachinesRequest,
    write: migratingMachines.writeMigratingMachinesRequest,
  },
  [Pcode.dataServerControlResponse]: {
    read: dsControl.readDataServerControlResponse,
    write: dsControl.writeDataServerControlResponse,
  },
};

const requestPcodeSet: ReadonlySet<number> = new Set(requestPcodes);
const responsePcodeSet: ReadonlySet<number> = new Set(responsePcodes);

/** isRequestPcode — whether `pcode` is one a peer sends us as a request (the server answers it). */
export function isRequestPcode(pcode: number): pcode is RequestPcode {
  return requestPcodeSet.has(pcode);
}

/** decodeBody — the body of a known pcode; throws ProtocolError when it does not decode exactly. */
export function decodeBody<P extends Pcode>(pcode: P, body: Buffer): PacketBodies[P] {
  const codec = codecs[pcode] as Codec<PacketBodies[P]> | undefined;
  if (codec === undefined) throw new ProtocolError(`unknown ${pcodeName(pcode)}`);
  const reader = new BodyReader(body, pcodeName(pcode));
  const value = codec.read(reader);
  reader.expectEnd();
  return value;
}

/** decodePacket — any pcode we know; throws ProtocolError for an unknown pcode or a bad body. */
export function decodePacket(pcode: number, body: Buffer): Packet {
  if (!Object.hasOwn(codecs, pcode)) throw new ProtocolError(`unknown pcode ${pcode}`);
  return { pcode, body: decodeBody(pcode as Pcode, body) } as Packet;
}

/** decodeRequest — a packet a config server accepts; any other pcode is a ProtocolError. */
export function decodeRequest(pcode: number, body: Buffer): RequestPacket {
  if (!requestPcodeSet.has(pcode)) throw new ProtocolError(`${pcodeName(pcode)} is not a request we serve`);
  return decodePacket(pcode, body) as RequestPacket;
}

/** decodeResponse — a packet a config server answers with; any other pcode is a ProtocolError. */
export function decodeResponse(pcode: number, body: Buffer): ResponsePacket {
  if (!responsePcodeSet.has(pcode)) throw new ProtocolError(`${pcodeName(pcode)} is not a response`);
  return decodePacket(pcode, body) as ResponsePacket;
}

function writePacket(packet: Packet): BodyWriter {
  const codec = codecs[packet.pcode] as Codec<Packet['body']>;
  const writer = new BodyWriter(codec.bytesHint ? codec.bytesHint(packet.body) : undefined);
  codec.write(writer, packet.body);
  return writer;
}

/** encodeBody — the body bytes of a packet. */
export function encodeBody(packet: Packet): Buffer {
  return writePacket(packet).toBody();
}

/** encodePacketFrame — header and body of a packet in one buffer, ready for the socket. */
export function encodePacketFrame(channelId: number, packet: Packet): Buffer {
  return writePacket(packet).toFrame(channelId, packet.pcode);
}

/**
 * encodePacketFrameSegments — the same frame as pieces for one corked write: a large table blob
 * is referenced where it lies, never copied into the frame.
 */
export function encodePacketFrameSegments(channelId: number, packet: Packet): Buffer[] {
  return writePacket(packet).toFrameSegments(channelId, packet.pcode);
}
