/**
 * protocol — the Tair wire protocol: tbnet frames, packet bodies, table blobs and our extension.
 * See docs/protocol.md for the byte layouts.
 */
export { FrameDecoder, encodeFrame, writeFrameHeader, frameMagic, frameHeaderBytes } from './frame.js';
export type { Frame, FrameDecoderOptions } from './frame.js';
export { Pcode, ReturnCode, pcodeName, isKnownPcode } from './pcodes.js';
export { BodyReader, groupNameFieldBytes } from './reader.js';
export { BodyWriter, sharedBytesMin } from './writer.js';
export {
  decodeBody,
  decodePacket,
  decodeRequest,
  decodeResponse,
  encodeBody,
  encodePacketFrame,
  encodePacketFrameSegments,
  isRequestPcode,
} from './packet.js';
export type {
  Packet,
  PacketOf,
  PacketBodies,
  RequestPacket,
  ResponsePacket,
  RequestPcode,
  ResponsePcode,
} from './packet.js';
export { compressTable, inflateTable, tableBlobFitsOriginalPeer, dataServerView } from './table-blob.js';
export { extensionMagic, extensionVersion, extensionHeaderBytes } from './extension.js';
export type { RequestExtension, ResponseExtension, ConfigServerRole, ViewRequest, ViewContent, ViewContentKind } from './extension.js';
export { emptySlot, readViewRows, readWholeRows, ViewRowsWriter, viewRowWidthMax } from './view-rows.js';
export type { ViewRowEntry, ViewRows, WholeRows } from './view-rows.js';
export { addHash, rowHashEnd, rowHashOfIds, rowHashOfSlots, rowHashSlot, rowHashStart, subtractHash, tableChecksum } from './view-checksum.js';
export {
  noTransition,
  packTransitionInfo,
  unpackTransitionInfo,
  transitionVersionMax,
} from './packets/fields.js';
export type { TransitionInfo, KeyValue, AreaAmount } from './packets/fields.js';
export type { HeartbeatRequest } from './packets/heartbeat-request.js';
export type { HeartbeatResponse } from './packets/heartbeat-response.js';
export { emptyHeartbeatResponse } from './packets/heartbeat-response.js';
export type { GetGroupRequest, GetGroupResponse } from './packets/get-group.js';
export type {
  VersionValueRequest,
  PingRequest,
  SetMasterRequest,
  GroupNamesRequest,
  ConfigServerHeartbeat,
} from './packets/simple-requests.js';
export type { GroupNamesResponse } from './packets/group-names.js';
export type { ReturnPacket } from './packets/return-packet.js';
export type { MigrateFinish, RecoveryFinish } from './packets/finish.js';
export { QueryType } from './packets/query-info.js';
export type { QueryInfoRequest, QueryInfoResponse } from './packets/query-info.js';
export type { NonDownDataServersRequest, NonDownDataServersResponse } from './packets/non-down-data-servers.js';
export { ServerTableType } from './packets/server-table.js';
export type { GetServerTableRequest, ServerTablePacket } from './packets/server-table.js';
export { OpCmd } from './packets/op-cmd.js';
export type { OpCmdRequest, OpCmdResponse } from './packets/op-cmd.js';
export { DataServerControlOp, DataServerControlCode } from './packets/data-server-control.js';
export type { DataServerControlRequest, DataServerControlResponse } from './packets/data-server-control.js';
export type {
  MigratingMachinesRequest,
  MigratingMachinesResponse,
  MigratingMachine,
} from './packets/migrating-machines.js';
