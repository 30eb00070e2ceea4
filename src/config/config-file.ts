/**
 * config-file — reads a config file with the size limit checked before the bytes are loaded.
 */
import { open } from 'node:fs/promises';
import type { ConfigProblem } from '../errors.js';
import { configFileBytesMax } from '../limits.js';
import { fileProblemKey } from './problem-list.js';

/** ConfigFileRead — the file's bytes, or the one problem that kept us from reading them. */
export type ConfigFileRead =
  | { ok: true; bytes: Buffer; text: string; mtimeMs: number; mtimeNs: bigint; sizeBytes: number; inode: bigint }
  | { ok: false; problem: ConfigProblem };

/** readConfigFile — reads `path` (following symlinks); missing, unreadable or too big is a problem at line 1. */
export async function readConfigFile(path: string): Promise<ConfigFileRead> {
  const fail = (message: string): ConfigFileRead => ({
    ok: false,
    problem: { file: path, line: 1, key: fileProblemKey, message },
  });
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    return fail(describeReadError(error));
  }
  try {
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile()) return fail('not a regular file');
    if (stat.size > BigInt(configFileBytesMax)) {
      return fail(`file is ${stat.size} bytes, over the ${configFileBytesMax}-byte limit`);
    }
    const bytes = await handle.readFile();
    if (bytes.length > configFileBytesMax) {
      return fail(`file is ${bytes.length} bytes, over the ${configFileBytesMax}-byte limit`);
    }
    return {
      ok: true,
      bytes,
      text: bytes.toString('utf8'),
      mtimeMs: Number(stat.mtimeMs),
      mtimeNs: stat.mtimeNs,
      sizeBytes: bytes.length,
      inode: stat.ino,
    };
  } catch (error) {
    return fail(describeReadError(error));
  } finally {
    await handle.close();
  }
}

/** describeReadError — a one-line reason for a failed read ("not found", "permission denied", ...). */
export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'not a regular file';
  return `cannot read: ${error instanceof Error ? error.message : String(error)}`;
}
