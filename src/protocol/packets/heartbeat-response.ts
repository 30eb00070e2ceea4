/**
 * heartbeat-response — pcode 104, the config server's answer to a data-server heartbeat
 * (observed shapes in test/fixtures/captures/README.md).
 *
 *   client_version u32 · server_version u32 · bucket_count u32 · copy_count u32 ·
 *   down_slave_config_server u64 · transition_info u32 · table_size u32, table bytes (zlib) ·
 *   group_name 64 bytes NUL-padded · plugins_flag i32 (−1 = no list) · plugins_version u32 ·
 *   plugins_flag × (len u32, bytes without NUL, ≤ 255) · area_capacity_version u32 ·
 *   k u32, k × (area u32, quota u64) · mi u32, mi × u64 (migrated info) ·
 *   only when transition_info has the failovering bit:
 *     r u32, r × u64 (recovering data servers) · recovery_version u32
 *   [our extension trailer, see extension.ts]
 *
 * The original sends the table only when the data server's versions differ; replies without a
 * table carry table_size 0 and, in the captures, bucket and copy counts 0.
 */
import { InputError } from '../../errors.js';
import { originalTableBlobBytesMax, pluginNameBytesMax } from '../../limits.js';
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';
import { readResponseExtension, writeResponseExtension, type ResponseExtension } from '../extension.js';
import { noTransition, readAreaAmounts, readTransitionInfo, writeAreaAmounts, writeTransitionInfo, type AreaAmount, type TransitionInfo } from './fields.js';

const emptyBlob = Buffer.alloc(0);

/** HeartbeatResponse — what a config server tells a data server. */
export interface HeartbeatResponse {
  clientVersion: number;
  /** serverVersion — 1 (with clientVersion 1) tells the data server to go solitary. */
  serverVersion: number;
  bucketCount: number;
  copyCount: number;
  /** downConfigServerId — `down_slave_config_server`: a config server data servers should skip, 0 = none. */
  downConfigServerId: bigint;
  transition: TransitionInfo;
  /** tableBlob — zlib of current ‖ destination (table-blob.ts), empty when no table is sent. */
  tableBlob: Buffer;
  groupName: string;
  /** plugins — plugin names, or null for "no information" (plugins_flag −1). */
  plugins: string[] | null;
  pluginsVersion: number;
  areaCapacityVersion: number;
  /** areaQuotas — (area, quota bytes per data server). */
  areaQuotas: AreaAmount[];
  /** migratedInfo — raw groups of (bucket, then copyCount server ids), for a data server that asked. */
  migratedInfo: bigint[];
  /** recoveryServerIds — on the wire only when transition.failovering; must be empty otherwise. */
  recoveryServerIds: bigint[];
  /** recoveryVersion — on the wire only when transition.failovering; must be 0 otherwise. */
  recoveryVersion: number;
  /** extension — present only in answers to requests that carried our extension. */
  extension?: ResponseExtension;
}

/** readHeartbeatResponse — decode a pcode 104 body. */
/**
 * emptyHeartbeatResponse — the all-zero 104 the original sends before it is ready or to a server
 * it does not know: versions 0 are below 10, so the data server keeps what it holds.
 */
export function emptyHeartbeatResponse(): HeartbeatResponse {
  return {
    clientVersion: 0,
    serverVersion: 0,
    bucketCount: 0,
    copyCount: 0,
    downConfigServerId: 0n,
    transition: { ...noTransition },
    tableBlob: Buffer.alloc(0),
    groupName: '',
    plugins: [],
    pluginsVersion: 0,
    areaCapacityVersion: 0,
    areaQuotas: [],
    migratedInfo: [],
    recoveryServerIds: [],
    recoveryVersion: 0,
  };
}

