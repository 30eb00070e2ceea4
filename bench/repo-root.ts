/**
 * repo-root — the clone's root folder (the one with asconfig.json), from bench/ under vitest or
 * dist/bench when built: benchmarks run in a clone only, never from the installed package.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** repoRoot — see the file comment. */
export function repoRoot(): string {
  let dir = import.meta.dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'asconfig.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the benchmarks run in a clone of tair-config-server (no asconfig.json found above them)');
    dir = parent;
  }
}
