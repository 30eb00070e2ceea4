/**
 * table-transfer — the files the pair copies, in server-table packets (1103, as the original's pair):
 *
 *   type 0  a group's table: zlib of our table file (src/store/table-codec.ts, CRC-32C inside),
 *           `modified_time` = the group's transition version (memory-only state, so the secondary
 *           answers data servers in transition exactly as the primary does); 0, 0 = no table yet
 *   type 1  group.conf: zlib of the file's bytes, `modified_time` = its mtime in seconds
 *   type 3  one record (src/store/record-codec.ts, CRC-32C inside): the rows one save changed,
 *           pushed after the table itself; zlib when it is over recordDeflateBytesMin, else raw;
 *           `modified_time` = the transition version
 *
 * Both peers are ours: the original sent its own table file layout here. Inflating is bounded by
 * the largest file of the kind, and a table that fails its checksum or shape is refused.
 */
import { deflate, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { ProtocolError } from '../errors.js';
import { configFileBytesMax } from '../limits.js';
import type { ServerTablePacket } from '../protocol/index.js';
import { ServerTableType } from '../protocol/index.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import type { TableRecord } from '../cluster/persisted-group-table.js';
import { decodeRecord, encodeRecord } from '../store/record-codec.js';
import { decodeTable, encodeTable, tableFileBytesMax } from '../store/table-codec.js';
import { logRecordBytesMax } from '../limits.js';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

/** TransferredTable — a table as it travels, with its transition version. */
export interface TransferredTable {
  table: PersistedGroupTable | null;
  transitionVersion: number;
}

/** GroupConfFile — group.conf as it travels. */
export interface GroupConfFile {
  bytes: Buffer;
  mtimeS: number;
}

/** tablePacket — a 1103 carrying a group's table (or "none"). */
export async function tablePacket(groupName: string, table: PersistedGroupTable | null, transitionVersion: number): Promise<ServerTablePacket> {
  if (!table) return { modifiedTimeS: 0, type: ServerTableType.table, groupName, originalBytes: 0, data: Buffer.alloc(0) };
  const raw = encodeTable(table);
  const data = await deflateAsync(raw);
  return { modifiedTimeS: transitionVersion, type: ServerTableType.table, groupName, originalBytes: raw.length, data };
}

/** readTablePacket — the table a 1103 carries; throws ProtocolError when it is not a sound one. */
export async function readTablePacket(packet: ServerTablePacket): Promise<TransferredTable> {
  if (packet.type !== ServerTableType.table) throw new ProtocolError(`server table: type ${packet.type} where a table (0) was expected`);
  if (packet.data.length === 0 && packet.originalBytes === 0) return { table: null, transitionVersion: 0 };
  const raw = await inflateBounded(packet, tableFileBytesMax);
  const decoded = decodeTable(raw, packet.groupName);
  if (!decoded.ok) throw new ProtocolError(`server table of group '${packet.groupName}': ${decoded.reason}`);
  return { table: decoded.table, transitionVersion: Math.max(0, packet.modifiedTimeS) };
}

/** recordDeflateBytesMin — records at least this long travel compressed (the rows of many buckets). */
const recordDeflateBytesMin = 64 * 1024;

/** TransferredRecord — a record as it travels, with its transition version. */
export interface TransferredRecord {
  record: TableRecord;
  transitionVersion: number;
}

/** recordPacket — a 1103 carrying one record of rows. */
export async function recordPacket(record: TableRecord, transitionVersion: number): Promise<ServerTablePacket> {
  const raw = encodeRecord(record);
  const packet = { modifiedTimeS: transitionVersion, type: ServerTableType.record, groupName: record.groupName };
  if (raw.length < recordDeflateBytesMin) return { ...packet, originalBytes: 0, data: raw };
  return { ...packet, originalBytes: raw.length, data: await deflateAsync(raw) };
}

/** readRecordPacket — the record a 1103 carries; throws ProtocolError when it is not a sound one. */
export async function readRecordPacket(packet: ServerTablePacket): Promise<TransferredRecord> {
  if (packet.type !== ServerTableType.record) throw new ProtocolError(`server table: type ${packet.type} where a record (3) was expected`);
  const raw = await inflateBounded(packet, logRecordBytesMax);
  const decoded = decodeRecord(raw);
  if (!decoded.ok) throw new ProtocolError(`record of group '${packet.groupName}': ${decoded.reason}`);
  if (decoded.record.groupName !== packet.groupName) throw new ProtocolError(`record of group '${decoded.record.groupName}' sent as '${packet.groupName}'`);
  return { record: decoded.record, transitionVersion: Math.max(0, packet.modifiedTimeS) };
}

/** groupConfPacket — a 1103 carrying group.conf. */
export async function groupConfPacket(file: GroupConfFile): Promise<ServerTablePacket> {
  const data = await deflateAsync(file.bytes);
  return { modifiedTimeS: file.mtimeS, type: ServerTableType.groupConfig, groupName: '', originalBytes: file.bytes.length, data };
}

/** readGroupConfPacket — the group.conf a 1103 carries. */
export async function readGroupConfPacket(packet: ServerTablePacket): Promise<GroupConfFile> {
  if (packet.type !== ServerTableType.groupConfig) throw new ProtocolError(`server table: type ${packet.type} where group.conf (1) was expected`);
  const bytes = await inflateBounded(packet, configFileBytesMax);
  if (bytes.length === 0) throw new ProtocolError('server table: an empty group.conf');
  return { bytes, mtimeS: packet.modifiedTimeS };
}

async function inflateBounded(packet: ServerTablePacket, bytesMax: number): Promise<Buffer> {
  if (packet.originalBytes === 0) {
    if (packet.data.length > bytesMax) throw new ProtocolError(`server table: ${packet.data.length} bytes, over ${bytesMax}`);
    return packet.data;
  }
  if (packet.originalBytes > bytesMax) throw new ProtocolError(`server table: ${packet.originalBytes} bytes, over ${bytesMax}`);
  let raw: Buffer;
  try {
    raw = await inflateAsync(packet.data, { maxOutputLength: packet.originalBytes });
  } catch (error) {
    throw new ProtocolError(`server table: does not inflate to ${packet.originalBytes} bytes (${(error as Error).message})`);
  }
  if (raw.length !== packet.originalBytes) throw new ProtocolError(`server table: inflates to ${raw.length} bytes, not ${packet.originalBytes}`);
  return raw;
}
