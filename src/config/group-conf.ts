/**
 * group-conf — parses group.conf into resolved GroupConfigs, reporting every problem at once.
 *
 *   text ──scanIni──▶ sections ──parseGroupSection──▶ GroupConfig per section
 *                                                        └─▶ cross-group checks (duplicate servers)
 *
 * A file with any problem yields no groups: a reload applies atomically or not at all
 * (the original loaded everything above the first bad line).
 */
import { createHash } from 'node:crypto';
import type { ConfigProblem } from '../errors.js';
import {
  bucketCountMax,
  configFileBytesMax,
  copyCountMax,
  groupCountMax,
  groupNameBytesMax,
  rackCountMax,
  serverCountMax,
  serverDownTimeSecondsMax,
  slotCountMax,
} from '../limits.js';
import { readConfigFile } from './config-file.js';
import { parseDecimalText, readChoice, readFlag, readInteger, readMask, readRatio } from './config-values.js';
import type { GroupConfig, ServerConfig } from './group-config.js';
import { groupDefaults, knownGroupKeys, scalarGroupKeys } from './group-keys.js';
import { readAreaCapacities, readAreaKeys, readPlugins, readServerAddresses, readServerList } from './group-lists.js';
import type { IniEntry, IniSection } from './ini-dialect.js';
import { clip, scanIni } from './ini-dialect.js';
import { unknownKeyMessage } from './nearest-key.js';
import { fileProblemKey, ProblemList } from './problem-list.js';

export type { GroupConfig, ServerConfig } from './group-config.js';

/** GroupConfOptions — what group.conf alone does not say. */
export interface GroupConfOptions {
  /** defaultDataServerPort — `[tairserver] port` of configserver.conf, for entries without a port. */
  defaultDataServerPort: number;
}

/** GroupConfResult — the groups (empty when there is any problem) and every problem found. */
export interface GroupConfResult {
  groups: GroupConfig[];
  problems: ConfigProblem[];
}

const u32Max = 0xffff_ffff;
const int32Max = 0x7fff_ffff;

/** parseGroupConf — group.conf text to groups; `file` names the file in problems. */
export function parseGroupConf(text: string, file: string, options: GroupConfOptions): GroupConfResult {
  const problems = new ProblemList(file);
  const fileBytes = text.length > configFileBytesMax / 4 ? Buffer.byteLength(text) : text.length;
  if (fileBytes > configFileBytesMax) {
    problems.add(1, fileProblemKey, `file is ${fileBytes} bytes, over the ${configFileBytesMax}-byte limit`);
    return { groups: [], problems: problems.toArray() };
  }
  const sections = scanIni(text, problems);
  if (sections.length === 0) {
    // An empty file is far more often a half-written save than a wish to unload every group.
    problems.add(1, fileProblemKey, 'no group defined (each group is a [name] section)');
  }
  if (sections.length > groupCountMax) {
    problems.add(sections[groupCountMax].line, `[${sections[groupCountMax].name}]`, `more than ${groupCountMax} groups`);
  }
  const groups: GroupConfig[] = [];
  for (const section of sections) {
    const group = parseGroupSection(section, options.defaultDataServerPort, problems);
    if (section.valid) groups.push(group);
  }
  checkServersAcrossGroups(groups, problems);
  if (!problems.isEmpty()) return { groups: [], problems: problems.toArray() };
  return { groups, problems: [] };
}

/** loadGroupConf — reads and parses group.conf; a missing, unreadable or oversized file is one problem. */
export async function loadGroupConf(path: string, options: GroupConfOptions): Promise<GroupConfResult> {
  const read = await readConfigFile(path);
  if (!read.ok) return { groups: [], problems: [read.problem] };
  return parseGroupConf(read.text, path, options);
}

