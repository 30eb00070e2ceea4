/**
 * The heartbeat load benchmark at a tiny size (so the bench cannot rot). Checks the
 * report's shape and that every heartbeat was answered; never asserts on time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildOnce } from './helpers/config-server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'tair-cs-bench-smoke-'));
beforeAll(() => buildOnce());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('heartbeat-load --smoke runs both targets and writes its report', () => {
  const script = join(import.meta.dirname, '..', '..', 'dist', 'bench', 'heartbeat-load.js');
  const out = join(dir, 'report.json');
  execFileSync(process.execPath, [script, '--smoke', '--connections', '20', '--duration-ms', '1200', '--out', out], { timeout: 60_000 });
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    results: { target: string; sent: number; received: number; latency: { count: number; p99Ms: number }; serverCpuPercent: number }[];
    ratios: { p99: number };
  };
  expect(report.results.map((result) => result.target)).toEqual(['config server', 'bare Node TCP server']);
  for (const result of report.results) {
    expect(result.sent).toBeGreaterThanOrEqual(20);
    expect(result.received).toBeGreaterThanOrEqual(result.sent - 20);
    expect(result.latency.count).toBe(result.received);
    expect(result.serverCpuPercent).toBeGreaterThan(0);
  }
  expect(Number.isFinite(report.ratios.p99)).toBe(true);
});
