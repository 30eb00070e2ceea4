/**
 * op-cmd — pcode 16 → 17, admin commands.
 *
 *   16: cmd i32 · n i32 · n × param string
 *   17: code i32 · n i32 · n × info string
 *
 * An empty parameter travels as length 0 and decodes to "" (the original crashed on it).
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** OpCmd — the command numbers of the original admin tool. */
export const OpCmd = {
  resetDataServer: 3,
  getGroupStatus: 4,
  getTmpDownServer: 5,
  setGroupStatus: 6,
  migrateBucket: 23,
  allocArea: 24,
  setQuota: 25,
  getAreaStatus: 32,
  setAreaStatus: 33,
  switchBucket: 45,
  activeFailoverOrRecover: 46,
  replaceDataServer: 60,
  urgentOffline: 62,
} as const;

/** OpCmdRequest — one admin command and its parameters. */
export interface OpCmdRequest {
  cmd: number;
  params: string[];
}

/** OpCmdResponse — the command's return code and info lines. */
export interface OpCmdResponse {
  code: number;
  infos: string[];
}

/** readOpCmdRequest — decode a pcode 16 body. */
export function readOpCmdRequest(reader: BodyReader): OpCmdRequest {
  return { cmd: reader.i32('cmd'), params: reader.strings('params', true) };
}

/** writeOpCmdRequest — encode a pcode 16 body. */
export function writeOpCmdRequest(writer: BodyWriter, request: OpCmdRequest): void {
  writer.i32(request.cmd, 'cmd');
  writer.strings(request.params, 'params', true);
}

/** readOpCmdResponse — decode a pcode 17 body. */
export function readOpCmdResponse(reader: BodyReader): OpCmdResponse {
  return { code: reader.i32('code'), infos: reader.strings('infos', true) };
}

/** writeOpCmdResponse — encode a pcode 17 body. */
export function writeOpCmdResponse(writer: BodyWriter, response: OpCmdResponse): void {
  writer.i32(response.code, 'code');
  writer.strings(response.infos, 'infos', true);
}
