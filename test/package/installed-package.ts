/**
 * installed-package — packs this project with `npm pack` and installs the tarball into an empty
 * temporary project without the network, as a user's `npm install tair-config-server` would.
 *
 * No network: the temporary project gets a lockfile whose entries for the package's runtime
 * dependencies are copied from our own package-lock.json, and `npm ci --offline` takes their
 * tarballs from npm's cache by integrity. `npm ci` of this repository put exactly those tarballs
 * there (a bare `npm install --offline x.tgz` would need registry metadata `npm ci` never fetches).
 * The pack runs with --ignore-scripts: it packs the dist/ the suite runs against, and never
 * rebuilds it under the other tests.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** repoRoot — this repository (the file is test/package/installed-package.ts). */
export const repoRoot = join(import.meta.dirname, '..', '..');

interface LockEntry {
  version: string;
  dev?: boolean;
  [field: string]: unknown;
}

interface Manifest {
  version: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
}

/** InstalledPackage — the temporary project and what the pack said. */
export interface InstalledPackage {
  dir: string;
  tarball: string;
  /** files — the tarball's file list, as `npm pack --json` reports it. */
  files: string[];
  /** bin — node_modules/.bin/tair-cs of the temporary project. */
  bin: string;
}

/** packAndInstall — pack into a new temp dir and install the tarball there, offline. */
export async function packAndInstall(): Promise<InstalledPackage> {
  if (!existsSync(join(repoRoot, 'dist', 'build', 'engine.release.wasm'))) {
    throw new Error('dist/build/engine.release.wasm is missing: run `npm run build` first');
  }
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-installed-'));
  const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot });
  const [report] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const tarball = join(dir, report.filename);
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
  const spec = `file:${report.filename}`;
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { 'tair-config-server': spec } }, null, 2)}\n`,
  );
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(consumerLock(spec, tarball, manifest), null, 2)}\n`);
  try {
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: dir });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`npm ci --offline failed (are the dependencies in npm's cache? \`npm ci\` here puts them there):\n${stderr}`);
  }
  return { dir, tarball, files: report.files.map((file) => file.path), bin: join(dir, 'node_modules', '.bin', 'tair-cs') };
}

/** consumerLock — a lockfile for a project depending on the tarball alone. */
function consumerLock(spec: string, tarball: string, manifest: Manifest) {
  const ours = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { 'tair-config-server': spec } },
    // npm links bins from the lockfile's entry, not from the tarball's package.json.
    'node_modules/tair-config-server': {
      version: manifest.version,
      resolved: spec,
      integrity,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  // Our lockfile marks everything only the build and the tests need as dev: the rest is the runtime closure.
  for (const [path, entry] of Object.entries(ours.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}
