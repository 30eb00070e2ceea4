/**
 * The package as a user gets it: `npm pack`, then the tarball installed into an empty project
 * without the network (installed-package.ts), and from there: what the tarball holds, the
 * README's library example (type-checked against the shipped .d.ts, then run), `tair-cs
 * --version`, `tair-cs table build`, and a config server and data servers started from the
 * installed package whose table a client of the installed package reads.
 *
 * The transcript of what ran is printed at the end.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOnce, freePort } from '../server/helpers/config-server-process.js';
import { type InstalledPackage, packAndInstall, repoRoot } from './installed-package.js';

const execFileAsync = promisify(execFile);
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
const transcript: string[] = [];
let installed: InstalledPackage;

/** tairCs — the installed bin (its shebang and executable bit included), output kept for the transcript. */
async function tairCs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  transcript.push(`$ tair-cs ${args.join(' ')}`);
  try {
    const { stdout, stderr } = await execFileAsync(installed.bin, args, { cwd: installed.dir, env });
    transcript.push(...firstLines(stdout));
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    transcript.push(...firstLines(failed.stderr), `(exit ${failed.code})`);
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function firstLines(text: string, count = 6): string[] {
  const lines = text
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '');
  return lines.length > count ? [...lines.slice(0, count), `… (${lines.length - count} more lines)`] : lines;
}

/** readmeLibraryExample — the first ```ts block under "## The engine as a library". */
function readmeLibraryExample(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The engine as a library'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```ts block under "## The engine as a library"');
  return block[1];
}

beforeAll(async () => {
  buildOnce();
  installed = await packAndInstall();
  transcript.push(`packed ${installed.tarball} (${installed.files.length} files), installed offline into ${installed.dir}`);
}, 180_000);

afterAll(() => {
  process.stdout.write(`\n--- pack and install transcript ---\n${transcript.join('\n')}\n`);
  if (installed) rmSync(installed.dir, { recursive: true, force: true });
});

describe('the package installed from its tarball', () => {
  test('holds the built JS, the types, both .wasm files, README and docs; no runtime files, bench, tests or sources', () => {
    const { files } = installed;
    for (const needed of [
      'README.md',
      'package.json',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/engine/index.d.ts',
      'dist/src/cli/main.js',
      'dist/build/engine.release.wasm',
      'dist/build/engine.debug.wasm',
      'docs/operations.md',
      'docs/client.md',
      'docs/agent.md',
    ]) {
      expect(files, needed).toContain(needed);
    }
    const unwanted = files.filter((file) =>
      /(^examples\/data|\.pid$|\.log$|\.table$|^dist\/bench|^test\/|^bench\/|^assembly\/|^src\/|\.map$|^build\/)/.test(file),
    );
    expect(unwanted).toEqual([]);
    const modules = join(installed.dir, 'node_modules');
    for (const absent of ['assemblyscript', 'ini', '@assemblyscript/loader', 'typescript', 'vitest'])
      expect(existsSync(join(modules, absent)), absent).toBe(false);
  });

  test("the README's library example type-checks against the shipped types and runs", async () => {
    const source = join(installed.dir, 'example.ts');
    writeFileSync(source, readmeLibraryExample());
    const program = ts.createProgram([source], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(repoRoot, 'node_modules', '@types')],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(problems).toEqual([]);
    const script = join(installed.dir, 'example.mjs');
    writeFileSync(
      script,
      ts.transpileModule(readFileSync(source, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText,
    );
    transcript.push("$ node example.mjs   # the README's library example");
    const { stdout } = await execFileAsync(process.execPath, [script], { cwd: installed.dir });
    transcript.push(stdout.trim());
    const [moves, minimum] = stdout.trim().split(/\s+/).map(Number);
    expect(moves).toBeGreaterThan(0);
    expect(moves).toBe(minimum);
  }, 120_000);

  test('tair-cs --version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const result = await tairCs(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  test('tair-cs demo without a configserver.conf points at the examples the package ships', async () => {
    const result = await tairCs(['demo']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cp ${join(installed.dir, 'node_modules', 'tair-config-server', 'examples')}/*.conf .`);
    expect(existsSync(join(installed.dir, 'node_modules', 'tair-config-server', 'examples', 'configserver.conf'))).toBe(true);
  });

  test('tair-cs table build builds a valid table', async () => {
    const result = await tairCs(['table', 'build', '--buckets', '1023', '--copies', '2', '--servers', '4']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { valid?: boolean; ok?: boolean };
    expect(report.valid ?? report.ok).toBe(true);
  });

  test('a config server and data servers started from the package build a table a client reads', async () => {
    const csPort = await freePort();
    const dsPorts = [await freePort(), await freePort(), await freePort()];
    const cs = `127.0.0.1:${csPort}`;
    writeFileSync(
      join(installed.dir, 'configserver.conf'),
      [
        '[public]',
        `config_server = ${cs}`,
        '[configserver]',
        `port = ${csPort}`,
        `address = ${cs}`,
        'group_file = group.conf',
        'data_dir = data',
        'log_file = data/cs.log',
        'pid_file = data/cs.pid',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(installed.dir, 'group.conf'),
      [
        '[group_1]',
        '_bucket_number = 1023',
        '_copy_count = 2',
        '_server_down_time = 2',
        '_min_data_server_count = 2',
        ...dsPorts.map((port) => `_server_list = 127.0.0.1:${port}`),
        '',
      ].join('\n'),
    );
    const children: ChildProcess[] = [];
    const launch = (args: string[]) => {
      transcript.push(`$ tair-cs ${args.join(' ')} &`);
      const child = spawn(installed.bin, args, { cwd: installed.dir, env, stdio: 'ignore' });
      children.push(child);
    };
    try {
      launch(['start', '--config', 'configserver.conf', '--settle-ms', '500']);
      for (const port of dsPorts) launch(['dataserver', '--port', String(port), '--config-servers', cs, '--group', 'group_1']);
      const args = ['client', '--config-servers', cs, '--group', 'group_1'];
      const table = await tableOverAll(args, dsPorts.length);
      transcript.push(
        `$ tair-cs ${args.join(' ')} table`,
        `${JSON.stringify({ bucketCount: table.bucketCount, copyCount: table.copyCount, servers: table.servers.length })}`,
      );
      expect(table).toMatchObject({ bucketCount: 1023, copyCount: 2 });
      expect(table.servers).toHaveLength(3);
      expect((await tairCs([...args, 'put', 'greeting', 'hello'])).code).toBe(0);
      expect(await tairCs([...args, 'get', 'greeting'])).toMatchObject({ code: 0, stdout: 'hello\n' });
    } finally {
      const exits = children.map((child) => new Promise((done) => (child.exitCode !== null ? done(null) : child.once('exit', done))));
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(exits);
    }
  }, 60_000);
});

/**
 * tableOverAll — `tair-cs client … table` until the config server serves a table over every data
 * server (30 s at most): the first may be built before the last one has said hello.
 */
async function tableOverAll(args: string[], serverCount: number): Promise<{ bucketCount: number; copyCount: number; servers: unknown[] }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const result = await execFileAsync(installed.bin, [...args, 'table'], { cwd: installed.dir, env }).catch(() => null);
    const table = result ? (JSON.parse(result.stdout) as { bucketCount: number; copyCount: number; servers: unknown[] }) : null;
    if (table && table.servers.length === serverCount) return table;
    if (Date.now() > deadline)
      throw new Error(`no table over ${serverCount} servers after 30 s; config server log:\n${readLog(join(installed.dir, 'data', 'cs.log'))}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function readLog(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-20).join('\n') : '(no log)';
}
