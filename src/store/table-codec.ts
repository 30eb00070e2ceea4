/**
 * table-codec — the bytes of `data_dir/<group>.table` (format version 2), all little-endian:
 *
 *   offset  type       field
 *   0       u8[8]      magic "TAIRCSTB"
 *   8       u32        format version (2; version 1 files, without the record sequence, still load)
 *   12      u32        header bytes H (multiple of 8)
 *   16      u32        bucket count B
 *   20      u32        copy count C
 *   24      u32 ×4     versions: client, server, plugins, area capacity
 *   40      u64        epoch (config-server pair term)
 *   48      i32        migrate block count (−1 = not migrating)
 *   52      u32        server count S
 *   56      u16        group name bytes
 *   58      u16        config hash bytes
 *   60      u32        server list bytes
 *   64      u64        record sequence: the last record of the table log this snapshot includes
 *                      (table-store.ts; absent in version 1, read as 0)
 *   72      …          group name (UTF-8), config hash (hex), servers "ip:port" joined by "\n",
 *                      zero padding up to H
 *   H       u32[C·B]   current table       (slot = copyIndex·B + bucketIndex; 0 empty, k = servers[k−1])
 *   H+4CB   u32[C·B]   progress table
 *   H+8CB   u32[C·B]   destination table
 *   H+12CB  u32        CRC-32C of every byte before it
 *
 * The checksum is a trailer so one pass covers header and body, and a file cut anywhere fails the
 * size check before anything else is trusted.
 */
import { configHashHexCharsMax, groupNameBytesMax, serverCountMax, slotCountMax } from '../limits.js';
import { crc32c } from './crc32c.js';
import type { PersistedGroupTable } from './persisted-table.js';
import { describeTableShapeProblem } from './persisted-table.js';

/** tableFileMagic — the first eight bytes of every table file. */
export const tableFileMagic = Buffer.from('TAIRCSTB', 'latin1');
/** tableFormatVersion — bumped on any layout change; older readers refuse newer files. */
export const tableFormatVersion = 2;
/** tableFixedHeaderBytes — the header before the variable-length strings (version 2). */
export const tableFixedHeaderBytes = 72;
const fixedHeaderBytesByVersion: Record<number, number> = { 1: 64, 2: 72 };
/** tableTrailerBytes — the CRC-32C at the end. */
export const tableTrailerBytes = 4;

const originalTableMagic = 0x31766257;
/** serverTextBytesMax — "255.255.255.255:65535" plus its newline. */
const serverTextBytesMax = 22;
const headerBytesMax = align8(tableFixedHeaderBytes + groupNameBytesMax + configHashHexCharsMax + serverTextBytesMax * serverCountMax);
/** tableFileBytesMax — no valid table file is bigger; checked before reading one into memory. */
export const tableFileBytesMax = headerBytesMax + 12 * slotCountMax + tableTrailerBytes;

const hostIsLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** TableDecodeResult — a verified table, or why the bytes are not one. */
export type TableDecodeResult = { ok: true; table: PersistedGroupTable } | { ok: false; reason: string };

/** encodeTableHeader — the H header bytes of `table` (shape already checked by the caller). */
export function encodeTableHeader(table: PersistedGroupTable): Buffer {
  const name = Buffer.from(table.groupName, 'utf8');
  const hash = Buffer.from(table.configHash, 'latin1');
  const servers = Buffer.from(table.servers.join('\n'), 'latin1');
  const headerBytes = align8(tableFixedHeaderBytes + name.length + hash.length + servers.length);
  const header = Buffer.alloc(headerBytes);
  tableFileMagic.copy(header, 0);
  header.writeUInt32LE(tableFormatVersion, 8);
  header.writeUInt32LE(headerBytes, 12);
  header.writeUInt32LE(table.bucketCount, 16);
  header.writeUInt32LE(table.copyCount, 20);
  header.writeUInt32LE(table.versions.client, 24);
  header.writeUInt32LE(table.versions.server, 28);
  header.writeUInt32LE(table.versions.plugins, 32);
  header.writeUInt32LE(table.versions.areaCapacity, 36);
  header.writeBigUInt64LE(table.epoch, 40);
  header.writeInt32LE(table.migrateBlockCount, 48);
  header.writeUInt32LE(table.servers.length, 52);
  header.writeUInt16LE(name.length, 56);
  header.writeUInt16LE(hash.length, 58);
  header.writeUInt32LE(servers.length, 60);
  header.writeBigUInt64LE(BigInt(table.recordSeq), 64);
  name.copy(header, tableFixedHeaderBytes);
  hash.copy(header, tableFixedHeaderBytes + name.length);
  servers.copy(header, tableFixedHeaderBytes + name.length + hash.length);
  return header;
}

