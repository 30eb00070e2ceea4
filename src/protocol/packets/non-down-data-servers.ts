/**
 * non-down-data-servers — pcode 1012 → 1112, a client asking which data servers are not DOWN.
 *
 *   1012: config_version u32 · group string
 *   1112: config_version u32 · n i32 · n × server u64
 *
 * The original client refuses a 1112 body under 12 bytes, i.e. the empty list;
 * ours accepts it (8 bytes: version and n = 0).
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** NonDownDataServersRequest — the client's version and group. */
export interface NonDownDataServersRequest {
  configVersion: number;
  groupName: string;
}

/** NonDownDataServersResponse — the ALIVE or STANDBY members, when the client's version differs. */
export interface NonDownDataServersResponse {
  configVersion: number;
  serverIds: bigint[];
}

/** readNonDownDataServersRequest — decode a pcode 1012 body. */
export function readNonDownDataServersRequest(reader: BodyReader): NonDownDataServersRequest {
  return { configVersion: reader.u32('config_version'), groupName: reader.string('group') };
}

/** writeNonDownDataServersRequest — encode a pcode 1012 body. */
export function writeNonDownDataServersRequest(writer: BodyWriter, request: NonDownDataServersRequest): void {
  writer.u32(request.configVersion, 'config_version');
  writer.string(request.groupName, 'group');
}

/** readNonDownDataServersResponse — decode a pcode 1112 body. */
export function readNonDownDataServersResponse(reader: BodyReader): NonDownDataServersResponse {
  return { configVersion: reader.u32('config_version'), serverIds: reader.u64List('servers', true) };
}

/** writeNonDownDataServersResponse — encode a pcode 1112 body. */
export function writeNonDownDataServersResponse(writer: BodyWriter, response: NonDownDataServersResponse): void {
  writer.u32(response.configVersion, 'config_version');
  writer.u64List(response.serverIds, 'servers', true);
}
