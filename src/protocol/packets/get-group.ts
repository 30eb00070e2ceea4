/**
 * get-group — pcode 1002 → 1102, how a client fetches a group's table.
 *
 *   1002: config_version u32 · group_name string                     [our extension trailer]
 *   1102: bucket_count u32 · copy_count u32 · config_version u32 ·
 *         n u32, n × (key string, value string) · table_size u32, table bytes (zlib) ·
 *         a u32, a × server u64                                       [our extension trailer]
 *
 * An unknown group (or a server not ready) answers all zeros; a request whose version equals
 * the current client version gets only the counts and the version.
 */
import { originalTableBlobBytesMax } from '../../limits.js';
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';
import {
  readRequestExtension,
  readResponseExtension,
  writeRequestExtension,
  writeResponseExtension,
  type RequestExtension,
  type ResponseExtension,
} from '../extension.js';
import { readKeyValues, writeKeyValues, type KeyValue } from './fields.js';

const emptyBlob = Buffer.alloc(0);

/** GetGroupRequest — a client asking for a group's table. */
export interface GetGroupRequest {
  /** configVersion — the client version the client holds (the shipped client always sends 0). */
  configVersion: number;
  groupName: string;
  extension?: RequestExtension;
}

/** GetGroupResponse — a group's client view. */
export interface GetGroupResponse {
  bucketCount: number;
  copyCount: number;
  configVersion: number;
  /** groupParams — the group section's non-underscore keys (first value each). */
  groupParams: KeyValue[];
  /** tableBlob — zlib of the current table (C·B entries), empty when not sent. */
  tableBlob: Buffer;
  availableServerIds: bigint[];
  extension?: ResponseExtension;
}

/** readGetGroupRequest — decode a pcode 1002 body. */
export function readGetGroupRequest(reader: BodyReader): GetGroupRequest {
  const request: GetGroupRequest = {
    configVersion: reader.u32('config_version'),
    groupName: reader.string('group_name'),
  };
  const extension = readRequestExtension(reader);
  if (extension) request.extension = extension;
  return request;
}

/** writeGetGroupRequest — encode a pcode 1002 body. */
export function writeGetGroupRequest(writer: BodyWriter, request: GetGroupRequest): void {
  writer.u32(request.configVersion, 'config_version');
  writer.string(request.groupName, 'group_name');
  if (request.extension) writeRequestExtension(writer, request.extension);
}

/** readGetGroupResponse — decode a pcode 1102 body. */
export function readGetGroupResponse(reader: BodyReader): GetGroupResponse {
  const response: GetGroupResponse = {
    bucketCount: reader.u32('bucket_count'),
    copyCount: reader.u32('copy_count'),
    configVersion: reader.u32('config_version'),
    groupParams: readKeyValues(reader, 'group_params'),
    tableBlob: reader.lengthPrefixedBytes('hash_table'),
    availableServerIds: reader.u64List('available_server'),
  };
  const extension = readResponseExtension(reader);
  if (extension) response.extension = extension;
  return response;
}

/**
 * writeGetGroupResponse — encode a pcode 1102 body. As for heartbeats, an original peer never
 * gets a table blob over originalTableBlobBytesMax: the table is left out (table_size 0).
 */
export function writeGetGroupResponse(writer: BodyWriter, response: GetGroupResponse): void {
  const blobFits = response.extension !== undefined || response.tableBlob.length <= originalTableBlobBytesMax;
  writer.u32(response.bucketCount, 'bucket_count');
  writer.u32(response.copyCount, 'copy_count');
  writer.u32(response.configVersion, 'config_version');
  writeKeyValues(writer, response.groupParams, 'group_params');
  writer.lengthPrefixedBytes(blobFits ? response.tableBlob : emptyBlob, 'hash_table');
  writer.u64List(response.availableServerIds, 'available_server');
  if (response.extension) writeResponseExtension(writer, response.extension);
}

/** getGroupResponseBytesHint — a body size guess that avoids regrowing the writer. */
export function getGroupResponseBytesHint(response: GetGroupResponse): number {
  return 64 + response.tableBlob.length + response.availableServerIds.length * 8 + response.groupParams.length * 64;
}
