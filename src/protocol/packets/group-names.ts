/**
 * group-names — pcode 1104, the answer to a group names request (1006, simple-requests.ts).
 *
 *   status i32 (1 when the config server is ready) · n i32 · n × group name string
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** GroupNamesResponse — the groups a config server serves. */
export interface GroupNamesResponse {
  status: number;
  groupNames: string[];
}

/** readGroupNamesResponse — decode a pcode 1104 body. */
export function readGroupNamesResponse(reader: BodyReader): GroupNamesResponse {
  return { status: reader.i32('status'), groupNames: reader.strings('group_names', true) };
}

/** writeGroupNamesResponse — encode a pcode 1104 body. */
export function writeGroupNamesResponse(writer: BodyWriter, response: GroupNamesResponse): void {
  writer.i32(response.status, 'status');
  writer.strings(response.groupNames, 'group_names', true);
}
