/**
 * query-info — pcode 1009 → 1106, the admin tool's queries.
 *
 *   1009: query_type u32 · group string · server_id u64
 *   1106: n u32 · n × (key string, value string)
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';
import { readKeyValues, writeKeyValues, type KeyValue } from './fields.js';

/** QueryType — what a query_info request asks for. */
export const QueryType = {
  /** areaCapacity — `"area(N)" → bytes`. */
  areaCapacity: 1,
  /** migration — `"ip:port" → "<n> left"` per migrating source, plus `isMigrating`. */
  migration: 2,
  /** dataServers — `"ip:port" → alive/standby/dead`. */
  dataServers: 3,
  /** groups — every group: `name → "status OK"/"status error"` (group ignored). */
  groups: 4,
  /** stats — statistics of one data server, or of all when the id is 0. */
  stats: 5,
} as const;

/** QueryInfoRequest — one query_info request. */
export interface QueryInfoRequest {
  queryType: number;
  groupName: string;
  serverId: bigint;
}

/** QueryInfoResponse — the answer as a string map (empty for an unknown group). */
export interface QueryInfoResponse {
  entries: KeyValue[];
}

/** readQueryInfoRequest — decode a pcode 1009 body. */
export function readQueryInfoRequest(reader: BodyReader): QueryInfoRequest {
  return { queryType: reader.u32('query_type'), groupName: reader.string('group'), serverId: reader.u64('server_id') };
}

/** writeQueryInfoRequest — encode a pcode 1009 body. */
export function writeQueryInfoRequest(writer: BodyWriter, request: QueryInfoRequest): void {
  writer.u32(request.queryType, 'query_type');
  writer.string(request.groupName, 'group');
  writer.u64(request.serverId, 'server_id');
}

/** readQueryInfoResponse — decode a pcode 1106 body. */
export function readQueryInfoResponse(reader: BodyReader): QueryInfoResponse {
  return { entries: readKeyValues(reader, 'map') };
}

/** writeQueryInfoResponse — encode a pcode 1106 body. */
export function writeQueryInfoResponse(writer: BodyWriter, response: QueryInfoResponse): void {
  writeKeyValues(writer, response.entries, 'map');
}
