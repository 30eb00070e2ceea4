/**
 * Every file the code and the docs name exists: paths such as `src/http/health.ts` or
 * `docs/pair.md` in comments, docs and messages, and the relative links of the Markdown files.
 * A rename that forgets its mentions fails here, not in a reader's hands.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const scanned = ['src', 'test', 'bench', 'assembly', 'scripts', 'docs', 'examples'];
const skipped = new Set(['node_modules', 'dist', 'build', 'fixtures', 'results', '__transcripts__']);
/** A repo path in running text: not a piece of a longer path (`./dist/src/…`, `/tmp/test/…`). */
const pathPattern = /(?<![\w./-])(?:src|test|bench|docs|assembly|scripts|examples)\/[\w./-]*\w\.(?:ts|md|mjs|json|conf|txt)\b/g;
const linkPattern = /\]\(([^)#\s]+)(?:#[^)]*)?\)/g;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return /\.(ts|md|mjs|conf)$/.test(entry.name) ? [path] : [];
  });
}

const files = [...scanned.flatMap((dir) => filesUnder(join(root, dir))), join(root, 'README.md'), join(root, 'ARCHITECTURE.md')];

describe('files named in the code and the docs', () => {
  test('every repo path mentioned exists', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(pathPattern)) {
        if (!existsSync(join(root, match[0]))) missing.push(`${relative(root, file)}: ${match[0]}`);
      }
    }
    expect(files.length).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  test('every relative link of a Markdown file leads to a file', () => {
    const broken: string[] = [];
    for (const file of files.filter((path) => path.endsWith('.md'))) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(linkPattern)) {
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(dirname(file), target))) broken.push(`${relative(root, file)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
