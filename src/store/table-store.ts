/**
 * table-store — each group's history on disk: a snapshot and the log of records since it.
 *
 *   data_dir/<group>.table   snapshot (table-codec.ts): the whole tables as of record s
 *   data_dir/<group>.log     table-log.ts: base s, then records s+1, s+2, … one per save
 *
 * Save a record of rows:   append it to the log, fdatasync, then it may be published: O(changes)
 * Save whole tables:       writeFileDurably the snapshot (streamed, CRC per slice, so no long
 *                          stall), then a new empty log based on it. A crash between the two
 *                          leaves the new snapshot and the old log, whose records are all older
 *                          than it (skipped at load).
 * Compaction:              once the log holds logRecordCountMax records or more bytes than half
 *                          the snapshot (at least logBytesFloor), a save answers `compactWanted`
 *                          and the cluster's next save is whole tables.
 * Load:                    snapshot ─▶ log records replayed (log-replay.ts) ─▶ a torn tail (a record
 *                          cut by a crash) or a corrupt one is cut, never served: the state before it
 *                          is written as a new snapshot at once (a corrupt log is moved aside first).
 *
 * Files must be regular files of bounded size (bounded-read.ts): a FIFO, a device, a directory
 * or anything too big is moved aside as corrupt, never read. A file that exists but cannot be read
 * (permissions, I/O) throws StorageError: that is the host's problem, and rebuilding over a good
 * table would lose it. Saves and loads of one group run one at a time, in call order.
 */
import { constants } from 'node:fs';
import { access, type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TableRecord } from '../cluster/persisted-group-table.js';
import { tableOfRecord } from '../cluster/persisted-group-table.js';
import { type BoundedRead, readRegularFile } from '../common/bounded-read.js';
import { syncDirectory, writeFileDurably } from '../common/durable-file.js';
import { InputError, StorageError } from '../errors.js';
import { logBytesFloor, logRecordCountMax } from '../limits.js';
import { crc32c } from './crc32c.js';
import { replayLog } from './log-replay.js';
import type { PersistedGroupTable } from './persisted-table.js';
import { describeTableShapeProblem, groupNamePattern } from './persisted-table.js';
import { decodeTable, encodeTableHeader, encodeTrailer, tableBodyChunks, tableFileBytesMax } from './table-codec.js';
import { encodeLogHeader, frameRecord, logHeaderBytes, readLog } from './table-log.js';

export type { PersistedGroupTable, TableVersions } from './persisted-table.js';

/** LoadResult — what loading a group's table found (`replayed` log records; `cut`: why a log tail was dropped). */
export type LoadResult =
  | { status: 'ok'; path: string; table: PersistedGroupTable; replayed: number; cut: string | null }
  | { status: 'missing'; path: string }
  | { status: 'corrupt'; path: string; movedTo: string | null; reason: string };

/** SaveOutcome — bytes written, and whether the log has grown enough that whole tables should come next. */
export interface SaveOutcome {
  bytesWritten: number;
  compactWanted: boolean;
}

interface LogState {
  bytes: number;
  records: number;
  snapshotBytes: number;
}

/** snapshotSliceBytes — a snapshot is checksummed and written in slices this big (≈1 ms of CRC each). */
const snapshotSliceBytes = 512 * 1024;
/** asideNameTriesMax — numbered names tried for a file moved aside in the same millisecond as others. */
const asideNameTriesMax = 1000;
const queues = new Map<string, Promise<unknown>>();
const logStates = new Map<string, LogState>();

/** tableFilePath — `dataDir/<group>.table`; the name is checked so it cannot leave dataDir. */
export function tableFilePath(dataDir: string, groupName: string): string {
  if (!groupNamePattern.test(groupName)) throw new InputError(`'${groupName}' is not a valid group name`);
  return join(dataDir, `${groupName}.table`);
}

/** logFilePath — `dataDir/<group>.log`. */
export function logFilePath(dataDir: string, groupName: string): string {
  return tableFilePath(dataDir, groupName).replace(/\.table$/, '.log');
}

/**
 * saveGroupTable — whole tables as the group's new snapshot (and an empty log after it).
 * Throws InputError (nothing written) for a malformed table, StorageError for I/O failures.
 */
