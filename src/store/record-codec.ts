/**
 * record-codec — one save of a group as bytes (format 1, little-endian): the state's header and
 * the rows of the buckets that changed since the record before it. Pure: the table log
 * (table-log.ts), the pair's pushes and any other store encode records with it; whole tables
 * travel as table files (table-codec.ts), which carry the record sequence they include.
 *
 *   offset  type       field
 *   0       u8[4]      magic "TCSR"
 *   4       u16        format version (1)
 *   6       u8         flags: bit 0 the server list is included (else: as in the record before)
 *   7       u8         reserved (0)
 *   8       u64        sequence (record n follows record n − 1)
 *   16      u64        epoch
 *   24      u32 ×2     bucket count B, copy count C
 *   32      u32 ×4     versions: client, server, plugins, area capacity
 *   48      i32        migrate block count (−1 = not migrating)
 *   52      u32        table hash of the three tables after the record (src/cluster/table-hash.ts)
 *   56      u16, u16   group name bytes, config hash bytes
 *   60      u32        server list bytes (0 unless flag bit 0)
 *   64      u32        n, changed buckets
 *   68      …          group name, config hash, servers "ip:port" joined by "\n"
 *           u32 × n    bucket indexes, ascending, each < B
 *           u32 × 3C·n rows: C current, C progress, C destination values per bucket (0 = empty,
 *                      k = servers[k − 1])
 *   end−4   u32        CRC-32C of every byte before it
 */
import { InputError } from '../errors.js';
import { bucketCountMax, configHashHexCharsMax, copyCountMax, groupNameBytesMax, serverCountMax, slotCountMax } from '../limits.js';
import type { TableRecord } from '../cluster/persisted-group-table.js';
import { crc32c } from './crc32c.js';
import { describeServerListProblem, groupNamePattern } from './persisted-table.js';

/** recordMagic — the first four bytes of every record. */
export const recordMagic = Buffer.from('TCSR', 'latin1');
/** recordFormatVersion — bumped on any layout change. */
export const recordFormatVersion = 1;
const fixedBytes = 68;
const serversIncludedFlag = 0x1;
const serverTextBytesMax = 22;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** RecordDecodeResult — a record, or why the bytes are not one. */
export type RecordDecodeResult = { ok: true; record: TableRecord } | { ok: false; reason: string };

/** encodeRecord — the bytes of a rows record; whole tables are table files instead (InputError). */
export function encodeRecord(record: TableRecord): Buffer {
  const { body } = record;
  if (body.kind !== 'rows') throw new InputError('a record of whole tables is written as a table file, not a record');
  const width = 3 * record.copyCount;
  const count = body.bucketIndexes.length;
  if (body.rows.length !== count * width) throw new InputError(`record rows: ${body.rows.length} values for ${count} buckets of width ${width}`);
  const name = Buffer.from(record.groupName, 'utf8');
  const hash = Buffer.from(record.configHash, 'latin1');
  const servers = record.servers ? Buffer.from(record.servers.join('\n'), 'latin1') : Buffer.alloc(0);
  const total = fixedBytes + name.length + hash.length + servers.length + 4 * count * (1 + width) + 4;
  const bytes = Buffer.alloc(total);
  recordMagic.copy(bytes, 0);
  bytes.writeUInt16LE(recordFormatVersion, 4);
  bytes.writeUInt8(record.servers ? serversIncludedFlag : 0, 6);
  bytes.writeBigUInt64LE(BigInt(record.seq), 8);
  bytes.writeBigUInt64LE(record.epoch, 16);
  bytes.writeUInt32LE(record.bucketCount, 24);
  bytes.writeUInt32LE(record.copyCount, 28);
  const { versions } = record;
  for (const [i, value] of [versions.client, versions.server, versions.plugins, versions.areaCapacity].entries()) bytes.writeUInt32LE(value, 32 + 4 * i);
  bytes.writeInt32LE(record.migrateBlockCount, 48);
  bytes.writeUInt32LE(record.tableHash >>> 0, 52);
  bytes.writeUInt16LE(name.length, 56);
  bytes.writeUInt16LE(hash.length, 58);
  bytes.writeUInt32LE(servers.length, 60);
  bytes.writeUInt32LE(count, 64);
  let offset = fixedBytes;
  for (const part of [name, hash, servers]) offset += part.copy(bytes, offset);
  offset = writeUint32s(bytes, offset, body.bucketIndexes);
  offset = writeUint32s(bytes, offset, body.rows);
  bytes.writeUInt32LE(crc32c(bytes.subarray(0, offset)), offset);
  return bytes;
}

/**
 * decodeRecord — verifies and decodes a record: size, magic, version, CRC, bounds, strings,
 * ascending buckets below B, values within the server list when it is included.
 */
