/**
 * data-server-control — pcode 1500 → 1502, adding or deleting `_server_list` lines of a group.
 *
 *   1500: n i32 · n × server u64 · op u8 (0 add, 1 delete) · group string
 *   1502: n i32 · n × code u8 (one per server, DataServerControlCode)
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** DataServerControlOp — what a 1500 does to the listed servers. */
export const DataServerControlOp = { add: 0, delete: 1 } as const;

/**
 * DataServerControlCode — the per-server result of a 1500. 0..9 are the original's; 10 and 11 are
 * ours: the source may not edit group.conf (admin_allow / admin_secret), and this server is the
 * pair's secondary (send the request to the primary).
 */
export const DataServerControlCode = {
  ok: 0,
  fileOpFailed: 1,
  notFound: 4,
  alreadyExists: 5,
  groupNotFound: 6,
  badOp: 7,
  unknown: 9,
  denied: 10,
  notPrimary: 11,
} as const;

/** DataServerControlRequest — servers to add to or delete from a group. */
export interface DataServerControlRequest {
  serverIds: bigint[];
  op: number;
  groupName: string;
}

/** DataServerControlResponse — one result code per requested server. */
export interface DataServerControlResponse {
  codes: number[];
}

/** readDataServerControlRequest — decode a pcode 1500 body. */
export function readDataServerControlRequest(reader: BodyReader): DataServerControlRequest {
  const serverIds = reader.u64List('servers', true);
  return { serverIds, op: reader.u8('op'), groupName: reader.string('group') };
}

/** writeDataServerControlRequest — encode a pcode 1500 body. */
export function writeDataServerControlRequest(writer: BodyWriter, request: DataServerControlRequest): void {
  writer.u64List(request.serverIds, 'servers', true);
  writer.u8(request.op, 'op');
  writer.string(request.groupName, 'group');
}

/** readDataServerControlResponse — decode a pcode 1502 body. */
export function readDataServerControlResponse(reader: BodyReader): DataServerControlResponse {
  const codeCount = reader.count('codes', 1, true);
  return { codes: [...reader.bytes(codeCount, 'codes')] };
}

/** writeDataServerControlResponse — encode a pcode 1502 body. */
export function writeDataServerControlResponse(writer: BodyWriter, response: DataServerControlResponse): void {
  writer.i32(response.codes.length, 'codes');
  for (const code of response.codes) writer.u8(code, 'codes');
}
