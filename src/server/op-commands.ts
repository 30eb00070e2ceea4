/**
 * op-commands — op_cmd (pcode 16 → 17) for the original's commands that only read.
 *
 *   4  get group status       "<group>: group_status=<value>"      default "off"
 *   5  get tmp down servers   "<group>: tmp_down_server=<value>"   default ""
 *   32 get area status        "<group>: area_status=<value>" per value
 *
 * Values are read fresh from group.conf, as the original does; a group missing from the file
 * gets the default. The other commands are answered by src/admin (admin-service.ts).
 */
import type { OpCmdRequest, OpCmdResponse } from '../protocol/index.js';
import { OpCmd, ReturnCode } from '../protocol/index.js';
import { readSectionValues } from './group-conf-editor.js';

interface ReadCommand {
  key: string;
  /** fallback — the value shown when the group sets none; null = show nothing. */
  fallback: string | null;
  allValues: boolean;
}

const readCommands = new Map<number, ReadCommand>([
  [OpCmd.getGroupStatus, { key: 'group_status', fallback: 'off', allValues: false }],
  [OpCmd.getTmpDownServer, { key: 'tmp_down_server', fallback: '', allValues: false }],
  [OpCmd.getAreaStatus, { key: 'area_status', fallback: null, allValues: true }],
]);

/** isReadOnlyOpCmd — whether `cmd` is answered by answerReadOnlyOpCmd. */
export function isReadOnlyOpCmd(cmd: number): boolean {
  return readCommands.has(cmd);
}

/** answerReadOnlyOpCmd — the reply to a read-only command, given group.conf's text. */
export function answerReadOnlyOpCmd(request: OpCmdRequest, groupConfText: string): OpCmdResponse {
  const command = readCommands.get(request.cmd);
  if (!command) return { code: ReturnCode.failed, infos: [] };
  const infos: string[] = [];
  for (const group of request.params) {
    const values = readSectionValues(groupConfText, group, command.key) ?? [];
    const shown = command.allValues ? values : values.slice(0, 1);
    if (shown.length === 0 && command.fallback !== null) shown.push(command.fallback);
    for (const value of shown) infos.push(`${group}: ${command.key}=${value}`);
  }
  return { code: ReturnCode.success, infos };
}
