/**
 * server-table — pcode 1003 → 1103, how the config-server pair copies files.
 * 1103 is both the answer to 1003 and the primary's unsolicited push.
 *
 *   1003: type u32 (in the config_version slot) · group_name string
 *   1103: modified_time i32 · type i32 · group_name string · stored_len i32 · original_len i32 ·
 *         stored_len bytes (zlib when original_len > 0, raw when 0; `0, 0` and nothing when empty)
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** ServerTableType — which file a 1003/1103 is about. */
export const ServerTableType = {
  /** table — one group's table file (group name set). */
  table: 0,
  /** groupConfig — group.conf bytes and its modification time. */
  groupConfig: 1,
  /** record — one save of a group's table: the rows that changed since the one before (src/store/record-codec.ts). */
  record: 3,
} as const;

/** GetServerTableRequest — a config server asking its peer for a file. */
export interface GetServerTableRequest {
  type: number;
  groupName: string;
}

/** ServerTablePacket — a file's bytes, answered or pushed. */
export interface ServerTablePacket {
  /** modifiedTimeS — the file's mtime, seconds (group.conf); 0 for tables. */
  modifiedTimeS: number;
  type: number;
  groupName: string;
  /** originalBytes — the size before zlib; 0 means `data` is stored raw. */
  originalBytes: number;
  /** data — stored_len bytes (zlib when originalBytes > 0). */
  data: Buffer;
}

/** readGetServerTableRequest — decode a pcode 1003 body. */
export function readGetServerTableRequest(reader: BodyReader): GetServerTableRequest {
  return { type: reader.u32('type'), groupName: reader.string('group_name') };
}

/** writeGetServerTableRequest — encode a pcode 1003 body. */
export function writeGetServerTableRequest(writer: BodyWriter, request: GetServerTableRequest): void {
  writer.u32(request.type, 'type');
  writer.string(request.groupName, 'group_name');
}

/** readServerTablePacket — decode a pcode 1103 body. */
export function readServerTablePacket(reader: BodyReader): ServerTablePacket {
  const modifiedTimeS = reader.i32('modified_time');
  const type = reader.i32('type');
  const groupName = reader.string('group_name');
  const storedBytes = reader.checkCount(reader.i32('stored_len'), 1, 'stored_len');
  const originalBytes = reader.checkCount(reader.i32('original_len'), 0, 'original_len');
  return { modifiedTimeS, type, groupName, originalBytes, data: reader.bytes(storedBytes, 'data') };
}

/** writeServerTablePacket — encode a pcode 1103 body. */
export function writeServerTablePacket(writer: BodyWriter, packet: ServerTablePacket): void {
  writer.i32(packet.modifiedTimeS, 'modified_time');
  writer.i32(packet.type, 'type');
  writer.string(packet.groupName, 'group_name');
  writer.i32(packet.data.length, 'stored_len');
  writer.i32(packet.originalBytes, 'original_len');
  writer.bytes(packet.data);
}
