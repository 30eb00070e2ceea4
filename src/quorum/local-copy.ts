/**
 * local-copy — the newest committed table of each group, on this server's disk, so that it can
 * start and serve (read-only) while etcd is out of reach: `data_dir/quorum/<group>.qtable`.
 *
 *   offset  type    field
 *   0       u8[8]   magic "TCSQCOPY"
 *   8       u32     format version (1)
 *   12      u32     zero
 *   16      u64     sequence (the version's number in etcd)
 *   24      u64     the snapshot its records build on: sequence,
 *   32      u32       chunk count,
 *   36      u32       CRC-32C of its compressed bytes,
 *   40      u64       compressed bytes
 *   48      …       the table file (src/store/table-codec.ts: header, tables, CRC-32C trailer)
 *
 * Written by writeFileDurably (temp file, fsync, rename, fsync of the directory): a crash leaves
 * the old copy or the new one. A copy that does not verify is ignored (etcd has the truth).
 * Saving writes the table's arrays as they are, ending with the checksum the version already has
 * (no pass over the table on the event loop); loading verifies every byte, in the codec worker.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileDurably } from '../common/durable-file.js';
import { join } from 'node:path';
import { groupNamePattern } from '../store/persisted-table.js';
import { decodeTable, encodeTableHeader, encodeTrailer, tableBodyChunks, tableFileBytesMax, tableTrailerBytes } from '../store/table-codec.js';
import type { ByteAllocator } from './change-record.js';
import { plainBytes } from './change-record.js';
import { countTablePass } from './table-passes.js';
import type { CommittedTable } from './table-reader.js';

const copyMagic = Buffer.from('TCSQCOPY', 'latin1');
const copyFormatVersion = 1;
const copyHeaderBytes = 48;

/** localCopyDir — where the copies live under data_dir. */
export function localCopyDir(dataDir: string): string {
  return join(dataDir, 'quorum');
}

/** saveLocalCopy — write the copy of `committed` atomically and durably. */
export async function saveLocalCopy(dataDir: string, committed: CommittedTable): Promise<void> {
  const dir = localCopyDir(dataDir);
  const path = copyPath(dir, committed.groupName);
  const header = Buffer.alloc(copyHeaderBytes);
  copyMagic.copy(header, 0);
  header.writeUInt32LE(copyFormatVersion, 8);
  header.writeBigUInt64LE(BigInt(committed.sequence), 16);
  const { snapshot } = committed;
  header.writeBigUInt64LE(BigInt(snapshot.sequence), 24);
  header.writeUInt32LE(snapshot.chunkCount, 32);
  header.writeUInt32LE(snapshot.compressedChecksum, 36);
  header.writeBigUInt64LE(BigInt(snapshot.compressedBytes), 40);
  await mkdir(dir, { recursive: true });
  const { table, tableChecksum } = committed;
  const file = [header, encodeTableHeader(table), ...tableBodyChunks(table), encodeTrailer(tableChecksum)];
  await writeFileDurably(path, file, { what: 'cannot save the quorum copy' });
}

/** LoadedCopy — a group's verified copy, or null with the reason it is not trusted (null problem: there is none). */
export interface LoadedCopy {
  committed: CommittedTable | null;
  problem: string | null;
}

/** loadLocalCopy — the verified copy of a group, its arrays views of one buffer from `allocate`. */
export async function loadLocalCopy(dataDir: string, groupName: string, allocate = plainBytes as ByteAllocator): Promise<LoadedCopy> {
  const path = copyPath(localCopyDir(dataDir), groupName);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { committed: null, problem: null };
    throw error;
  }
  const refuse = (problem: string) => ({ committed: null, problem: `${path}: ${problem}` });
  if (bytes.length < copyHeaderBytes + tableTrailerBytes || bytes.length > copyHeaderBytes + tableFileBytesMax)
    return refuse(`${bytes.length} bytes is no copy`);
  if (!copyMagic.equals(bytes.subarray(0, 8)) || bytes.readUInt32LE(8) !== copyFormatVersion) return refuse('not a quorum table copy of format 1');
  const sequence = Number(bytes.readBigUInt64LE(16));
  const snapshot = {
    sequence: Number(bytes.readBigUInt64LE(24)),
    chunkCount: bytes.readUInt32LE(32),
    compressedChecksum: bytes.readUInt32LE(36),
    compressedBytes: Number(bytes.readBigUInt64LE(40)),
  };
  if (!Number.isSafeInteger(sequence) || sequence < 1 || snapshot.sequence > sequence) return refuse('sequence out of range');
  countTablePass('copy-load');
  const body = allocate(bytes.length - copyHeaderBytes);
  body.set(bytes.subarray(copyHeaderBytes));
  const decoded = decodeTable(body, groupName);
  if (!decoded.ok) return refuse(decoded.reason);
  const tableChecksum = new DataView(body.buffer, body.byteOffset).getUint32(body.length - tableTrailerBytes, true);
  return { committed: { groupName, sequence, table: decoded.table, tableChecksum, snapshot, headRevision: '0' }, problem: null };
}

function copyPath(dir: string, groupName: string): string {
  if (!groupNamePattern.test(groupName)) throw new RangeError(`'${groupName}' is not a valid group name`);
  return join(dir, `${groupName}.qtable`);
}

/** LocalCopyWriter — saves copies one at a time per group; only the newest pending copy is written. */
export class LocalCopyWriter {
  private readonly pending = new Map<string, CommittedTable>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly dataDir: string,
    private readonly onError: (groupName: string, error: unknown) => void,
  ) {}

  /** save — queue `committed`; a newer one for the same group replaces it if it has not started. */
  save(committed: CommittedTable): void {
    this.pending.set(committed.groupName, committed);
    if (!this.running.has(committed.groupName)) this.running.set(committed.groupName, this.drain(committed.groupName));
  }

  /** idle — every queued copy written. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private async drain(groupName: string): Promise<void> {
    for (let next = this.pending.get(groupName); next; next = this.pending.get(groupName)) {
      this.pending.delete(groupName);
      await saveLocalCopy(this.dataDir, next).catch((error: unknown) => this.onError(groupName, error));
    }
    this.running.delete(groupName);
  }
}