export function decodeRecord(bytes: Uint8Array): RecordDecodeResult {
  const fail = (reason: string): RecordDecodeResult => ({ ok: false, reason });
  if (bytes.length < fixedBytes + 4) return fail(`record truncated: ${bytes.length} bytes`);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!recordMagic.equals(buffer.subarray(0, 4))) return fail('bad magic: not a table record');
  const formatVersion = buffer.readUInt16LE(4);
  if (formatVersion !== recordFormatVersion) return fail(`record format ${formatVersion} is not supported (this build reads ${recordFormatVersion})`);
  const stored = buffer.readUInt32LE(bytes.length - 4);
  const actual = crc32c(buffer.subarray(0, bytes.length - 4));
  if (stored !== actual) return fail(`record checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)})`);
  const head = readHead(buffer);
  if (typeof head === 'string') return fail(head);
  const expected = fixedBytes + head.nameBytes + head.hashBytes + head.serverBytes + 4 * head.count * (1 + 3 * head.copyCount) + 4;
  if (bytes.length !== expected) return fail(`record of ${bytes.length} bytes, its header promises ${expected}`);
  const strings = readStrings(buffer, head);
  if (typeof strings === 'string') return fail(strings);
  let offset = fixedBytes + head.nameBytes + head.hashBytes + head.serverBytes;
  const bucketIndexes = readUint32s(buffer, offset, head.count);
  offset += 4 * head.count;
  const rows = readUint32s(buffer, offset, 3 * head.copyCount * head.count);
  const problem = describeRowsProblem(bucketIndexes, rows, head.bucketCount, strings.servers?.length ?? serverCountMax);
  if (problem) return fail(problem);
  return {
    ok: true,
    record: {
      groupName: strings.groupName,
      bucketCount: head.bucketCount,
      copyCount: head.copyCount,
      versions: { client: buffer.readUInt32LE(32), server: buffer.readUInt32LE(36), plugins: buffer.readUInt32LE(40), areaCapacity: buffer.readUInt32LE(44) },
      epoch: buffer.readBigUInt64LE(16),
      migrateBlockCount: head.migrateBlockCount,
      configHash: strings.configHash,
      seq: head.seq,
      servers: strings.servers,
      tableHash: buffer.readUInt32LE(52),
      body: { kind: 'rows', bucketIndexes, rows },
    },
  };
}

interface RecordHead {
  seq: number;
  bucketCount: number;
  copyCount: number;
  migrateBlockCount: number;
  serversIncluded: boolean;
  nameBytes: number;
  hashBytes: number;
  serverBytes: number;
  count: number;
}

function readHead(buffer: Buffer): RecordHead | string {
  const seq = buffer.readBigUInt64LE(8);
  if (seq > BigInt(Number.MAX_SAFE_INTEGER)) return `record sequence ${seq} is out of range`;
  const head: RecordHead = {
    seq: Number(seq),
    bucketCount: buffer.readUInt32LE(24),
    copyCount: buffer.readUInt32LE(28),
    migrateBlockCount: buffer.readInt32LE(48),
    serversIncluded: (buffer.readUInt8(6) & serversIncludedFlag) !== 0,
    nameBytes: buffer.readUInt16LE(56),
    hashBytes: buffer.readUInt16LE(58),
    serverBytes: buffer.readUInt32LE(60),
    count: buffer.readUInt32LE(64),
  };
  if ((buffer.readUInt8(6) & ~serversIncludedFlag) !== 0 || buffer.readUInt8(7) !== 0) return 'unknown record flags';
  if (head.bucketCount < 1 || head.bucketCount > bucketCountMax || head.copyCount < 1 || head.copyCount > copyCountMax)
    return `record shape ${head.bucketCount} × ${head.copyCount} is out of bounds`;
  if (head.bucketCount * head.copyCount > slotCountMax) return `record shape ${head.bucketCount} × ${head.copyCount} is out of bounds`;
  if (head.migrateBlockCount < -1 || head.migrateBlockCount > head.bucketCount * head.copyCount)
    return `migrate block count ${head.migrateBlockCount} is out of bounds`;
  if (head.count > head.bucketCount) return `${head.count} changed buckets of ${head.bucketCount}`;
  if (head.nameBytes > groupNameBytesMax || head.hashBytes > configHashHexCharsMax || head.serverBytes > serverTextBytesMax * serverCountMax)
    return 'string lengths out of bounds';
  if (!head.serversIncluded && head.serverBytes !== 0) return 'server list bytes without the server list flag';
  return head;
}

function readStrings(buffer: Buffer, head: RecordHead): { groupName: string; configHash: string; servers: string[] | null } | string {
  let offset = fixedBytes;
  const take = (length: number): string => {
    const start = offset;
    offset += length;
    return utf8.decode(buffer.subarray(start, offset));
  };
  let groupName: string;
  let configHash: string;
  let serverText: string;
  try {
    groupName = take(head.nameBytes);
    configHash = take(head.hashBytes);
    serverText = take(head.serverBytes);
  } catch {
    return 'strings in the record are not valid UTF-8';
  }
  if (!groupNamePattern.test(groupName)) return `group name '${groupName}' is not valid`;
  if (!/^[0-9a-f]*$/.test(configHash)) return 'config hash is not lower-case hex';
  if (!head.serversIncluded) return { groupName, configHash, servers: null };
  const servers = serverText === '' ? [] : serverText.split('\n');
  const problem = describeServerListProblem(servers);
  return problem ?? { groupName, configHash, servers };
}

function describeRowsProblem(bucketIndexes: Uint32Array, rows: Uint32Array, bucketCount: number, serverCount: number): string | null {
  let previous = -1;
  for (const bucketIndex of bucketIndexes) {
    if (bucketIndex <= previous || bucketIndex >= bucketCount) return `bucket ${bucketIndex} out of order or not below ${bucketCount}`;
    previous = bucketIndex;
  }
  for (let i = 0; i < rows.length; i++) if (rows[i] > serverCount) return `a row names server ${rows[i]} of ${serverCount}`;
  return null;
}

function writeUint32s(bytes: Buffer, offset: number, values: Uint32Array): number {
  let at = offset;
  for (let i = 0; i < values.length; i++, at += 4) bytes.writeUInt32LE(values[i], at);
  return at;
}

function readUint32s(buffer: Buffer, offset: number, count: number): Uint32Array {
  const values = new Uint32Array(count);
  for (let i = 0; i < count; i++) values[i] = buffer.readUInt32LE(offset + 4 * i);
  return values;
}
