/**
 * bench/fuzz in smoke mode (3,000 frames, 300 group.conf files): no crash, no state change, no
 * bad state — and the same run with 127.0.0.1 allowed to change state does see changes, so the
 * checker can fail.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOnce } from '../server/helpers/config-server-process.js';

const script = join(import.meta.dirname, '..', '..', 'dist', 'bench', 'fuzz', 'run.js');
let dir: string;

interface FuzzResults {
  frames: { cases: number; crashes: number; stateChanges: number; bySource: Record<string, number> };
  confs: { cases: number; crashes: number; badStates: number; applied: number; refused: number };
}

async function fuzz(...args: string[]): Promise<FuzzResults> {
  const out = join(dir, `fuzz-${args.join('')}.json`);
  await promisify(execFile)(process.execPath, [script, '--smoke', '--seed', '7', '--out', out, ...args], { timeout: 120_000 }).catch(
    (error: { stdout?: string }) => {
      if (!String(error.stdout ?? '').includes('results:')) throw error;
    },
  );
  return JSON.parse(await readFile(out, 'utf8')) as FuzzResults;
}

beforeAll(async () => {
  buildOnce();
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-fuzz-smoke-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fuzz (smoke)', () => {
  test('frames and group.conf files from a non-allowed source: no crash, no state change, no bad state', async () => {
    const results = await fuzz();
    expect(results.frames.cases).toBe(3000);
    expect(Object.keys(results.frames.bySource).length).toBeGreaterThanOrEqual(15);
    expect(results.frames).toMatchObject({ crashes: 0, stateChanges: 0 });
    expect(results.confs).toMatchObject({ cases: 300, crashes: 0, badStates: 0 });
    expect(results.confs.applied).toBeGreaterThan(0);
    expect(results.confs.refused).toBeGreaterThan(0);
  }, 150_000);

  test('the same frames from an allowed source do change the state: the checker sees it', async () => {
    const results = await fuzz('--allow-self', '--confs', '0');
    expect(results.frames.crashes).toBe(0);
    expect(results.frames.stateChanges).toBeGreaterThan(0);
  }, 150_000);
});
