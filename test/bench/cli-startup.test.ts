/**
 * The CLI start-up benchmark runs and reports every command beside a bare node (no figures
 * asserted: timings belong to the benchmark, not the suite).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);

test('bench/cli-startup times each command beside a bare node and writes nothing with --no-write', async () => {
  const { stdout } = await run(process.execPath, ['dist/bench/cli-startup.js', '--iterations', '1', '--no-write'], { timeout: 60_000 });
  const names = stdout
    .trim()
    .split('\n')
    .map((line) => line.split(/\s+min\s/)[0]?.trim());
  expect(names).toEqual(['node -e 0', 'tair-cs --version', 'tair-cs client get', 'tair-cs status']);
  for (const line of stdout.trim().split('\n')) expect(line).toMatch(/min \d+\.\d ms {2}median \d+\.\d ms/);
}, 90_000);
