/**
 * plan-input — what a dry run starts from: the group's servers and table exactly as its next
 * rebuild would see them (src/cluster/rebuild.ts issueBuild), then the operator's what-ifs.
 *
 *   servers   the table's server list, then members not in it yet (the engine orders them
 *             canonically, so listing order never matters)
 *   alive     ALIVE, listed in group.conf, not draining — what a build may place copies on
 *   changes   add=ip:port[@rack][*weight]   a server joins (or a known one comes back)
 *             remove=ip:port | drain=ip:port its copies move away (both drain here: removal
 *                                            never abandons data)
 *             weight=ip:port*W               a new weight
 */
import type { ClusterReader } from '../cluster/index.js';
import { serverIdFromAddress } from '../common/server-id.js';
import { parseServerEntry, rackFromPosMask } from '../config/server-entry.js';
import { listParam, ParamError, serverParam } from './op-params.js';

/** PlanServer — one server as the build would see it. */
export interface PlanServer {
  serverId: bigint;
  id: string;
  rack: string;
  weight: number;
  alive: boolean;
}

/** PlanInput — a group's build inputs. */
export interface PlanInput {
  groupName: string;
  bucketCount: number;
  copyCount: number;
  strategy: 'balanced' | 'rack' | 'auto';
  diffRatio: number;
  posMask: bigint;
  servers: PlanServer[];
  /** progress / current — the tables over `servers` (values 1..n), null before the first build. */
  progress: Uint32Array | null;
  current: Uint32Array | null;
}

/** PlanChange — one what-if, as given. */
export interface PlanChange {
  kind: 'add' | 'remove' | 'drain' | 'weight';
  text: string;
}

const strategyNames = { 1: 'balanced', 2: 'rack', 3: 'auto' } as const;

/** planInputOf — the group's build inputs now, or null when the group is unknown. */
export function planInputOf(cluster: ClusterReader, groupName: string): PlanInput | null {
  const group = cluster.groupState(groupName);
  if (!group) return null;
  const { tables, config } = group;
  const records = new Map(cluster.serverRecords().map((record) => [record.serverId, record]));
  const servers: PlanServer[] = tables.serverIds.map((serverId, index) => {
    const record = records.get(serverId);
    const alive = record?.status === 'alive' && record.member && !record.draining;
    return { serverId, id: tables.servers[index], rack: record?.rack ?? 'unknown', weight: record?.weight ?? 1, alive };
  });
  for (const record of records.values()) {
    if (record.groupName !== groupName || !record.member || tables.valueOf.has(record.serverId)) continue;
    const alive = record.status === 'alive' && !record.draining;
    servers.push({ serverId: record.serverId, id: record.id, rack: record.rack, weight: record.weight, alive });
  }
  return {
    groupName,
    bucketCount: tables.bucketCount,
    copyCount: tables.copyCount,
    strategy: strategyNames[config.buildStrategy],
    diffRatio: config.buildDiffRatio,
    posMask: config.posMask,
    servers,
    progress: group.hasTable ? tables.progress.slice() : null,
    current: group.hasTable ? tables.current.slice() : null,
  };
}

/** parseChanges — `kind=value` parameters; a ParamError names the bad one. */
export function parseChanges(params: readonly string[]): PlanChange[] {
  return params.flatMap((param) => {
    const equals = param.indexOf('=');
    const kind = equals > 0 ? param.slice(0, equals).trim() : '';
    if (kind !== 'add' && kind !== 'remove' && kind !== 'drain' && kind !== 'weight') {
      throw new ParamError(`change '${param}' must be add=…, remove=…, drain=… or weight=…`);
    }
    return listParam(param.slice(equals + 1), kind).map((text) => ({ kind, text }));
  });
}

/** applyChanges — the server list after the what-ifs (the input is not modified). */
export function applyChanges(input: PlanInput, changes: readonly PlanChange[], defaultPort: number): PlanServer[] {
  const servers = input.servers.map((server) => ({ ...server }));
  const find = (serverId: bigint, text: string): PlanServer => {
    const server = servers.find((candidate) => candidate.serverId === serverId);
    if (!server) throw new ParamError(`${text} is not a data server of group ${input.groupName}`);
    return server;
  };
  for (const change of changes) {
    if (change.kind === 'remove' || change.kind === 'drain') {
      find(serverParam(change.text, change.kind, defaultPort), change.text).alive = false;
      continue;
    }
    const parsed = parseServerEntry(change.text, defaultPort);
    if (!parsed.ok) throw new ParamError(`${change.kind}: ${parsed.message}`);
    const { address, rack, weight } = parsed.entry;
    const serverId = serverIdFromAddress(address);
    if (change.kind === 'weight') {
      if (!change.text.includes('*')) throw new ParamError(`weight: '${change.text}' gives no weight (ip:port*W)`);
      find(serverId, change.text).weight = weight;
      continue;
    }
    const known = servers.find((candidate) => candidate.serverId === serverId);
    if (known?.alive) throw new ParamError(`add: ${known.id} already takes copies`);
    const server = known ?? { serverId, id: `${address.ip}:${address.port}`, rack: '', weight, alive: true };
    const givenWeight = change.text.includes('*') ? weight : (known?.weight ?? weight);
    Object.assign(server, { alive: true, weight: givenWeight, rack: rack ?? (known ? known.rack : rackFromPosMask(serverId, input.posMask)) });
    if (!known) servers.push(server);
  }
  return servers;
}
