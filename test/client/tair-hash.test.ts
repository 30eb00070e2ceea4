import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bucketOfKey, tairHash } from '../../src/client/tair-hash.js';
import { repoRoot } from '../store/helpers/transpile-sources.js';

const fixtureDir = join(repoRoot, 'test/fixtures/tair-hash');

/** The vectors were printed by test/fixtures/tair-hash/tair-hash.c: "<key hex> <hash>". */
async function committedVectors(): Promise<{ key: Buffer; hash: number }[]> {
  const text = await readFile(join(fixtureDir, 'vectors.txt'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [hex, hash] = line.split(' ');
      return { key: Buffer.from(hex, 'hex'), hash: Number(hash) };
    });
}

/** Reference MurmurHash2 with UNSIGNED tail bytes: what Tair's variant must differ from. */
function unsignedTailMurmur2(key: Uint8Array, seed: number): number {
  const m = 0x5bd1e995;
  let h = (seed ^ key.length) >>> 0;
  let i = 0;
  for (; i + 4 <= key.length; i += 4) {
    let k = (key[i] | (key[i + 1] << 8) | (key[i + 2] << 16) | (key[i + 3] << 24)) >>> 0;
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = key.length - i;
  if (tail === 3) h ^= key[i + 2] << 16;
  if (tail >= 2) h ^= key[i + 1] << 8;
  if (tail >= 1) h = Math.imul(h ^ key[i], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h >>> 0;
}

describe('tairHash against the committed C vectors', () => {
  test('every committed vector matches, including all tail lengths and tail bytes ≥ 0x80', async () => {
    const vectors = await committedVectors();
    expect(vectors.length).toBeGreaterThan(40);
    const tailLengths = new Set(vectors.map((vector) => vector.key.length % 4));
    expect([...tailLengths].sort()).toEqual([0, 1, 2, 3]);
    expect(vectors.some((vector) => vector.key.length % 4 !== 0 && vector.key[vector.key.length - 1] >= 0x80)).toBe(true);
    for (const { key, hash } of vectors) expect(tairHash(key), key.toString('hex')).toBe(hash);
  });

  test('a tail byte ≥ 0x80 gives another hash than reference MurmurHash2; ASCII tails give the same', () => {
    for (const hex of ['80', 'ff01', '41ff', '61626364c3', '41424344e282ac']) {
      const key = Buffer.from(hex, 'hex');
      expect(tairHash(key), hex).not.toBe(unsignedTailMurmur2(key, 97));
    }
    for (const text of ['a', 'ab', 'abc', 'abcd', 'key-12345']) {
      const key = Buffer.from(text);
      expect(tairHash(key), text).toBe(unsignedTailMurmur2(key, 97));
    }
  });

  test('bucketOfKey is the unsigned hash mod B', () => {
    const key = Buffer.from('ff', 'hex');
    for (const bucketCount of [1, 7, 1023, 65536]) expect(bucketOfKey(key, bucketCount)).toBe(tairHash(key) % bucketCount);
    const high = [...Array(200).keys()].map((i) => Buffer.from(`k${i}`)).find((key) => tairHash(key) >= 2 ** 31);
    expect(high).toBeDefined();
    expect(bucketOfKey(high as Buffer, 1000)).toBe(tairHash(high as Buffer) % 1000);
    expect(bucketOfKey(high as Buffer, 1000)).toBeGreaterThanOrEqual(0);
  });
});

const compilerFound = spawnSync('cc', ['--version']).status === 0;

describe.runIf(compilerFound)('tairHash against the C program, on random keys', () => {
  let dir = '';
  let program = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tair-hash-'));
    program = join(dir, 'tair-hash');
    execFileSync('cc', ['-O2', '-o', program, join(fixtureDir, 'tair-hash.c')]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('1,000 random keys of 0..40 bytes hash the same in C and TypeScript', () => {
    const keys = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 40 }), { numRuns: 1000, seed: 20240611 });
    const input = keys.map((key) => Buffer.from(key).toString('hex')).join('\n') + '\n';
    const output = execFileSync(program, { input, encoding: 'utf8' }).trim().split('\n');
    expect(output).toHaveLength(keys.length);
    output.forEach((line, index) => {
      expect(tairHash(keys[index]), line).toBe(Number(line.split(' ')[1]));
    });
  });
});
