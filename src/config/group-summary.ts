/**
 * group-summary — a GroupConfig as plain JSON (bigints as strings, maps as objects), for
 * `tair-cs config check` and status output.
 */
import type { GroupConfig } from './group-config.js';

/** GroupSummary — the JSON form of one group. */
export type GroupSummary = Record<string, unknown>;

/** summarizeGroupConfig — every resolved key of `group`, JSON-safe, in a stable order. */
export function summarizeGroupConfig(group: GroupConfig): GroupSummary {
  return {
    name: group.name,
    bucketCount: group.bucketCount,
    copyCount: group.copyCount,
    servers: group.servers.map((server) => ({
      id: server.id,
      serverId: server.serverId.toString(),
      rack: server.rack,
      weight: server.weight,
    })),
    dataMove: group.dataMove,
    minDataServerCount: group.minDataServerCount,
    buildStrategy: group.buildStrategy,
    buildDiffRatio: group.buildDiffRatio,
    posMask: `0x${group.posMask.toString(16)}`,
    acceptStrategy: group.acceptStrategy,
    allowFailoverServer: group.allowFailoverServer,
    serverDownTimeMs: group.serverDownTimeMs,
    allowLostFlag: group.allowLostFlag,
    bucketPlacementFlag: group.bucketPlacementFlag,
    preLoadFlag: group.preLoadFlag,
    tmpDownServers: group.tmpDownServers,
    areaCapacities: Object.fromEntries([...group.areaCapacities].map(([area, bytes]) => [String(area), bytes.toString()])),
    areaKeys: Object.fromEntries(group.areaKeys),
    plugins: group.plugins,
    minConfigVersion: group.minConfigVersion,
    alwaysUpdateCapacityInfo: group.alwaysUpdateCapacityInfo,
    commonMap: Object.fromEntries(group.commonMap),
    contentHash: group.contentHash,
  };
}
