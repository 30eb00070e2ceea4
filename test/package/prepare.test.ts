/**
 * `npx tair-cs` inside a clone makes npm run the `prepare` script (npm links the clone into its
 * npx cache); it must not rebuild there. `npm ci` and `npm install` (npm_command ci / install)
 * still build: that path is what every test run starts from.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const execFileAsync = promisify(execFile);

describe('scripts/prepare.mjs', () => {
  test('run for npx (npm_command=exec): builds nothing, touches nothing', async () => {
    const main = join(root, 'dist', 'src', 'cli', 'main.js');
    const before = statSync(main).mtimeMs;
    const { stdout, stderr } = await execFileAsync(process.execPath, [join(root, 'scripts', 'prepare.mjs')], {
      cwd: root,
      env: { ...process.env, npm_command: 'exec' },
    });
    expect(stdout).toBe('');
    expect(stderr).toBe('');
    expect(statSync(main).mtimeMs).toBe(before);
  });

  test('package.json runs it as prepare, and start runs the built demo without building', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.prepare).toBe('node scripts/prepare.mjs');
    expect(scripts.start).toBe('node dist/src/cli/main.js demo');
  });
});
