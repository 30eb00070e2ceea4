/**
 * heartbeat-request — pcode 9, sent by every data server to both config servers each second.
 *
 *   server_flag u8 · server_id u64 (bit 63 = not ready) · transition_info u32 ·
 *   config_version u32 · recovery_version u32 · pull_migrated_info u8 ·
 *   n u32, n × bucket u32 · plugins_version u32 · area_capacity_version u32 ·
 *   m u32, m × (area u32, capacity u64) · stat_size u32, stat bytes (zlib)
 *   [our extension trailer, see extension.ts]
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';
import { readRequestExtension, writeRequestExtension, type RequestExtension } from '../extension.js';
import { readAreaAmounts, readTransitionInfo, writeAreaAmounts, writeTransitionInfo, type AreaAmount, type TransitionInfo } from './fields.js';

const notReadyBit = 1n << 63n;

/** HeartbeatRequest — what a data server reports each second. */
export interface HeartbeatRequest {
  /** serverFlag — 1: the sender is a data server and wants the data-server view of tables. */
  serverFlag: number;
  /** serverId — the sender's id, without the not-ready bit. */
  serverId: bigint;
  /** notReady — bit 63 of the id on the wire: the data server has not loaded its configuration. */
  notReady: boolean;
  /** transition — the sender's transition version (flags are not used in requests). */
  transition: TransitionInfo;
  /** configVersion — the server_version of the table the sender holds. */
  configVersion: number;
  recoveryVersion: number;
  /** pullMigratedInfo — the sender is not serving yet and asks which buckets were migrated. */
  pullMigratedInfo: boolean;
  /** proxyBucketIndexes — buckets the sender has migrated away and now proxies. */
  proxyBucketIndexes: number[];
  pluginsVersion: number;
  areaCapacityVersion: number;
  /** areaCapacities — (area, capacity bytes) the sender reports. */
  areaCapacities: AreaAmount[];
  /** statBytes — zlib-compressed per-area statistics, empty when none this time. */
  statBytes: Buffer;
  /** extension — present only when our own agent sent the request. */
  extension?: RequestExtension;
}

/** readHeartbeatRequest — decode a pcode 9 body. */
export function readHeartbeatRequest(reader: BodyReader): HeartbeatRequest {
  const serverFlag = reader.u8('server_flag');
  const rawServerId = reader.u64('server_id');
  const transition = readTransitionInfo(reader);
  const configVersion = reader.u32('config_version');
  const recoveryVersion = reader.u32('recovery_version');
  const pullMigratedInfo = reader.u8('pull_migrated_info') !== 0;
  const bucketCount = reader.count('vec_bucket_no', 4);
  const proxyBucketIndexes = new Array<number>(bucketCount);
  for (let i = 0; i < bucketCount; i++) proxyBucketIndexes[i] = reader.u32('vec_bucket_no');
  const pluginsVersion = reader.u32('plugins_version');
  const areaCapacityVersion = reader.u32('area_capacity_version');
  const areaCapacities = readAreaAmounts(reader, 'area_capacity');
  const statBytes = reader.lengthPrefixedBytes('stat_info');
  const request: HeartbeatRequest = {
    serverFlag,
    serverId: rawServerId & ~notReadyBit,
    notReady: (rawServerId & notReadyBit) !== 0n,
    transition,
    configVersion,
    recoveryVersion,
    pullMigratedInfo,
    proxyBucketIndexes,
    pluginsVersion,
    areaCapacityVersion,
    areaCapacities,
    statBytes,
  };
  const extension = readRequestExtension(reader);
  if (extension) request.extension = extension;
  return request;
}

/** writeHeartbeatRequest — encode a pcode 9 body. */
export function writeHeartbeatRequest(writer: BodyWriter, request: HeartbeatRequest): void {
  writer.u8(request.serverFlag, 'server_flag');
  writer.u64(request.notReady ? request.serverId | notReadyBit : request.serverId, 'server_id');
  writeTransitionInfo(writer, request.transition);
  writer.u32(request.configVersion, 'config_version');
  writer.u32(request.recoveryVersion, 'recovery_version');
  writer.u8(request.pullMigratedInfo ? 1 : 0, 'pull_migrated_info');
  writer.u32(request.proxyBucketIndexes.length, 'vec_bucket_no');
  for (const bucketIndex of request.proxyBucketIndexes) writer.u32(bucketIndex, 'vec_bucket_no');
  writer.u32(request.pluginsVersion, 'plugins_version');
  writer.u32(request.areaCapacityVersion, 'area_capacity_version');
  writeAreaAmounts(writer, request.areaCapacities, 'area_capacity');
  writer.lengthPrefixedBytes(request.statBytes, 'stat_info');
  if (request.extension) writeRequestExtension(writer, request.extension);
}

/** heartbeatRequestBytesHint — a body size guess that avoids regrowing the writer. */
export function heartbeatRequestBytesHint(request: HeartbeatRequest): number {
  return 64 + request.statBytes.length + request.proxyBucketIndexes.length * 4 + request.areaCapacities.length * 12;
}
