/**
 * durable-file — the one way this project replaces a file so that a crash leaves the old file or
 * the new one, never a mix, and the new one survives a power cut once the promise resolves:
 *
 *   .<name>.<pid>.<random>.tmp ─write─▶ fsync ─rename─▶ <name> ─▶ fsync(directory)
 *
 * The temp name is unique per write, so concurrent writers of one file never share a temp file
 * (the last rename wins whole). A failure removes the temp file and throws a StorageError whose
 * `cause` is the file system's error (`errno` tells ENOSPC from EACCES).
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StorageError } from '../errors.js';

/** DurableContent — the whole content, its pieces in order, or a writer that streams them. */
export type DurableContent = string | Uint8Array | readonly Uint8Array[] | ((write: ChunkWriter) => Promise<void>);

/** ChunkWriter — appends one piece to the file being written. */
export type ChunkWriter = (chunk: string | Uint8Array) => Promise<void>;

/** DurableWriteOptions — the new file's permissions: `mode`, or those of the file it replaces. */
export interface DurableWriteOptions {
  /** mode — permissions of a new file (default 0o644). */
  mode?: number;
  /** keepMode — take the permissions of the file being replaced when it exists. */
  keepMode?: boolean;
  /** what — how the error message names the write (default "cannot save"). */
  what?: string;
}

/** writeFileDurably — replace `path` with `content` crash-safely (see the file comment). */
export async function writeFileDurably(path: string, content: DurableContent, options: DurableWriteOptions = {}): Promise<void> {
  const directory = dirname(path);
  const temp = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | null = null;
  try {
    const mode = options.keepMode ? await existingMode(path, options.mode) : (options.mode ?? 0o644);
    handle = await open(temp, 'wx', mode);
    await writeContent(handle, content);
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(temp, path);
    await syncDirectory(directory);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    if (error instanceof StorageError) throw error;
    throw new StorageError(path, `${options.what ?? 'cannot save'}: ${messageOf(error)}`, { cause: error });
  }
}

/** syncDirectory — make a rename in `directory` durable; platforms that cannot open directories skip it. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    if (process.platform !== 'win32') throw error;
  } finally {
    await handle?.close();
  }
}

async function writeContent(handle: FileHandle, content: DurableContent): Promise<void> {
  let position = 0;
  const write: ChunkWriter = async (chunk) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    for (let done = 0; done < bytes.length; ) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position);
      done += bytesWritten;
      position += bytesWritten;
    }
  };
  if (typeof content === 'function') return content(write);
  if (typeof content === 'string' || content instanceof Uint8Array) return write(content);
  for (const chunk of content) await write(chunk);
}

async function existingMode(path: string, fallback: number | undefined): Promise<number> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback ?? 0o644;
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
