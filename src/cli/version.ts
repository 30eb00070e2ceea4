/**
 * version — this package's folder and version, from its package.json, which sits two levels
 * above src/cli under vitest and three above dist/src/cli in a clone or an install.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageName = 'tair-config-server';
/** searchDepthMax — package.json is at most three folders up (dist/src/cli); a little slack. */
const searchDepthMax = 5;

/** packageDir — the folder of this package's package.json, and its version. */
export function packageDir(): { dir: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < searchDepthMax; depth++) {
    dir = dirname(dir);
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === packageName && typeof manifest.version === 'string') return { dir, version: manifest.version };
    } catch {
      // No package.json here (or not ours): keep climbing.
    }
  }
  throw new Error(`cannot find ${packageName}'s package.json above ${fileURLToPath(import.meta.url)}`);
}

/** packageVersion — the version in this package's package.json. */
export function packageVersion(): string {
  return packageDir().version;
}