function parseGroupSection(section: IniSection, defaultPort: number, problems: ProblemList): GroupConfig {
  const byKey = indexEntries(section, problems);
  const first = (key: string): IniEntry | undefined => byKey.get(key)?.[0];
  const all = (key: string): IniEntry[] => byKey.get(key) ?? [];
  if (section.valid && section.name.length > groupNameBytesMax) {
    problems.add(section.line, `[${clip(section.name)}]`, `group name is longer than ${groupNameBytesMax} characters`);
  }
  const copyCount = readInteger(first('_copy_count'), groupDefaults.copyCount, 1, copyCountMax, problems);
  const bucketCount = readInteger(first('_bucket_number'), groupDefaults.bucketCount, 1, bucketCountMax, problems);
  if (bucketCount * copyCount > slotCountMax) {
    const where = first('_bucket_number') ?? first('_copy_count');
    problems.add(
      where?.line ?? section.line,
      where?.key ?? '_bucket_number',
      `buckets × copies = ${bucketCount * copyCount}, over the limit of ${slotCountMax}`,
    );
  }
  const rawMask = readMask(first('_pos_mask'), groupDefaults.posMask, BigInt(u32Max), problems);
  const posMask = rawMask === 0n ? groupDefaults.posMask : rawMask;
  const { servers, rejectedCount } = readServerList(all('_server_list'), posMask, defaultPort, problems);
  if (rejectedCount === 0) checkServerCounts(section, servers, copyCount, first('_copy_count'), problems);
  const dataMoveSetting = readFlag(first('_data_move'), groupDefaults.dataMove, problems);
  const preLoadFlag = readFlag(first('_pre_load_flag'), groupDefaults.preLoadFlag, problems);
  const tmpDownServers = readServerAddresses(first('tmp_down_server'), defaultPort, problems);
  readInteger(first('_report_interval'), groupDefaults.reportIntervalSeconds, 0, int32Max, problems);
  return {
    name: section.name,
    line: section.line,
    bucketCount,
    copyCount,
    servers,
    dataMove: copyCount > 1 ? true : dataMoveSetting,
    minDataServerCount: readMinDataServerCount(first('_min_data_server_count'), copyCount, servers.length, problems),
    buildStrategy: readChoice(first('_build_strategy'), 1, [1, 2, 3] as const, problems),
    buildDiffRatio: readRatio(first('_build_diff_ratio'), groupDefaults.buildDiffRatio, problems),
    posMask,
    acceptStrategy: readChoice(first('_accept_strategy'), 0, [0, 1] as const, problems),
    allowFailoverServer: readFlag(first('_allow_failover_server'), groupDefaults.allowFailoverServer, problems),
    serverDownTimeMs: 1000 * readInteger(first('_server_down_time'), groupDefaults.serverDownTimeSeconds, 1, serverDownTimeSecondsMax, problems),
    allowLostFlag: readFlag(first('_allow_lost_flag'), groupDefaults.allowLostFlag, problems),
    bucketPlacementFlag: readFlag(first('_bucket_placement_flag'), groupDefaults.bucketPlacementFlag, problems),
    preLoadFlag,
    tmpDownServers: preLoadFlag ? tmpDownServers : [],
    areaCapacities: readAreaCapacities(all('_areaCapacity_list'), problems),
    areaKeys: readAreaKeys(all('_areaKey_list'), problems),
    plugins: readPlugins(all('_plugIns_list'), problems),
    minConfigVersion: Math.max(groupDefaults.minConfigVersion, readInteger(first('_min_config_version'), groupDefaults.minConfigVersion, 0, u32Max, problems)),
    alwaysUpdateCapacityInfo: readFlag(first('_always_update_capacity_info'), groupDefaults.alwaysUpdateCapacityInfo, problems),
    commonMap: commonMapOf(byKey),
    contentHash: sectionHash(section, defaultPort),
    keyLines: new Map([...byKey].map(([key, entries]) => [key, entries[0].line])),
  };
}

