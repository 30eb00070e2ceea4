/**
 * The scale benchmark at tiny sizes (12 data servers, B = 1,023), so it cannot rot: every phase
 * runs to convergence and its figures are in the report (their values are not checked: times
 * and false DOWNs depend on the machine).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOnce } from '../server/helpers/config-server-process.js';

let dir = '';
beforeAll(async () => {
  buildOnce();
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-scale-smoke-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench:scale --smoke', () => {
  test('cold start, a kill and an add all converge; each phase reports its figures', async () => {
    const out = join(dir, 'scale.json');
    execFileSync(process.execPath, ['dist/bench/scale-load.js', '--smoke', '--out', out], { stdio: 'pipe', timeout: 55_000 });
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.settings).toMatchObject({ servers: 12, sizes: [1023] });
    const [size] = report.sizes;
    expect(size.error).toBeUndefined();
    expect(size.phases.map((phase: { phase: string }) => phase.phase)).toEqual(['cold', 'kill', 'add']);
    for (const phase of size.phases) {
      expect(phase.versions).toBeGreaterThan(0);
      expect(phase.heartbeat.count).toBeGreaterThan(0);
      expect(phase.bytesSent).toBeGreaterThan(0);
      expect(phase.storeBytesWritten).toBeGreaterThan(0);
      expect(phase.agents.viewsRefused).toBe(0);
    }
    const [cold, kill, add] = size.phases;
    expect(cold.agents.views).toBeGreaterThanOrEqual(12);
    expect(kill.milestones.quickTableAfterDown).toBeGreaterThan(0);
    expect(kill.agents.changeSets).toBeGreaterThan(0);
    expect(add.milestones.converged).toBeGreaterThan(add.milestones.destination);
  }, 60_000);
});
