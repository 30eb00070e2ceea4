/**
 * copy-wasm — puts build/engine.*.wasm into dist/build/, beside dist/src, where the compiled
 * engine looks for it (`../../build/` from dist/src/engine), so dist/ is whole on its own: in a
 * clone and in the installed package alike.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const from = join(root, 'build');
const to = join(root, 'dist', 'build');
mkdirSync(to, { recursive: true });
const files = readdirSync(from).filter((name) => name.endsWith('.wasm'));
if (files.length === 0) throw new Error(`${from} holds no .wasm file: run \`npm run build:wasm\``);
for (const name of files) copyFileSync(join(from, name), join(to, name));
