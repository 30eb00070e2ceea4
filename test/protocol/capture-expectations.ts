/**
 * capture-expectations — what a frame should decode to, read from the independent decoded dump
 * (`*.decoded.txt`), in our field names. Used to check every captured frame, not a sample.
 */
import { expect } from 'vitest';
import { serverIdFromText } from '../../src/common/server-id.js';
import { Pcode } from '../../src/protocol/pcodes.js';
import { unpackTransitionInfo } from '../../src/protocol/packets/fields.js';
import { numberField, textField, wordField } from './capture-files.js';

/** TableExpectation — what the dump says about a table blob. */
export interface TableExpectation {
  blobBytes: number;
  /** slotCount — decompressed entries, when the dump shows them. */
  slotCount?: number;
  /** firstServerIds — the first entries of the inflated table. */
  firstServerIds?: bigint[];
}

function serverId(text: string): bigint {
  return serverIdFromText(text, 0);
}

function listOf(text: string, pattern: RegExp): string[] {
  const match = pattern.exec(text);
  if (!match) throw new Error(`no ${pattern} in:\n${text}`);
  return match[1].trim() === '' ? [] : match[1].split(',').map((item) => item.trim());
}

function areaAmounts(text: string): Array<{ area: number; bytes: bigint }> {
  const match = /area_capacity\((\d+)\)=\[(.*)\]/.exec(text);
  if (!match) throw new Error(`no area_capacity in:\n${text}`);
  const amounts = [...match[2].matchAll(/\((\d+), (\d+)\)/g)].map((m) => ({ area: +m[1], bytes: BigInt(m[2]) }));
  if (amounts.length !== +match[1]) throw new Error(`area_capacity count mismatch in:\n${text}`);
  return amounts;
}

/** tableExpectation — the table lines of a 104 or 1102 record. */
export function tableExpectation(text: string): TableExpectation {
  const expectation: TableExpectation = { blobBytes: Number(/hash_table_size\(zlib bytes\)=(\d+)/.exec(text)?.[1]) };
  const decompressed = /decompressed (\d+) uint64/.exec(text);
  if (decompressed) expectation.slotCount = +decompressed[1];
  const first = /first 8: (.*)/.exec(text);
  if (first) expectation.firstServerIds = first[1].split(',').map((item) => serverId(item.trim()));
  return expectation;
}

/** heartbeatRequestFields — the fields of a pcode 9 record (statBytes checked separately). */
export function heartbeatRequestFields(text: string): Record<string, unknown> {
  return {
    serverFlag: numberField(text, 'server_flag'),
    serverId: serverId(wordField(text, 'server_id')),
    notReady: false,
    transition: unpackTransitionInfo(numberField(text, 'transition_info')),
    configVersion: numberField(text, 'config_version'),
    recoveryVersion: numberField(text, 'recovery_version'),
    pullMigratedInfo: numberField(text, 'pull_migrated_info') === 1,
    proxyBucketIndexes: listOf(text, /vec_bucket_no\(\d+\)=\[([^\]]*)\]/).map(Number),
    pluginsVersion: numberField(text, 'plugins_version'),
    areaCapacityVersion: numberField(text, 'area_capacity_version'),
    areaCapacities: areaAmounts(text),
  };
}

/** statExpectation — stat size and, when shown, its first bytes as hex. */
export function statExpectation(text: string): { statBytes: number; firstHex?: string } {
  const match = /stat_info_size=(\d+)(?: \(first bytes ([0-9a-f]+)\))?/.exec(text);
  if (!match) throw new Error(`no stat_info_size in:\n${text}`);
  return match[2] ? { statBytes: +match[1], firstHex: match[2] } : { statBytes: +match[1] };
}

/** heartbeatResponsePrefixFields — the fields of a pcode 104 record up to the group name. */
export function heartbeatResponsePrefixFields(text: string): Record<string, unknown> {
  return {
    clientVersion: numberField(text, 'client_version'),
    serverVersion: numberField(text, 'server_version'),
    bucketCount: numberField(text, 'bucket_count'),
    copyCount: numberField(text, 'copy_count'),
    downConfigServerId: BigInt(numberField(text, 'down_slave_config_server')),
    transition: unpackTransitionInfo(numberField(text, 'transition_info')),
    groupName: textField(text, 'group_name'),
  };
}

/** heartbeatResponseFields — every field of a pcode 104 record but the table and migrated info. */
export function heartbeatResponseFields(text: string): Record<string, unknown> {
  const pluginsFlag = numberField(text, 'plugins_flag');
  return {
    ...heartbeatResponsePrefixFields(text),
    plugins: pluginsFlag < 0 ? null : expect.any(Array),
    pluginsVersion: numberField(text, 'plugins_version'),
    areaCapacityVersion: numberField(text, 'area_capacity_version'),
    areaQuotas: areaAmounts(text),
    recoveryServerIds: [],
    recoveryVersion: 0,
  };
}

/** migratedInfoLength — u64 entries of migrated info in a pcode 104 record. */
export function migratedInfoLength(text: string): number {
  return Number(/migrated_info size=(\d+)/.exec(text)?.[1]);
}

/** groupParamsCount — entries of the group parameter map in a pcode 1102 record. */
export function groupParamsCount(text: string): number {
  return Number(/group_params map size=(\d+)/.exec(text)?.[1]);
}

/** pluginsCount — plugins_flag of a pcode 104 record when it is a count. */
export function pluginsCount(text: string): number {
  return numberField(text, 'plugins_flag');
}

/** simpleFields — the fields of records whose packets have only scalar fields. */
export function simpleFields(pcode: number, text: string): Record<string, unknown> {
  switch (pcode) {
    case Pcode.getGroupRequest:
      return { configVersion: numberField(text, 'config_version'), groupName: textField(text, 'group_name') };
    case Pcode.returnPacket:
      return {
        configVersion: numberField(text, 'config_version'),
        code: numberField(text, 'code'),
        message: textField(text, 'msg'),
      };
    case Pcode.migrateFinish:
      return {
        version: numberField(text, 'version'),
        serverId: serverId(wordField(text, 'server_id')),
        bucketIndex: numberField(text, 'bucket_no'),
      };
    case Pcode.getGroupResponse:
      return {
        bucketCount: numberField(text, 'bucket_count'),
        copyCount: numberField(text, 'copy_count'),
        configVersion: numberField(text, 'config_version'),
        availableServerIds: listOf(text, /available_server_ids count=\d+: (.*)/).map(serverId),
      };
    default:
      throw new Error(`no expectation for pcode ${pcode}`);
  }
}
