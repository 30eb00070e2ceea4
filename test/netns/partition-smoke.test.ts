/**
 * bench/partition in smoke mode (isolate 5 s, flap 8 s; about 30 s): the isolated primary
 * publishes nothing while isolated, it notices its isolation, and a client that follows the
 * highest epoch never sees a version go down. The durations it reports are figures for the
 * benchmark README, not assertions. Runs as root (CI does); elsewhere skipped loudly.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { buildOnce } from '../server/helpers/config-server-process.js';
import { netLabUnavailable } from '../helpers/netns.js';

const unavailable = netLabUnavailable();
if (unavailable) console.warn(`\n*** SKIPPING the partition scenarios: ${unavailable} ***\n`);
const script = join(import.meta.dirname, '..', '..', 'dist', 'bench', 'partition', 'run.js');

interface Scenario {
  name: string;
  polls: number;
  answeredBoth: number;
  isolationNotices: number;
  publishedWhileIsolated: number;
  versionDecreases: number;
}

describe.skipIf(unavailable !== null)('partition scenarios (smoke)', () => {
  test('isolate and flap: nothing published while isolated, no version goes down', async () => {
    buildOnce();
    const dir = await mkdtemp(join(tmpdir(), 'tair-cs-partition-smoke-'));
    try {
      const out = join(dir, 'partition.json');
      await promisify(execFile)(process.execPath, [script, '--smoke', '--out', out], { timeout: 120_000 });
      const { scenarios } = JSON.parse(await readFile(out, 'utf8')) as { scenarios: Scenario[] };
      expect(scenarios.map((scenario) => scenario.name)).toEqual(['isolate', 'flap']);
      for (const scenario of scenarios) {
        expect(scenario.answeredBoth).toBeGreaterThan(0);
        expect(scenario.publishedWhileIsolated).toBe(0);
        expect(scenario.versionDecreases).toBe(0);
      }
      expect(scenarios[0].isolationNotices).toBeGreaterThanOrEqual(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
