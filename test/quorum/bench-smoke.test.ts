/**
 * The quorum publish benchmark (bench/quorum-publish.ts) at smoke size, so it cannot rot: a real
 * etcd, a snapshot and records at each size, a follower that takes them. Never asserts on time.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { buildOnce } from '../server/helpers/config-server-process.js';
import { repoRoot } from '../store/helpers/transpile-sources.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('bench/quorum-publish --smoke publishes at every size and writes its results', async () => {
  buildOnce();
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-quorum-smoke-'));
  dirs.push(dir);
  const out = join(dir, 'quorum.json');
  await promisify(execFile)(process.execPath, [join(repoRoot, 'dist', 'bench', 'quorum-publish.js'), '--smoke', '--out', out], { timeout: 120_000 });
  const written = JSON.parse(await readFile(out, 'utf8')) as { smoke: boolean; node: string; results: Record<string, number | string>[] };
  expect(written).toMatchObject({ smoke: true, node: process.version });
  expect(written.results.map((result) => result.size)).toEqual(['S', 'L', 'XL']);
  for (const result of written.results) {
    expect(result.versions).toBe(3);
    expect(result.snapshotChunks).toBeGreaterThanOrEqual(1);
    expect(result.recordBytes).toBeGreaterThan(0);
    expect(result.changedSlots).toBeGreaterThan(0);
  }
}, 240_000);