export function saveGroupTable(dataDir: string, table: PersistedGroupTable): Promise<SaveOutcome> {
  const problem = describeTableShapeProblem(table);
  if (problem) return Promise.reject(new InputError(`refusing to save the table of group '${table.groupName}': ${problem}`));
  const path = tableFilePath(dataDir, table.groupName);
  return serially(path, () => writeSnapshot(dataDir, path, table));
}

/** appendGroupRecord — make one save durable: rows are appended to the log, whole tables become the snapshot. */
export function appendGroupRecord(dataDir: string, record: TableRecord): Promise<SaveOutcome> {
  const { body } = record;
  if (body.kind === 'tables') {
    if (!record.servers) return Promise.reject(new InputError('a record of whole tables must carry its server list'));
    return saveGroupTable(dataDir, tableOfRecord(record, record.servers, body));
  }
  const path = tableFilePath(dataDir, record.groupName);
  return serially(path, () => appendRecord(dataDir, path, record));
}

/** loadGroupTable — the snapshot with its log replayed; a bad snapshot is moved aside, not thrown. */
export function loadGroupTable(dataDir: string, groupName: string): Promise<LoadResult> {
  const path = tableFilePath(dataDir, groupName);
  return serially(path, () => loadTable(dataDir, path, groupName));
}

function serially<T>(path: string, work: () => Promise<T>): Promise<T> {
  const run = (queues.get(path) ?? Promise.resolve()).then(work);
  const tail = run.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return run;
}

async function writeSnapshot(dataDir: string, path: string, table: PersistedGroupTable): Promise<SaveOutcome> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (error) {
    throw new StorageError(path, `cannot save: ${messageOf(error)}`, { cause: error });
  }
  let snapshotBytes = 0;
  await writeFileDurably(path, async (write) => {
    let crc = 0;
    for (const chunk of [encodeTableHeader(table), ...tableBodyChunks(table)]) {
      for (let from = 0; from < chunk.length; from += snapshotSliceBytes) {
        const slice = chunk.subarray(from, Math.min(chunk.length, from + snapshotSliceBytes));
        crc = crc32c(slice, crc);
        await write(slice);
        snapshotBytes += slice.length;
      }
    }
    await write(encodeTrailer(crc));
  });
  const logPath = logFilePath(dataDir, table.groupName);
  await writeFileDurably(logPath, encodeLogHeader(table.recordSeq));
  logStates.set(logPath, { bytes: logHeaderBytes, records: 0, snapshotBytes });
  return { bytesWritten: snapshotBytes + 4 + logHeaderBytes, compactWanted: false };
}

async function appendRecord(dataDir: string, path: string, record: TableRecord): Promise<SaveOutcome> {
  const logPath = logFilePath(dataDir, record.groupName);
  const framed = frameRecord(record);
  let handle: FileHandle | undefined;
  let written = 0;
  try {
    // Non-blocking: a FIFO put in place of the log since the load fails at once instead of hanging.
    handle = await open(logPath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o644);
    const info = await handle.stat();
    if (!info.isFile()) throw new Error('not a regular file');
    const sizeBytes = info.size;
    const state = logStates.get(logPath) ?? (await measureLog(path, sizeBytes));
    if (sizeBytes === 0) {
      // A data dir from before the log (a version-1 table file): the log starts after the snapshot's record.
      const header = encodeLogHeader(record.seq - 1);
      await handle.write(header);
      written += header.length;
      state.bytes = header.length;
    }
    await handle.write(framed);
    written += framed.length;
    await handle.datasync();
    state.bytes += framed.length;
    state.records += 1;
    logStates.set(logPath, state);
    const compactWanted = state.records >= logRecordCountMax || state.bytes > Math.max(logBytesFloor, state.snapshotBytes / 2);
    return { bytesWritten: written, compactWanted };
  } catch (error) {
    // The log may now end in a partial record: whatever the next save is, it must not follow it.
    logStates.delete(logPath);
    throw new StorageError(logPath, `cannot append: ${messageOf(error)}`, { cause: error });
  } finally {
    await handle?.close();
  }
}

