import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { operations, printResults, runBenchmarks, type RunOptions } from '../../bench/run.js';
import type { BenchResults } from '../../bench/bench-results.js';

// The benchmarks at smoke size so they cannot rot. Never asserts on time, only that every
// case ran, produced numbers, and the results file has its documented shape.

let dir = '';
let results: BenchResults;
let file: string | null = null;

function options(overrides: Partial<RunOptions>): RunOptions {
  return { smoke: true, only: null, sizes: null, skipXxl: false, resultsDir: null, xxlRuns: 1, log: () => undefined, ...overrides };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-bench-'));
  ({ results, file } = await runBenchmarks(options({ resultsDir: dir })));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench --smoke', () => {
  test('every operation ran at every size, each case with finite timings', () => {
    const expected = operations.flatMap((operation) => ['S', 'L', 'XL'].map((size) => `${operation.name} ${size}`));
    expect(new Set(results.cases.map((entry) => `${entry.operation} ${entry.size}`))).toEqual(new Set(expected));
    for (const entry of results.cases) {
      for (const value of [entry.medianMs, entry.p99Ms, entry.meanMs, entry.opsPerSec]) {
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
      }
      expect(entry.samples).toBeGreaterThanOrEqual(2);
      expect(entry.targetMs).toBeNull();
    }
  });

  test('the scan runs four ways and is compared with the memory read at each size', () => {
    const variants = results.cases.filter((entry) => entry.operation === 'scan' && entry.size === 'XL').map((entry) => entry.variant);
    expect(variants.sort()).toEqual(['engine API', 'memory read', 'plain TS', 'wasm call']);
    expect(results.scanRatios.map((entry) => entry.size)).toEqual(['S', 'L', 'XL']);
    for (const ratio of results.scanRatios) expect(Number.isFinite(ratio.wasmCallOverMemoryRead)).toBe(true);
  });

  test('the XXL worker build ran once at smoke size and reported memory and event-loop delay', () => {
    expect(results.xxl).not.toBeNull();
    expect(results.xxl?.ok).toBe(true);
    expect(results.xxl?.runs).toHaveLength(1);
    const run = results.xxl!.runs[0];
    for (const value of [run.wallMs, run.buildMs, run.eventLoopDelayMaxMs, run.longestStallMs, results.xxl!.peakRssMiB]) {
      expect(Number.isFinite(value)).toBe(true);
    }
  });

  test('writes <date>-<commit>.json and latest.json with the run environment', async () => {
    const names = (await readdir(dir)).sort();
    expect(names).toHaveLength(2);
    expect(names).toContain('latest.json');
    expect(file).toBe(join(dir, names.find((name) => name !== 'latest.json')!));
    expect(names.find((name) => name !== 'latest.json')).toMatch(/^\d{4}-\d{2}-\d{2}-[\w-]+\.json$/);
    const written = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8'));
    expect(await readFile(file!, 'utf8')).toBe(await readFile(join(dir, 'latest.json'), 'utf8'));
    expect(written).toMatchObject({ schema: 1, mode: 'smoke', node: process.version, engineVariant: 'release' });
    expect(written.cores).toBeGreaterThanOrEqual(1);
    expect(typeof written.commit === 'string' || written.commit === null).toBe(true);
    expect(written.cases[0]).toEqual(
      expect.objectContaining({
        operation: expect.any(String),
        size: expect.any(String),
        medianMs: expect.any(Number),
        p99Ms: expect.any(Number),
        meanMs: expect.any(Number),
        opsPerSec: expect.any(Number),
      }),
    );
  });

  test('--sizes runs only the sizes it names: XXL only when named', async () => {
    const onlyL = await runBenchmarks(options({ sizes: ['L'], only: ['scan'] }));
    expect(new Set(onlyL.results.cases.map((entry) => entry.size))).toEqual(new Set(['L']));
    expect(onlyL.results.xxl).toBeNull();
    const withXxl = await runBenchmarks(options({ sizes: ['XXL'] }));
    expect(withXxl.results.cases).toEqual([]);
    expect(withXxl.results.xxl?.ok).toBe(true);
  });

  test('the printed report names every case and where the results went', () => {
    const text = printResults(results, file);
    for (const operation of operations) expect(text).toContain(operation.name);
    expect(text).toContain(`results: ${file}`);
  });

  test('--only and --skip-xxl select what runs', async () => {
    const filtered = await runBenchmarks(options({ only: ['scan'], sizes: ['S'], skipXxl: true }));
    expect(new Set(filtered.results.cases.map((entry) => `${entry.operation} ${entry.size}`))).toEqual(new Set(['scan S']));
    expect(filtered.results.xxl).toBeNull();
    expect(filtered.file).toBeNull();
  });
});
