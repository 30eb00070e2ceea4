/**
 * table-file — the JSON table file of `tair-cs table` (`--out` writes it, `--in` reads it).
 *
 *   { "bucketCount": B, "copyCount": C,
 *     "servers": [ { "id": "ds-000000", "rack": "rack-0", "weight": 1, "alive": true }, … ],
 *     "table": [ [p, p, …],      ← copy 0 (masters), B entries
 *                [p, p, …], … ] } ← C rows; p = position in servers, -1 = empty slot
 *
 * In memory the same table is the engine's Uint16Array, copy-major, 1 + position (0 = empty).
 * Dead servers stay listed (alive false) so positions never shift between rebuilds.
 */
import { open } from 'node:fs/promises';
import type { ChunkWriter } from '../common/durable-file.js';
import { writeFileDurably } from '../common/durable-file.js';
import { InputError, StorageError, TairError } from '../errors.js';
import { describeReadError } from '../config/config-file.js';
import { bucketCountMax, copyCountMax, rackNameBytesMax, serverCountMax, slotCountMax, tableJsonBytesMax, weightMax } from '../limits.js';
import type { TableServer } from './table-servers.js';

/** TableFile — a table file's contents, slots in engine form. */
export interface TableFile {
  bucketCount: number;
  copyCount: number;
  servers: TableServer[];
  slots: Uint16Array;
}

/** readTableFile — read and validate a table file; InputError with the file name on any problem. */
export async function readTableFile(path: string): Promise<TableFile> {
  const text = await readText(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    return decodeTableFile(parsed);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${path}: ${error.message}`);
    throw error;
  }
}

/** decodeTableFile — check a parsed file's shape and turn it into engine form. */
export function decodeTableFile(value: unknown): TableFile {
  if (!isRecord(value)) throw new InputError('expected a JSON object with bucketCount, copyCount, servers, table');
  const bucketCount = wholeField(value, 'bucketCount', 1, bucketCountMax);
  const copyCount = wholeField(value, 'copyCount', 1, copyCountMax);
  if (bucketCount * copyCount > slotCountMax) {
    throw new InputError(`bucketCount × copyCount = ${bucketCount * copyCount} is over ${slotCountMax}`);
  }
  const servers = decodeServers(value.servers);
  const slots = decodeTable(value.table, bucketCount, copyCount, servers.length);
  return { bucketCount, copyCount, servers, slots };
}

function decodeServers(value: unknown): TableServer[] {
  if (!Array.isArray(value) || value.length === 0) throw new InputError('servers must be a non-empty array');
  if (value.length > serverCountMax) throw new InputError(`${value.length} servers is over the limit of ${serverCountMax}`);
  const ids = new Set<string>();
  return value.map((entry: unknown, position) => {
    const where = `servers[${position}]`;
    if (!isRecord(entry)) throw new InputError(`${where} must be an object { id, rack, weight, alive }`);
    const { id, rack, alive } = entry;
    if (typeof id !== 'string' || id.length === 0) throw new InputError(`${where}.id must be a non-empty string`);
    if (ids.has(id)) throw new InputError(`${where}.id '${id}' is listed twice`);
    ids.add(id);
    if (typeof rack !== 'string' || rack.length === 0 || Buffer.byteLength(rack) > rackNameBytesMax) {
      throw new InputError(`${where}.rack must be a string of 1..${rackNameBytesMax} bytes`);
    }
    const weight = wholeField(entry, 'weight', 1, weightMax, where);
    if (typeof alive !== 'boolean') throw new InputError(`${where}.alive must be true or false`);
    return { id, rack, weight, alive };
  });
}

function decodeTable(value: unknown, bucketCount: number, copyCount: number, serverCount: number): Uint16Array {
  if (!Array.isArray(value) || value.length !== copyCount) {
    throw new InputError(`table must be an array of copyCount (${copyCount}) rows`);
  }
  const slots = new Uint16Array(bucketCount * copyCount);
  for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
    const row: unknown = value[copyIndex];
    if (!Array.isArray(row) || row.length !== bucketCount) {
      throw new InputError(`table[${copyIndex}] must be an array of bucketCount (${bucketCount}) positions`);
    }
    const base = copyIndex * bucketCount;
    for (let bucket = 0; bucket < bucketCount; bucket++) {
      const entry: unknown = row[bucket];
      if (typeof entry !== 'number' || !Number.isInteger(entry) || entry < -1 || entry >= serverCount) {
        throw new InputError(`table[${copyIndex}][${bucket}] = ${JSON.stringify(entry)} is not -1 or a server position 0..${serverCount - 1}`);
      }
      slots[base + bucket] = entry + 1;
    }
  }
  return slots;
}

/** writeTableFile — write `file` as JSON, crash-safely (writeFileDurably). */
export async function writeTableFile(path: string, file: TableFile): Promise<void> {
  try {
    await writeFileDurably(path, async (write) => {
      const servers = file.servers.map((server) => `    ${JSON.stringify(server)}`).join(',\n');
      await write(`{\n  "bucketCount": ${file.bucketCount},\n  "copyCount": ${file.copyCount},\n`);
      await write(`  "servers": [\n${servers}\n  ],\n  "table": [\n`);
      for (let copyIndex = 0; copyIndex < file.copyCount; copyIndex++) {
        await writeRow(write, file.slots, copyIndex * file.bucketCount, file.bucketCount);
        await write(copyIndex + 1 < file.copyCount ? ',\n' : '\n');
      }
      await write('  ]\n}\n');
    });
  } catch (error) {
    throw new InputError(`--out ${path}: ${describeWriteError(error instanceof StorageError ? error.cause : error)}`);
  }
}

function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'its folder does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder';
  return `cannot write: ${error instanceof Error ? error.message : String(error)}`;
}

// Rows of millions of entries are written in pieces, never as one giant string.
async function writeRow(write: ChunkWriter, slots: Uint16Array, start: number, length: number): Promise<void> {
  const pieceLength = 65_536;
  await write('    [');
  for (let offset = 0; offset < length; offset += pieceLength) {
    const end = Math.min(offset + pieceLength, length);
    const parts = new Array<number>(end - offset);
    for (let k = offset; k < end; k++) parts[k - offset] = slots[start + k] - 1;
    await write((offset > 0 ? ',' : '') + parts.join(','));
  }
  await write(']');
}

async function readText(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new InputError(`${path}: ${describeReadError(error)}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new InputError(`${path}: not a regular file`);
    if (stats.size > tableJsonBytesMax) {
      throw new InputError(`${path}: ${stats.size} bytes, over the ${tableJsonBytesMax}-byte limit of a table file`);
    }
    return await handle.readFile({ encoding: 'utf8' });
  } catch (error) {
    if (error instanceof TairError) throw error;
    throw new InputError(`${path}: ${describeReadError(error)}`);
  } finally {
    await handle.close();
  }
}

function wholeField(record: Record<string, unknown>, key: string, min: number, max: number, where = ''): number {
  const value = record[key];
  const name = where ? `${where}.${key}` : key;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InputError(`${name} must be a whole number`);
  if (value < min || value > max) throw new InputError(`${name} ${value} is outside ${min}..${max}`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