export function readHeartbeatResponse(reader: BodyReader): HeartbeatResponse {
  const clientVersion = reader.u32('client_version');
  const serverVersion = reader.u32('server_version');
  const bucketCount = reader.u32('bucket_count');
  const copyCount = reader.u32('copy_count');
  const downConfigServerId = reader.u64('down_slave_config_server');
  const transition = readTransitionInfo(reader);
  const tableBlob = reader.lengthPrefixedBytes('hash_table');
  const groupName = reader.groupNameField('group_name');
  const plugins = readPlugins(reader);
  const response: HeartbeatResponse = {
    clientVersion,
    serverVersion,
    bucketCount,
    copyCount,
    downConfigServerId,
    transition,
    tableBlob,
    groupName,
    plugins: plugins.names,
    pluginsVersion: plugins.version,
    areaCapacityVersion: reader.u32('area_capacity_version'),
    areaQuotas: readAreaAmounts(reader, 'area_capacity'),
    migratedInfo: reader.u64List('migrated_info'),
    recoveryServerIds: [],
    recoveryVersion: 0,
  };
  if (transition.failovering) {
    response.recoveryServerIds = reader.u64List('recovery_ds');
    response.recoveryVersion = reader.u32('recovery_version');
  }
  const extension = readResponseExtension(reader);
  if (extension) response.extension = extension;
  return response;
}

function readPlugins(reader: BodyReader): { names: string[] | null; version: number } {
  const pluginsFlag = reader.i32('plugins_flag');
  const version = reader.u32('plugins_version');
  if (pluginsFlag < 0) return { names: null, version };
  const pluginCount = reader.checkCount(pluginsFlag, 4, 'plugins');
  const names = new Array<string>(pluginCount);
  for (let i = 0; i < pluginCount; i++) {
    const nameBytes = reader.u32('plugins');
    if (nameBytes > pluginNameBytesMax) reader.fail(`plugins: name of ${nameBytes} bytes is over ${pluginNameBytesMax}`);
    names[i] = reader.bytes(nameBytes, 'plugins').toString('utf8');
  }
  return { names, version };
}

/**
 * writeHeartbeatResponse — encode a pcode 104 body. Without an extension (an original peer)
 * a table blob over originalTableBlobBytesMax is left out (table_size 0): the original would
 * refuse the frame, so the peer keeps its old table (docs/protocol.md, "Large tables").
 */
export function writeHeartbeatResponse(writer: BodyWriter, response: HeartbeatResponse): void {
  const failovering = response.transition.failovering;
  if (!failovering && (response.recoveryServerIds.length > 0 || response.recoveryVersion !== 0)) {
    throw new InputError('heartbeat response: recovery fields are only sent while failovering');
  }
  const blobFits = response.extension !== undefined || response.tableBlob.length <= originalTableBlobBytesMax;
  writer.u32(response.clientVersion, 'client_version');
  writer.u32(response.serverVersion, 'server_version');
  writer.u32(response.bucketCount, 'bucket_count');
  writer.u32(response.copyCount, 'copy_count');
  writer.u64(response.downConfigServerId, 'down_slave_config_server');
  writeTransitionInfo(writer, response.transition);
  writer.lengthPrefixedBytes(blobFits ? response.tableBlob : emptyBlob, 'hash_table');
  writer.groupNameField(response.groupName, 'group_name');
  writePlugins(writer, response.plugins, response.pluginsVersion);
  writer.u32(response.areaCapacityVersion, 'area_capacity_version');
  writeAreaAmounts(writer, response.areaQuotas, 'area_capacity');
  writer.u64List(response.migratedInfo, 'migrated_info');
  if (failovering) {
    writer.u64List(response.recoveryServerIds, 'recovery_ds');
    writer.u32(response.recoveryVersion, 'recovery_version');
  }
  if (response.extension) writeResponseExtension(writer, response.extension);
}

function writePlugins(writer: BodyWriter, names: string[] | null, version: number): void {
  writer.i32(names === null ? -1 : names.length, 'plugins_flag');
  writer.u32(version, 'plugins_version');
  for (const name of names ?? []) {
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length > pluginNameBytesMax) {
      throw new InputError(`plugins: '${name}' is over ${pluginNameBytesMax} bytes`);
    }
    writer.lengthPrefixedBytes(nameBytes, 'plugins');
  }
}

/** heartbeatResponseBytesHint — a body size guess that avoids regrowing the writer. */
export function heartbeatResponseBytesHint(response: HeartbeatResponse): number {
  return 160 + response.tableBlob.length + (response.migratedInfo.length + response.recoveryServerIds.length) * 8;
}
