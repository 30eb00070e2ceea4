/**
 * table-store — `data_dir/<group>.table`: crash-safe saves, verified loads.
 *
 * Save:  writeFileDurably (temp file ─write─▶ fsync ─rename─▶ <group>.table ─▶ fsync(data_dir)):
 *        a crash at any point leaves either the old file or the new one, never a mix
 *        (the original modified an mmap in place with async msync).
 * Load:  read ─▶ verify (size, magic, version, bounds, CRC-32C, shape)
 *        ─▶ ok | missing | corrupt (moved aside to <group>.table.corrupt-<timestamp>, never served,
 *        never thrown: the group then starts from the peer's copy or from scratch).
 * Failing to *read* an existing file (permissions, I/O error) throws StorageError: that is the
 * host's problem to fix, and rebuilding over a good table would lose it.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { access, mkdir, open, rename } from 'node:fs/promises';
import { syncDirectory, writeFileDurably } from '../common/durable-file.js';
import { dirname, join } from 'node:path';
import { InputError, StorageError } from '../errors.js';
import { crc32c } from './crc32c.js';
import type { PersistedGroupTable } from './persisted-table.js';
import { describeTableShapeProblem, groupNamePattern } from './persisted-table.js';
import { decodeTable, encodeTableHeader, encodeTrailer, tableBodyChunks, tableFileBytesMax } from './table-codec.js';

export type { PersistedGroupTable, TableVersions } from './persisted-table.js';

/** LoadResult — what loading a group's table found. */
export type LoadResult =
  | { status: 'ok'; path: string; table: PersistedGroupTable }
  | { status: 'missing'; path: string }
  | { status: 'corrupt'; path: string; movedTo: string | null; reason: string };

const saveQueues = new Map<string, Promise<void>>();

/** tableFilePath — `dataDir/<group>.table`; the name is checked so it cannot leave dataDir. */
export function tableFilePath(dataDir: string, groupName: string): string {
  if (!groupNamePattern.test(groupName)) throw new InputError(`'${groupName}' is not a valid group name`);
  return join(dataDir, `${groupName}.table`);
}

/**
 * saveGroupTable — writes the table atomically and durably. Saves of one group run in call
 * order; the caller must not modify the arrays until the returned promise settles.
 * Throws InputError (nothing written) for a malformed table, StorageError for I/O failures.
 */
export async function saveGroupTable(dataDir: string, table: PersistedGroupTable): Promise<void> {
  const path = checkedPath(dataDir, table);
  const run = (saveQueues.get(path) ?? Promise.resolve()).then(() => writeTableFile(dataDir, path, table));
  const tail = run.catch(() => undefined);
  saveQueues.set(path, tail);
  void tail.then(() => {
    if (saveQueues.get(path) === tail) saveQueues.delete(path);
  });
  return run;
}

/** loadGroupTable — reads and verifies `dataDir/<group>.table`; a bad file is moved aside, not thrown. */
export async function loadGroupTable(dataDir: string, groupName: string): Promise<LoadResult> {
  const path = tableFilePath(dataDir, groupName);
  let bytes: Buffer | null = null;
  let sizeBytes = 0;
  let handle: FileHandle | null = null;
  try {
    handle = await open(path, 'r');
    sizeBytes = (await handle.stat()).size;
    // Checked before reading: a huge stray file must not exhaust memory.
    if (sizeBytes <= tableFileBytesMax) bytes = await handle.readFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { status: 'missing', path };
    if (code !== 'EISDIR') throw new StorageError(path, `cannot read: ${messageOf(error)}`);
  } finally {
    await handle?.close();
  }
  if (!bytes) {
    return moveAside(path, sizeBytes > tableFileBytesMax ? `${sizeBytes} bytes, larger than any valid table file`
      : 'a directory, not a table file');
  }
  const decoded = decodeTable(bytes, groupName);
  return decoded.ok ? { status: 'ok', path, table: decoded.table } : moveAside(path, decoded.reason);
}

/** loadGroupTableSync — loadGroupTable, blocking. */
export function loadGroupTableSync(dataDir: string, groupName: string): LoadResult {
  const path = tableFilePath(dataDir, groupName);
  let bytes: Buffer;
  try {
    const { size } = statSync(path);
    if (size > tableFileBytesMax) return moveAsideSync(path, `${size} bytes, larger than any valid table file`);
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { status: 'missing', path };
    if (code === 'EISDIR') return moveAsideSync(path, 'a directory, not a table file');
    throw new StorageError(path, `cannot read: ${messageOf(error)}`);
  }
  const decoded = decodeTable(bytes, groupName);
  return decoded.ok ? { status: 'ok', path, table: decoded.table } : moveAsideSync(path, decoded.reason);
}

function checkedPath(dataDir: string, table: PersistedGroupTable): string {
  const problem = describeTableShapeProblem(table);
  if (problem) throw new InputError(`refusing to save the table of group '${table.groupName}': ${problem}`);
  return tableFilePath(dataDir, table.groupName);
}

/** fileChunks — header, the three tables, and the CRC-32C trailer over all of them. */
function fileChunks(table: PersistedGroupTable): Uint8Array[] {
  const chunks: Uint8Array[] = [encodeTableHeader(table), ...tableBodyChunks(table)];
  const crc = chunks.reduce((value, chunk) => crc32c(chunk, value), 0);
  chunks.push(encodeTrailer(crc));
  return chunks;
}

async function writeTableFile(dataDir: string, path: string, table: PersistedGroupTable): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (error) {
    throw new StorageError(path, `cannot save: ${messageOf(error)}`, { cause: error });
  }
  await writeFileDurably(path, fileChunks(table));
}

function syncDirectorySync(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (error) {
    if (process.platform !== 'win32') throw error;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

async function moveAside(path: string, reason: string): Promise<LoadResult> {
  const base = `${path}.corrupt-${new Date().toISOString().replace(/:/g, '-')}`;
  let target = base;
  for (let n = 1; await access(target).then(() => true, () => false); n++) target = `${base}-${n}`;
  try {
    await rename(path, target);
    await syncDirectory(dirname(path));
    return { status: 'corrupt', path, movedTo: target, reason };
  } catch (error) {
    return { status: 'corrupt', path, movedTo: null, reason: `${reason}; could not move it aside: ${messageOf(error)}` };
  }
}

function moveAsideSync(path: string, reason: string): LoadResult {
  const base = `${path}.corrupt-${new Date().toISOString().replace(/:/g, '-')}`;
  let target = base;
  for (let n = 1; existsSync(target); n++) target = `${base}-${n}`;
  try {
    renameSync(path, target);
    syncDirectorySync(dirname(path));
    return { status: 'corrupt', path, movedTo: target, reason };
  } catch (error) {
    return { status: 'corrupt', path, movedTo: null, reason: `${reason}; could not move it aside: ${messageOf(error)}` };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