/** measureLog — sizes of a log this process has not written yet (records counted as one per 64 bytes at most). */
async function measureLog(path: string, logBytes: number): Promise<LogState> {
  const snapshot = await open(path, 'r').then(
    async (handle) => {
      try {
        return (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    },
    () => 0,
  );
  return { bytes: logBytes, records: Math.ceil(logBytes / 64), snapshotBytes: snapshot };
}

async function loadTable(dataDir: string, path: string, groupName: string): Promise<LoadResult> {
  const snapshot = await readChecked(path, tableFileBytesMax);
  if (snapshot.kind === 'missing') return { status: 'missing', path };
  if (snapshot.kind === 'bad') return moveAside(path, snapshot.reason);
  const decoded = decodeTable(snapshot.bytes, groupName);
  if (!decoded.ok) return moveAside(path, decoded.reason);
  const table = decoded.table;
  const logPath = logFilePath(dataDir, groupName);
  const log = await readChecked(logPath, tableFileBytesMax);
  if (log.kind === 'missing') return { status: 'ok', path, table, replayed: 0, cut: null };
  if (log.kind === 'bad') return recover(dataDir, path, table, 0, `log: ${log.reason}`, logPath);
  const content = readLog(log.bytes);
  if (typeof content === 'string') return recover(dataDir, path, table, 0, `log: ${content}`, logPath);
  const replay = replayLog(table, content.records);
  logStates.set(logPath, { bytes: content.goodBytes, records: content.records.length, snapshotBytes: snapshot.bytes.length });
  if (replay.problem) return recover(dataDir, path, table, replay.applied, `log: ${replay.problem}`, logPath);
  if (content.tail) {
    const torn = log.bytes.subarray(content.goodBytes).every((byte) => byte === 0) || /cut/.test(content.tail);
    return recover(dataDir, path, table, replay.applied, `log: ${content.tail}`, torn ? null : logPath);
  }
  return { status: 'ok', path, table, replayed: replay.applied, cut: null };
}

/**
 * recover — the log could not be read to its end: what was read is the state, written as the new
 * snapshot (and an empty log) now; a corrupt log (`asideLog`) is moved aside first.
 */
async function recover(
  dataDir: string,
  path: string,
  table: PersistedGroupTable,
  replayed: number,
  reason: string,
  asideLog: string | null,
): Promise<LoadResult> {
  if (asideLog) await moveAside(asideLog, reason);
  await writeSnapshot(dataDir, path, table);
  return { status: 'ok', path, table, replayed, cut: reason };
}

type CheckedRead = { kind: 'ok'; bytes: Buffer } | { kind: 'missing' } | { kind: 'bad'; reason: string };

async function readChecked(path: string, bytesMax: number): Promise<CheckedRead> {
  let read: BoundedRead;
  try {
    read = await readRegularFile(path, bytesMax);
  } catch (error) {
    throw new StorageError(path, `cannot read: ${messageOf(error)}`, { cause: error });
  }
  switch (read.kind) {
    case 'ok':
    case 'missing':
      return read;
    case 'notRegular':
      return { kind: 'bad', reason: `${read.what}, not a table file` };
    case 'tooLarge':
      return { kind: 'bad', reason: `${read.sizeBytes} bytes, larger than any valid table file` };
  }
}

async function moveAside(path: string, reason: string): Promise<LoadResult> {
  const base = `${path}.corrupt-${new Date().toISOString().replace(/:/g, '-')}`;
  let target = base;
  // Names are per millisecond: more than asideNameTriesMax taken at once is not a crash loop we can help.
  for (
    let n = 1;
    await access(target).then(
      () => true,
      () => false,
    );
    n++
  ) {
    if (n > asideNameTriesMax)
      return { status: 'corrupt', path, movedTo: null, reason: `${reason}; could not move it aside: ${asideNameTriesMax} names taken` };
    target = `${base}-${n}`;
  }
  try {
    await rename(path, target);
    await syncDirectory(dirname(path));
    return { status: 'corrupt', path, movedTo: target, reason };
  } catch (error) {
    return { status: 'corrupt', path, movedTo: null, reason: `${reason}; could not move it aside: ${messageOf(error)}` };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