/** indexEntries — entries by key; reports unknown `_` keys and repeated single-valued keys. */
function indexEntries(section: IniSection, problems: ProblemList): Map<string, IniEntry[]> {
  const byKey = new Map<string, IniEntry[]>();
  for (const entry of section.entries) {
    if (entry.key.startsWith('_') && !knownGroupKeys.includes(entry.key)) {
      problems.add(entry.line, entry.key, unknownKeyMessage('key', entry.key, knownGroupKeys));
      continue;
    }
    const list = byKey.get(entry.key);
    if (!list) {
      byKey.set(entry.key, [entry]);
      continue;
    }
    if (scalarGroupKeys.includes(entry.key)) {
      problems.add(entry.line, entry.key, `given twice (first at line ${list[0].line}); only one value is allowed`);
      continue;
    }
    list.push(entry);
  }
  return byKey;
}

function checkServerCounts(
  section: IniSection,
  servers: readonly ServerConfig[],
  copyCount: number,
  copyEntry: IniEntry | undefined,
  problems: ProblemList,
): void {
  if (servers.length < copyCount) {
    problems.add(
      copyEntry?.line ?? section.line,
      '_copy_count',
      `copy count ${copyCount} needs at least ${plural(copyCount, 'server')} in _server_list, ${servers.length} listed`,
    );
  }
  if (servers.length > serverCountMax) {
    problems.add(section.line, '_server_list', `${servers.length} servers, over the limit of ${serverCountMax}`);
  }
  const rackCount = new Set(servers.map((server) => server.rack)).size;
  if (rackCount > rackCountMax) {
    problems.add(section.line, '_server_list', `${rackCount} racks, over the limit of ${rackCountMax}`);
  }
}

/**
 * readMinDataServerCount — as in the original, a fraction v in (0, 1) means floor(v × servers
 * listed); a whole number is a count; the result is raised to the copy count. Unlike the original
 * a negative value is reported, and so is a count above the servers listed (no table would ever
 * be built).
 */
function readMinDataServerCount(entry: IniEntry | undefined, copyCount: number, serverCount: number, problems: ProblemList): number {
  if (!entry) return copyCount;
  const value = parseDecimalText(entry.value);
  if (value === null || !Number.isFinite(value)) {
    problems.add(entry.line, entry.key, `expected a server count or a fraction between 0 and 1, got '${clip(entry.value)}'`);
    return copyCount;
  }
  if (value >= 1 && !Number.isInteger(value)) {
    problems.add(entry.line, entry.key, `must be a whole number of servers or a fraction below 1, got ${entry.value}`);
    return copyCount;
  }
  const count = value < 1 ? Math.floor(value * serverCount) : value;
  if (count > serverCount && count > copyCount) {
    problems.add(entry.line, entry.key, `is ${count} but only ${serverCount} servers are listed; the table would never be built`);
    return copyCount;
  }
  return Math.max(count, copyCount);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function commonMapOf(byKey: Map<string, IniEntry[]>): Map<string, string> {
  const common = new Map<string, string>();
  for (const [key, entries] of byKey) if (!key.startsWith('_')) common.set(key, entries[0].value);
  return common;
}

function sectionHash(section: IniSection, defaultPort: number): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([section.name, defaultPort]));
  for (const entry of section.entries) hash.update(JSON.stringify([entry.key, entry.value]));
  return hash.digest('hex');
}

/** checkServersAcrossGroups — a data server belongs to one group (the original let the last one win). */
function checkServersAcrossGroups(groups: readonly GroupConfig[], problems: ProblemList): void {
  const owner = new Map<string, { group: string; line: number }>();
  for (const group of groups) {
    for (const server of group.servers) {
      const earlier = owner.get(server.id);
      if (earlier) {
        problems.add(server.line, '_server_list', `server ${server.id} is already in group '${earlier.group}' (line ${earlier.line})`);
      } else {
        owner.set(server.id, { group: group.name, line: server.line });
      }
    }
  }
}
