/**
 * The pair benchmark (bench/pair-failover.ts) at smoke size, so it cannot rot: one cycle of
 * kill -9, fail-back, SIGSTOP and wake-up. Asserts what happened, never how fast.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { repoRoot } from '../store/helpers/transpile-sources.js';
import { buildOnce } from '../server/helpers/config-server-process.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('bench/pair-failover --smoke runs one full cycle and writes its results', async () => {
  buildOnce();
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-pair-smoke-'));
  dirs.push(dir);
  const out = join(dir, 'pair.json');
  await promisify(execFile)(process.execPath, [join(repoRoot, 'dist', 'bench', 'pair-failover.js'), '--smoke', '--out', out], { timeout: 60_000 });
  const written = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown> & { trials: Record<string, number>[]; client: Record<string, number> };
  expect(written).toMatchObject({ schema: 1, mode: 'smoke', node: process.version, peerTimeoutMs: 600 });
  expect(written.trials).toHaveLength(1);
  expect(Object.keys(written.trials[0]).sort()).toEqual(['failBackMs', 'killDataServersSwitchedMs', 'killTakeoverMs', 'stopTakeoverMs', 'wakeFailBackMs']);
  expect(written.client.decreases).toBe(0);
  expect(written.client.answers).toBeGreaterThan(0);
});
