/**
 * prepare — npm's `prepare` hook: builds a clone on `npm ci` / `npm install`, and from scratch
 * before `npm pack` / `npm publish` (dist/ emptied first, so no file of a deleted source ships),
 * but not when npm runs it for `npx tair-cs` inside a clone.
 * There npm links the project into its npx cache and would otherwise rebuild everything,
 * silently and for tens of seconds, rewriting dist/ under whatever is running from it.
 */
import { execSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (process.env.npm_command === 'exec') {
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
    process.stderr.write('tair-config-server is not built: run `npm run build` (or `npm ci`) first\n');
  }
} else {
  if (['pack', 'publish'].includes(process.env.npm_command ?? '')) rmSync(join(root, 'dist'), { recursive: true, force: true });
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
