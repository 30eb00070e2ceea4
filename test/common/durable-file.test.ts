import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { writeFileDurably } from '../../src/common/durable-file.js';
import { StorageError } from '../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'durable-'));
});
afterEach(async () => {
  await chmod(dir, 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileDurably', () => {
  test('writes a string, bytes, pieces and a stream; leaves no temp file', async () => {
    const path = join(dir, 'f');
    await writeFileDurably(path, 'text');
    expect(await readFile(path, 'utf8')).toBe('text');
    await writeFileDurably(path, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    await writeFileDurably(path, [Buffer.from('a'), Buffer.from('bc')]);
    expect(await readFile(path, 'utf8')).toBe('abc');
    await writeFileDurably(path, async (write) => {
      for (let i = 0; i < 3; i++) await write(String(i));
    });
    expect(await readFile(path, 'utf8')).toBe('012');
    expect(await readdir(dir)).toEqual(['f']);
  });

  test('concurrent writers of one file never share a temp file: the file is one whole write', async () => {
    const path = join(dir, 'f');
    const contents = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(10_000)}`);
    await Promise.all(contents.map((content) => writeFileDurably(path, content)));
    expect(contents).toContain(await readFile(path, 'utf8'));
    expect(await readdir(dir)).toEqual(['f']);
  });

  test("keepMode keeps the replaced file's permissions; mode sets a new file's", async () => {
    const path = join(dir, 'f');
    await writeFile(path, 'old', { mode: 0o600 });
    await chmod(path, 0o600);
    await writeFileDurably(path, 'new', { keepMode: true });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await writeFileDurably(join(dir, 'g'), 'x', { mode: 0o640 });
    expect((await stat(join(dir, 'g'))).mode & 0o777).toBe(0o640);
  });

  test('a failure is a StorageError that keeps the errno as its cause and leaves the old file', async () => {
    const missing = await writeFileDurably(join(dir, 'no', 'f'), 'x').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(StorageError);
    expect((missing as StorageError).errno).toBe('ENOENT');
    expect(((missing as StorageError).cause as NodeJS.ErrnoException).code).toBe('ENOENT');

    const path = join(dir, 'f');
    await writeFileDurably(path, 'old');
    const failing = await writeFileDurably(path, async (write) => {
      await write('partial');
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    }).catch((error: unknown) => error);
    expect((failing as StorageError).errno).toBe('ENOSPC');
    expect((failing as Error).message).toMatch(/cannot save: no space left/);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['f']);
  });
});
