/**
 * group-conf-sync — group.conf moving between the pair:
 *
 *   primary: the last good file's bytes (read when a load succeeds, checked against its hash)
 *   secondary: bytes differ from ours ─▶ old file kept as `<file>.YYYYMMDDhhmmss.backup` ─▶
 *              writeFileDurably (never a half-written group.conf) ─▶ the host reloads it
 */
import { createHash } from 'node:crypto';
import { copyFile, readFile, stat } from 'node:fs/promises';
import { writeFileDurably } from '../common/durable-file.js';
import type { GroupConfFile } from './table-transfer.js';

/** readGoodGroupConf — the file's bytes if they still hash to `fileHash` (null: any bytes), else null. */
export async function readGoodGroupConf(path: string, fileHash: string | null): Promise<GroupConfFile | null> {
  try {
    const [bytes, info] = await Promise.all([readFile(path), stat(path)]);
    if (fileHash !== null && createHash('sha256').update(bytes).digest('hex') !== fileHash) return null;
    return { bytes, mtimeS: Math.floor(info.mtimeMs / 1000) };
  } catch {
    return null;
  }
}

/** writeGroupConf — replace the file with `file` unless it already holds those bytes; true when written. */
export async function writeGroupConf(path: string, file: GroupConfFile): Promise<boolean> {
  const current = await readFile(path).catch(() => null);
  if (current && current.equals(file.bytes)) return false;
  if (current) await copyFile(path, `${path}.${timestamp(new Date())}.backup`);
  await writeFileDurably(path, file.bytes, { keepMode: true });
  return true;
}

function timestamp(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}
