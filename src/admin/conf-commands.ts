/**
 * conf-commands — the original's admin commands that edit group.conf, as pure
 * functions from the file's text to the new text and the reply, without its defects:
 *
 *   3  reset_ds GROUP [DS…]           every listed server leaves tmp_down_server (the original
 *                                     skipped the first); none listed = clear the list
 *   6  set_group_status GROUP on|off  group_status = on|off
 *   33 set_area_status GROUP AREA S   area_status keeps one `area,status;` entry per area (a
 *                                     second area_status line would make the file invalid)
 *   24 alloc_area KEY QUOTA GROUP     KEY 65536 = lowest free area ≥ 1; a number = that area;
 *                                     a name = lowest free area, recorded in _areaKey_list
 *                                     (the original turned names into area 0)
 *   25 set_quota AREA QUOTA GROUP     AREA by number or name; quota 0 deletes the area and every
 *                                     name of it (the original left names behind)
 *
 * The new text must parse without a problem or nothing is written (an edit never breaks the
 * file), and a refused command writes nothing. No lock is held across a return: the
 * writer serializes whole edits.
 */
import { areaCountMax } from '../limits.js';
import { formatServerId, parseServerAddress, serverIdFromAddress } from '../common/server-id.js';
import { parseGroupConf } from '../config/group-conf.js';
import type { GroupConfig } from '../config/group-config.js';
import type { OpCmdRequest, OpCmdResponse } from '../protocol/index.js';
import { formatConfigProblem } from '../errors.js';
import { AdminCmd, AdminCode } from './admin-codes.js';
import { expectParams, groupParam, nonEmpty, ok, ParamError, reply, serverParam, wholeNumber } from './op-params.js';
import { SectionEditor } from './section-editor.js';

/** ConfEditContext — what an edit needs besides the text. */
export interface ConfEditContext {
  file: string;
  defaultDataServerPort: number;
  /** serverStatus — a data server's status in a group, or null when it is not one of its members. */
  serverStatus(groupName: string, serverId: bigint): 'alive' | 'standby' | 'down' | null;
}

/** ConfEditResult — the new text (null = write nothing) and the reply. */
export interface ConfEditResult {
  text: string | null;
  response: OpCmdResponse;
}