/** tableBodyChunks — the three tables as little-endian bytes (views, no copy, on little-endian hosts). */
export function tableBodyChunks(table: PersistedGroupTable): Uint8Array[] {
  return [table.current, table.progress, table.destination].map(littleEndianBytes);
}

/** encodeTrailer — the 4-byte CRC-32C trailer. */
export function encodeTrailer(crc: number): Buffer {
  const trailer = Buffer.alloc(tableTrailerBytes);
  trailer.writeUInt32LE(crc >>> 0, 0);
  return trailer;
}

/** encodeTable — the whole file in one buffer (small tables and tests; the store streams chunks). */
export function encodeTable(table: PersistedGroupTable): Buffer {
  const chunks = [encodeTableHeader(table), ...tableBodyChunks(table)];
  const crc = chunks.reduce((value, chunk) => crc32c(chunk, value), 0);
  return Buffer.concat([...chunks, encodeTrailer(crc)]);
}

/**
 * decodeTable — verifies and decodes a table file. Checks, in order: size, magic, format version,
 * header bounds, exact file size, checksum, then the decoded shape (group name, servers, slots).
 * The returned tables may be views into `bytes`.
 */
export function decodeTable(bytes: Uint8Array, groupName: string): TableDecodeResult {
  const fail = (reason: string): TableDecodeResult => ({ ok: false, reason });
  const minimum = fixedHeaderBytesByVersion[1] + tableTrailerBytes;
  if (bytes.length < minimum) return fail(`truncated: ${bytes.length} bytes, a table file has at least ${minimum}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!tableFileMagic.equals(bytes.subarray(0, 8))) {
    return fail(
      view.getUint32(0, true) === originalTableMagic
        ? 'this is an original Tair server table; convert it with `tair-cs table import`'
        : 'bad magic: not a tair-config-server table file',
    );
  }
  const formatVersion = view.getUint32(8, true);
  const fixedBytes = fixedHeaderBytesByVersion[formatVersion];
  if (fixedBytes === undefined) return fail(`format version ${formatVersion} is not supported (this build reads 1 and ${tableFormatVersion})`);
  if (bytes.length < fixedBytes + tableTrailerBytes)
    return fail(`truncated: ${bytes.length} bytes, a table file has at least ${fixedBytes + tableTrailerBytes}`);
  const layout = readLayout(view, fixedBytes);
  if (typeof layout === 'string') return fail(layout);
  const expectedBytes = layout.headerBytes + 12 * layout.slotCount + tableTrailerBytes;
  if (bytes.length < expectedBytes) return fail(`truncated: ${bytes.length} bytes, the header promises ${expectedBytes}`);
  if (bytes.length > expectedBytes) return fail(`${bytes.length - expectedBytes} unexpected bytes after the end of the table`);
  const storedCrc = view.getUint32(expectedBytes - tableTrailerBytes, true);
  const actualCrc = crc32c(bytes.subarray(0, expectedBytes - tableTrailerBytes));
  if (storedCrc !== actualCrc) return fail(`checksum mismatch (stored 0x${hex32(storedCrc)}, computed 0x${hex32(actualCrc)})`);
  const table = buildTable(bytes, view, layout);
  if (typeof table === 'string') return fail(table);
  if (table.groupName !== groupName) return fail(`file holds group '${table.groupName}', not '${groupName}'`);
  const shapeProblem = describeTableShapeProblem(table);
  return shapeProblem ? fail(shapeProblem) : { ok: true, table };
}

interface Layout {
  fixedBytes: number;
  recordSeq: number;
  headerBytes: number;
  bucketCount: number;
  copyCount: number;
  slotCount: number;
  serverCount: number;
  nameBytes: number;
  hashBytes: number;
  serverListBytes: number;
}

function readLayout(view: DataView, fixedBytes: number): Layout | string {
  const recordSeq = fixedBytes > 64 ? view.getBigUint64(64, true) : 0n;
  if (recordSeq > BigInt(Number.MAX_SAFE_INTEGER)) return `record sequence ${recordSeq} is out of range`;
  const layout: Layout = {
    fixedBytes,
    recordSeq: Number(recordSeq),
    headerBytes: view.getUint32(12, true),
    bucketCount: view.getUint32(16, true),
    copyCount: view.getUint32(20, true),
    slotCount: 0,
    serverCount: view.getUint32(52, true),
    nameBytes: view.getUint16(56, true),
    hashBytes: view.getUint16(58, true),
    serverListBytes: view.getUint32(60, true),
  };
  layout.slotCount = layout.bucketCount * layout.copyCount;
  if (layout.bucketCount < 1 || layout.copyCount < 1 || layout.slotCount > slotCountMax) {
    return `bucket count ${layout.bucketCount} × copy count ${layout.copyCount} is out of bounds`;
  }
  if (layout.serverCount > serverCountMax) return `server count ${layout.serverCount} is over ${serverCountMax}`;
  if (layout.nameBytes > groupNameBytesMax || layout.hashBytes > configHashHexCharsMax || layout.serverListBytes > serverTextBytesMax * layout.serverCount) {
    return 'string lengths in the header are out of bounds';
  }
  const used = fixedBytes + layout.nameBytes + layout.hashBytes + layout.serverListBytes;
  if (layout.headerBytes !== align8(used)) return `header size ${layout.headerBytes} does not match its contents (${align8(used)})`;
  return layout;
}

function buildTable(bytes: Uint8Array, view: DataView, layout: Layout): PersistedGroupTable | string {
  let offset = layout.fixedBytes;
  const take = (length: number): Uint8Array => bytes.subarray(offset, (offset += length));
  let groupName: string;
  let configHash: string;
  let serverText: string;
  try {
    groupName = utf8.decode(take(layout.nameBytes));
    configHash = utf8.decode(take(layout.hashBytes));
    serverText = utf8.decode(take(layout.serverListBytes));
  } catch {
    return 'strings in the header are not valid UTF-8';
  }
  const servers = serverText === '' ? [] : serverText.split('\n');
  if (servers.length !== layout.serverCount) return `server list has ${servers.length} entries, the header says ${layout.serverCount}`;
  const tableAt = (index: number): Uint32Array => readUint32s(bytes, layout.headerBytes + index * 4 * layout.slotCount, layout.slotCount);
  return {
    groupName,
    bucketCount: layout.bucketCount,
    copyCount: layout.copyCount,
    versions: {
      client: view.getUint32(24, true),
      server: view.getUint32(28, true),
      plugins: view.getUint32(32, true),
      areaCapacity: view.getUint32(36, true),
    },
    epoch: view.getBigUint64(40, true),
    migrateBlockCount: view.getInt32(48, true),
    configHash,
    servers,
    recordSeq: layout.recordSeq,
    current: tableAt(0),
    progress: tableAt(1),
    destination: tableAt(2),
  };
}

/** readUint32s — `count` little-endian u32 at `offset`: a view when aligned on a little-endian host, else a copy. */
function readUint32s(bytes: Uint8Array, offset: number, count: number): Uint32Array {
  const start = bytes.byteOffset + offset;
  if (hostIsLittleEndian && start % 4 === 0) return new Uint32Array(bytes.buffer, start, count);
  const view = new DataView(bytes.buffer, start, count * 4);
  const result = new Uint32Array(count);
  for (let i = 0; i < count; i++) result[i] = view.getUint32(i * 4, true);
  return result;
}

/** littleEndianBytes — the bytes of `array` in little-endian order. */
function littleEndianBytes(array: Uint32Array): Uint8Array {
  if (hostIsLittleEndian) return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  const bytes = new Uint8Array(array.byteLength);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < array.length; i++) view.setUint32(i * 4, array[i], true);
  return bytes;
}

function align8(value: number): number {
  return Math.ceil(value / 8) * 8;
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
