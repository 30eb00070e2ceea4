/**
 * bounded-read — reading a whole file that must be a regular file of bounded size, without ever
 * hanging or reading without end:
 *
 *   open (non-blocking: a FIFO with no writer does not hang) ─▶ fstat of what was opened (a symlink
 *   is followed: one to /dev/zero shows as the device) ─▶ not a regular file, or over the bound:
 *   refused with the reason ─▶ else exactly its size in bytes is read (a file that grows meanwhile
 *   is read to the size it had)
 */
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/** BoundedRead — the bytes; no file; not a regular file (`what` it is, e.g. "a FIFO"); or over the bound. */
export type BoundedRead = { kind: 'ok'; bytes: Buffer } | { kind: 'missing' } | { kind: 'notRegular'; what: string } | { kind: 'tooLarge'; sizeBytes: number };

/** readRegularFile — the whole of `path` if it is a regular file of at most `bytesMax` bytes; other I/O errors throw. */
export async function readRegularFile(path: string, bytesMax: number): Promise<BoundedRead> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'EISDIR') return { kind: 'notRegular', what: 'a directory' };
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { kind: 'notRegular', what: fileKind(stat) };
    if (stat.size > bytesMax) return { kind: 'tooLarge', sizeBytes: stat.size };
    const bytes = Buffer.allocUnsafe(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { kind: 'ok', bytes: bytes.subarray(0, filled) };
  } finally {
    await handle.close();
  }
}

/** fileKind — what a non-regular file is, in words. */
function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'a special file';
}
