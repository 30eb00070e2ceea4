/**
 * queries — read-only requests answered from the published state:
 *
 *   get_group (1002 → 1102)       unknown group: zeros; client up to date: B, C, version only;
 *                                 else also the common map, the client view (host attaches it)
 *                                 and the live servers
 *   non-down (1012 → 1112)        ALIVE and STANDBY servers when the client's version differs
 *   migrating machines (1501)     buckets left per source in the sender's group
 *   query_info (1009 → 1106)      1 area capacities, 2 migration, 3 server states, 4 group health
 *   group names (1006 → 1104)
 */
import type {
  GetGroupRequest,
  GetGroupResponse,
  KeyValue,
  MigratingMachinesResponse,
  NonDownDataServersRequest,
  NonDownDataServersResponse,
  QueryInfoRequest,
  QueryInfoResponse,
} from '../protocol/index.js';
import { QueryType } from '../protocol/index.js';
import type { ClusterContext } from './cluster-context.js';
import { groupRecords } from './cluster-context.js';

/** GetGroupReply — the response, and the group whose client view the host attaches (or null). */
export interface GetGroupReply {
  response: GetGroupResponse;
  tableGroup: string | null;
}

const emptyBlob = Buffer.alloc(0);
const statusWords = { alive: 'alive', standby: 'standby', down: 'dead' } as const;

/** getGroup — a client's request for a group's table. */
export function getGroup(context: ClusterContext, request: GetGroupRequest): GetGroupReply {
  const group = context.groups.get(request.groupName);
  if (!group) {
    const response = { bucketCount: 0, copyCount: 0, configVersion: 0, groupParams: [], tableBlob: emptyBlob, availableServerIds: [] };
    return { response, tableGroup: null };
  }
  const { published } = group;
  const base = { bucketCount: published.bucketCount, copyCount: published.copyCount, configVersion: published.versions.client };
  if (request.configVersion === published.versions.client) {
    return { response: { ...base, groupParams: [], tableBlob: emptyBlob, availableServerIds: [] }, tableGroup: null };
  }
  const groupParams = [...group.config.commonMap].map(([key, value]) => ({ key, value }));
  const availableServerIds = groupRecords(context, group.name)
    .filter((record) => record.status === 'alive')
    .map((record) => record.serverId);
  return {
    response: { ...base, groupParams, tableBlob: emptyBlob, availableServerIds },
    tableGroup: published.hasTable ? group.name : null,
  };
}

/** nonDownDataServers — the ALIVE and STANDBY servers of a group. */
export function nonDownDataServers(context: ClusterContext, request: NonDownDataServersRequest): NonDownDataServersResponse {
  const group = context.groups.get(request.groupName);
  if (!group) return { configVersion: 0, serverIds: [] };
  const configVersion = group.published.versions.client;
  if (request.configVersion === configVersion) return { configVersion, serverIds: [] };
  const serverIds = groupRecords(context, group.name)
    .filter((record) => record.status !== 'down')
    .map((record) => record.serverId);
  return { configVersion, serverIds };
}

/** migratingMachines — the migration sources of the group `serverId` belongs to. */
export function migratingMachines(context: ClusterContext, serverId: bigint): MigratingMachinesResponse {
  const record = context.records.get(serverId);
  const group = record ? context.groups.get(record.groupName) : undefined;
  if (!group) return { machines: [] };
  return { machines: group.published.sources.map((source) => ({ serverId: source.serverId, bucketCount: source.left })) };
}

/** groupNames — every group served. */
export function groupNames(context: ClusterContext): string[] {
  return [...context.groups.keys()];
}

/** queryInfo — the admin tool's queries; an unknown group or type gives an empty map. */
export function queryInfo(context: ClusterContext, request: QueryInfoRequest): QueryInfoResponse {
  if (request.queryType === QueryType.groups) {
    const entries = [...context.groups.values()].map((group) => ({
      key: group.name,
      value: group.alarms.size === 0 ? 'status OK' : 'status error',
    }));
    return { entries };
  }
  const group = context.groups.get(request.groupName);
  if (!group) return { entries: [] };
  const entries: KeyValue[] = [];
  switch (request.queryType) {
    case QueryType.areaCapacity:
      for (const [area, bytes] of group.config.areaCapacities) entries.push({ key: `area(${area})`, value: String(bytes) });
      break;
    case QueryType.migration:
      for (const source of group.published.sources) {
        const id = context.records.get(source.serverId)?.id ?? String(source.serverId);
        entries.push({ key: id, value: `${source.left} left` });
      }
      entries.push({ key: 'isMigrating', value: group.published.migrating ? 'true' : 'false' });
      break;
    case QueryType.dataServers:
      for (const record of groupRecords(context, group.name)) entries.push({ key: record.id, value: statusWords[record.status] });
      break;
  }
  return { entries };
}
