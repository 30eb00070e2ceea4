/**
 * pair.state: saves of one file run in order and never leave a lower epoch on disk, whatever
 * order they are started in; an epoch over the limit is refused on save and on load.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { epochMax } from '../../src/limits.js';
import { PairStateFile, pairStatePath } from '../../src/pair/pair-state-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-pair-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pair.state', () => {
  test('concurrent saves in any order: the highest epoch ends on disk, no temp file is left', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 1, maxLength: 12 }), async (epochs) => {
        const file = new PairStateFile(dir);
        await Promise.all(epochs.map((epoch) => file.save(epoch)));
        const highest = epochs.reduce((a, b) => (a > b ? a : b));
        expect(await new PairStateFile(dir).load()).toBe(highest);
        await rm(pairStatePath(dir), { force: true });
      }),
      { numRuns: 25 },
    );
  });

  test('a save below what was loaded writes nothing', async () => {
    await writeFile(pairStatePath(dir), '{"epoch":"9"}\n');
    const file = new PairStateFile(dir);
    expect(await file.load()).toBe(9n);
    await file.save(3n);
    expect(await readFile(pairStatePath(dir), 'utf8')).toBe('{"epoch":"9"}\n');
  });

  test('epochs over the limit: refused on save, and a file holding one stops the load', async () => {
    const file = new PairStateFile(dir);
    await expect(file.save(epochMax + 1n)).rejects.toThrow(StorageError);
    await expect(file.save((1n << 64n) - 1n)).rejects.toThrow(/over the limit/);
    await writeFile(pairStatePath(dir), '{"epoch":"18446744073709551615"}\n');
    await expect(file.load()).rejects.toThrow(/over the limit/);
  });
});
