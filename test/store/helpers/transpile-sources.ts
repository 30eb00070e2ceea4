/**
 * transpile-sources — turns our TypeScript sources into runnable ESM in a temp directory, so a
 * test can run them in a real child process (kill -9, exit codes) without a full project build.
 * Follows relative imports from the entry files; types are stripped, not checked.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** repoRoot — the project root (this file is test/store/helpers/transpile-sources.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const importPattern = /(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)\.js'/g;

/** transpileSources — writes `outDir/<path relative to the repo>.js` for each entry and everything it imports. */
export async function transpileSources(entries: readonly string[], outDir: string): Promise<void> {
  const queue = entries.map((entry) => resolve(repoRoot, entry));
  const done = new Set<string>();
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = await readFile(file, 'utf8');
    const output = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    }).outputText;
    const target = join(outDir, relative(repoRoot, file).replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, output);
    for (const match of source.matchAll(importPattern)) queue.push(resolve(dirname(file), `${match[1]}.ts`));
  }
}
