/**
 * bench-results — the results file: where the run happened and what it measured.
 *
 *   bench/results/<YYYY-MM-DD>-<commit>.json   one per run (same day and commit: replaced)
 *   bench/results/latest.json                  the same content, for diffs between runs
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { type CaseResult, rounded } from './bench-case.js';
import type { XxlResult } from './xxl-worker.js';

/** ScanRatios — the scan variants against the memory read, within one run and size. */
export interface ScanRatios {
  size: string;
  wasmCallOverMemoryRead: number;
  engineApiOverMemoryRead: number;
  plainTsOverMemoryRead: number;
  plainTsOverWasmCall: number;
  /** target — the bound on the scan over the memory read (XL only). */
  target: number | null;
  meetsTarget: boolean | null;
}

/** BenchResults — everything a run writes. */
export interface BenchResults {
  schema: 1;
  date: string;
  commit: string | null;
  commitDirty: boolean | null;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpu: string | null;
  cores: number;
  totalMemoryMiB: number;
  /** loadAverage1m — other work on the machine when the run started (figures are noisier above ~0.5). */
  loadAverage1m: number;
  mode: 'full' | 'smoke';
  engineVariant: 'release';
  filters: { only: string[] | null; sizes: string[] | null; skipXxl: boolean };
  cases: CaseResult[];
  scanRatios: ScanRatios[];
  xxl: XxlResult | null;
}

/** runEnvironment — node, machine and commit fields of a results file. */
export function runEnvironment(
  root: string,
): Pick<BenchResults, 'date' | 'commit' | 'commitDirty' | 'node' | 'v8' | 'platform' | 'arch' | 'cpu' | 'cores' | 'totalMemoryMiB' | 'loadAverage1m'> {
  const commit = git(root, ['rev-parse', '--short', 'HEAD']);
  const status = commit === null ? null : git(root, ['status', '--porcelain', '--untracked-files=no']);
  return {
    date: new Date().toISOString(),
    commit,
    commitDirty: status === null ? null : status.length > 0,
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpu: cpus()[0]?.model ?? null,
    cores: availableParallelism(),
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

/** scanRatios — per size with all four scan variants, the ratios of their medians. */
export function scanRatios(cases: CaseResult[]): ScanRatios[] {
  const sizes = [...new Set(cases.filter((entry) => entry.operation === 'scan').map((entry) => entry.size))];
  return sizes.flatMap((size) => {
    const median = (variant: string): number | undefined =>
      cases.find((entry) => entry.operation === 'scan' && entry.size === size && entry.variant === variant)?.medianMs;
    const [api, wasm, plain, read] = ['engine API', 'wasm call', 'plain TS', 'memory read'].map(median);
    if (api === undefined || wasm === undefined || plain === undefined || read === undefined || read <= 0) return [];
    const target = size === 'XL' ? 2 : null;
    return [
      {
        size,
        wasmCallOverMemoryRead: rounded(wasm / read),
        engineApiOverMemoryRead: rounded(api / read),
        plainTsOverMemoryRead: rounded(plain / read),
        plainTsOverWasmCall: wasm > 0 ? rounded(plain / wasm) : 0,
        target,
        meetsTarget: target === null ? null : wasm / read <= target,
      },
    ];
  });
}

/** writeResults — the dated file and latest.json in `dir`; returns the dated file's path. */
export async function writeResults(dir: string, results: BenchResults): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = `${results.date.slice(0, 10)}-${results.commit ?? 'no-commit'}.json`;
  const text = `${JSON.stringify(results, null, 2)}\n`;
  await writeFile(join(dir, name), text);
  await writeFile(join(dir, 'latest.json'), text);
  return join(dir, name);
}

// Read-only git queries; no git (or no repository) just leaves the fields null.
function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