/** autoAreaKey — TAIR_AUTO_ALLOC_AREA: "give me any free area". */
export const autoAreaKey = '65536';
const int64Max = 0x7fff_ffff_ffff_ffffn;
const statusPattern = /^[A-Za-z0-9_]{1,32}$/;
const areaNamePattern = /^[^\s,;#=]{1,64}$/;

/** confCommands — the command numbers answered here. */
export const confCommands: ReadonlySet<number> = new Set([
  AdminCmd.resetDataServer,
  AdminCmd.setGroupStatus,
  AdminCmd.setAreaStatus,
  AdminCmd.allocArea,
  AdminCmd.setQuota,
]);

/** editForCommand — the edit of one command on `text` (ParamError → −4201, nothing written). */
export function editForCommand(text: string, request: OpCmdRequest, context: ConfEditContext): ConfEditResult {
  try {
    const result = runCommand(text, request, context);
    if (result.text === null || result.text === text) return result;
    const problems = parseGroupConf(result.text, context.file, { defaultDataServerPort: context.defaultDataServerPort }).problems;
    if (problems.length > 0) return refused(AdminCode.failed, `the edit would make group.conf invalid: ${formatConfigProblem(problems[0])}`);
    return result;
  } catch (error) {
    if (error instanceof ParamError) return refused(AdminCode.invalidParam, error.message);
    throw error;
  }
}

function runCommand(text: string, request: OpCmdRequest, context: ConfEditContext): ConfEditResult {
  const { params } = request;
  switch (request.cmd) {
    case AdminCmd.resetDataServer:
      expectParams(params, 1, Number.POSITIVE_INFINITY, 'group [server…]');
      return withGroup(text, groupParam(params[0]), context, (editor, group) => resetServers(editor, group, params.slice(1), context));
    case AdminCmd.setGroupStatus: {
      expectParams(params, 2, 2, 'group on|off');
      const status = nonEmpty(params[1], 'status');
      if (status !== 'on' && status !== 'off') throw new ParamError(`status '${status}' must be on or off`);
      return withGroup(text, groupParam(params[0]), context, (editor, group) => {
        editor.setValue('group_status', status);
        return { text: editor.text(), response: ok(`${group.name}: group_status=${status}`) };
      });
    }
    case AdminCmd.setAreaStatus: {
      expectParams(params, 3, 3, 'group area status');
      const area = wholeNumber(params[1], 'area', areaCountMax - 1);
      const status = nonEmpty(params[2], 'status');
      if (!statusPattern.test(status)) throw new ParamError(`status '${status}' must be 1..32 letters, digits or _`);
      return withGroup(text, groupParam(params[0]), context, (editor, group) => setAreaStatus(editor, group, area, status));
    }
    case AdminCmd.allocArea: {
      expectParams(params, 3, 3, 'area_key quota group');
      const key = nonEmpty(params[0], 'area key');
      const quota = quotaParam(params[1]);
      return withGroup(text, groupParam(params[2]), context, (editor, group) => allocArea(editor, group, key, quota));
    }
    default: {
      expectParams(params, 3, 3, 'area quota group');
      const area = nonEmpty(params[0], 'area');
      const quota = quotaParam(params[1]);
      return withGroup(text, groupParam(params[2]), context, (editor, group) => setQuota(editor, group, area, quota));
    }
  }
}

function withGroup(
  text: string,
  groupName: string,
  context: ConfEditContext,
  edit: (editor: SectionEditor, group: GroupConfig) => ConfEditResult,
): ConfEditResult {
  const parsed = parseGroupConf(text, context.file, { defaultDataServerPort: context.defaultDataServerPort });
  if (parsed.problems.length > 0) return refused(AdminCode.failed, `group.conf has problems; fix it first: ${formatConfigProblem(parsed.problems[0])}`);
  const group = parsed.groups.find((candidate) => candidate.name === groupName);
  const editor = SectionEditor.open(text, groupName);
  if (!group || !editor) return refused(AdminCode.groupNotFound, `group ${groupName} not found`);
  return edit(editor, group);
}

function resetServers(editor: SectionEditor, group: GroupConfig, listed: readonly string[], context: ConfEditContext): ConfEditResult {
  const serverIds = listed.map((text) => serverParam(text, 'server', context.defaultDataServerPort));
  for (const serverId of serverIds) {
    const status = context.serverStatus(group.name, serverId);
    if (status === null) throw new ParamError(`${formatServerId(serverId)} is not a data server of group ${group.name}`);
    if (status !== 'alive')
      return refused(AdminCode.refused, `${formatServerId(serverId)} is ${status.toUpperCase()}; only ALIVE servers leave tmp_down_server`);
  }
  const goes = (entry: string): boolean => {
    const id = entryServerId(entry, context.defaultDataServerPort);
    return serverIds.length === 0 || (id !== null && serverIds.includes(id));
  };
  const entries = editor.entries('tmp_down_server');
  const remaining = entries.filter((entry) => !goes(entry));
  if (remaining.length === entries.length) return { text: null, response: ok(`${group.name}: tmp_down_server unchanged`) };
  if (remaining.length === 0) editor.removeKey('tmp_down_server');
  else editor.setValue('tmp_down_server', `${remaining.join(';')};`);
  return { text: editor.text(), response: ok(`${group.name}: tmp_down_server=${remaining.join(';')}`) };
}

function setAreaStatus(editor: SectionEditor, group: GroupConfig, area: number, status: string): ConfEditResult {
  const entries = editor.entries('area_status').filter((entry) => entry.split(',')[0].trim() !== String(area));
  entries.push(`${area},${status}`);
  editor.setValue('area_status', `${entries.join(';')};`);
  return { text: editor.text(), response: ok(`${group.name}: area_status=${area},${status}`) };
}

function allocArea(editor: SectionEditor, group: GroupConfig, key: string, quota: bigint): ConfEditResult {
  const taken = new Set<number>([...group.areaCapacities.keys(), ...group.areaKeys.values()]);
  let area: number;
  let name: string | null = null;
  if (key === autoAreaKey) {
    area = lowestFreeArea(taken);
  } else if (/^\d+$/.test(key)) {
    area = wholeNumber(key, 'area key', areaCountMax - 1);
    if (taken.has(area)) return refused(AdminCode.areaExisted, `area ${area} already exists in group ${group.name}`);
  } else {
    if (!areaNamePattern.test(key)) throw new ParamError(`area key '${key}' must be 1..64 characters without blanks , ; # =`);
    if (group.areaKeys.has(key)) return refused(AdminCode.areaExisted, `area key '${key}' already names area ${group.areaKeys.get(key)}`);
    name = key;
    area = lowestFreeArea(taken);
  }
  if (area < 0) return refused(AdminCode.noMoreArea, `group ${group.name} has no free area left`);
  editor.appendLine('_areaCapacity_list', `${area},${quota};`);
  if (name !== null) editor.appendLine('_areaKey_list', `${name},${area};`);
  return { text: editor.text(), response: ok(String(area)) };
}

function setQuota(editor: SectionEditor, group: GroupConfig, areaText: string, quota: bigint): ConfEditResult {
  const area = /^\d+$/.test(areaText) ? Number(areaText) : group.areaKeys.get(areaText);
  if (area === undefined || !group.areaCapacities.has(area)) {
    return refused(AdminCode.areaNotExisted, `area ${areaText} does not exist in group ${group.name}`);
  }
  const isArea = (entry: string, position: 'first' | 'last'): boolean => {
    const parts = entry.split(',').map((part) => part.trim());
    return (position === 'first' ? parts[0] : parts[parts.length - 1]) === String(area);
  };
  if (quota === 0n) {
    editor.mapEntries('_areaCapacity_list', (entry) => (isArea(entry, 'first') ? null : entry));
    editor.mapEntries('_areaKey_list', (entry) => (isArea(entry, 'last') ? null : entry));
    return { text: editor.text(), response: ok(`${group.name}: area ${area} deleted`) };
  }
  editor.mapEntries('_areaCapacity_list', (entry) => (isArea(entry, 'first') ? `${area},${quota}` : entry));
  return { text: editor.text(), response: ok(`${group.name}: area ${area} quota ${quota}`) };
}

function lowestFreeArea(taken: ReadonlySet<number>): number {
  for (let area = 1; area < areaCountMax; area++) if (!taken.has(area)) return area;
  return -1;
}

function quotaParam(text: string | undefined): bigint {
  const trimmed = nonEmpty(text, 'quota');
  if (!/^\d{1,19}$/.test(trimmed) || BigInt(trimmed) > int64Max) throw new ParamError(`quota '${trimmed}' must be a whole number of bytes 0..${int64Max}`);
  return BigInt(trimmed);
}

function entryServerId(entry: string, defaultPort: number): bigint | null {
  try {
    return serverIdFromAddress(parseServerAddress(entry, defaultPort));
  } catch {
    return null;
  }
}

function refused(code: number, message: string): ConfEditResult {
  return { text: null, response: reply(code, message) };
}
