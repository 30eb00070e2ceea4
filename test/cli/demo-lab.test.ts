/**
 * `tair-cs demo` as a lab: pid files for every process; a second demo (a second `npm start`)
 * refuses before it starts anything, prints no "ready" and writes nothing into the first one's
 * logs; a killed data server comes back with `restart PORT` typed into the demo or with
 * `tair-cs demo restart PORT` from another terminal; Ctrl-C stops every process, the restarted
 * one included, and removes the pid files.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOnce, freePort, waitFor } from '../server/helpers/config-server-process.js';

const main = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const execFileAsync = promisify(execFile);
let dir = '';
let csPort = 0;
let dsPorts: number[] = [];
let demo: ChildProcess;
let out = '';

const pidOf = (name: string): number => Number(readFileSync(join(dir, 'data', `${name}.pid`), 'utf8').trim());
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const tairCs = async (args: string[]) =>
  execFileAsync(process.execPath, [main, ...args], { cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

beforeAll(async () => {
  buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'tair-demo-lab-'));
  csPort = await freePort();
  dsPorts = [await freePort(), await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'configserver.conf'),
    [
      '[public]',
      `config_server = 127.0.0.1:${csPort}`,
      '[configserver]',
      `port = ${csPort}`,
      `address = 127.0.0.1:${csPort}`,
      'group_file = group.conf',
      'data_dir = data',
      'pid_file = data/cfgsvr.pid',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'group.conf'),
    [
      '[group_1]',
      '_bucket_number = 64',
      '_copy_count = 2',
      '_accept_strategy = 1',
      '_server_down_time = 1',
      '_min_data_server_count = 2',
      ...dsPorts.map((port) => `_server_list = 127.0.0.1:${port}`),
      '',
    ].join('\n'),
  );
  // The configserver.conf in the working directory is the demo's default.
  demo = spawn(process.execPath, [main, 'demo'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  demo.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  demo.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await waitFor(
    () => out.includes('demo: ready'),
    30_000,
    () => out,
  );
});

afterAll(() => {
  if (demo.exitCode === null) demo.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('tair-cs demo, the lab', () => {
  test('every process has a pid file; the intro says how to bring a data server back', () => {
    expect(pidOf('demo')).toBe(demo.pid);
    for (const name of ['cfgsvr', ...dsPorts.map((port) => `data-server-${port}`)]) expect(alive(pidOf(name)), name).toBe(true);
    expect(out).toContain(`type \`restart ${dsPorts[1]}\` here, or run \`npx tair-cs demo restart ${dsPorts[1]}\``);
  });

  test('a second demo refuses before starting anything: exit 1, no "ready", nothing in the first one\'s logs', async () => {
    const logs = () =>
      readdirSync(join(dir, 'data'))
        .filter((name) => name.endsWith('.log'))
        .map((name) => readFileSync(join(dir, 'data', name), 'utf8'));
    const before = logs();
    const second = await tairCs(['demo']);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain('tair-cs demo: refusing to start, nothing was started:');
    expect(second.stderr).toContain(`a demo is running already (pid ${demo.pid}`);
    expect(second.stderr).toContain(`port ${csPort} (the config server) on 127.0.0.1 is taken`);
    const after = logs();
    // The first demo's processes go on logging; nothing from any other process lands there.
    const ours = new Set([demo.pid, pidOf('cfgsvr'), ...dsPorts.map((port) => pidOf(`data-server-${port}`))]);
    after.forEach((text, index) => {
      expect(text.startsWith(before[index])).toBe(true);
      for (const line of text.split('\n').filter((entry) => entry.startsWith('{'))) expect(ours.has((JSON.parse(line) as { pid: number }).pid)).toBe(true);
    });
  });

  test('a killed data server comes back: `restart PORT` typed into the demo, or `tair-cs demo restart PORT`', async () => {
    const [, typed, other] = dsPorts;
    process.kill(pidOf(`data-server-${typed}`), 'SIGKILL');
    await waitFor(
      () => out.includes(`data server 127.0.0.1:${typed} exited (SIGKILL)`),
      5000,
      () => out,
    );
    expect(out).toContain(`Bring it back: type \`restart ${typed}\` here, or run \`tair-cs demo restart ${typed}\``);
    demo.stdin?.write(`restart ${typed}\n`);
    await waitFor(
      () => out.includes(`demo: data server 127.0.0.1:${typed} started (pid`),
      5000,
      () => out,
    );
    await waitFor(() => existsSync(join(dir, 'data', `data-server-${typed}.pid`)) && alive(pidOf(`data-server-${typed}`)), 5000);
    demo.stdin?.write(`restart ${typed}\n`);
    await waitFor(
      () => out.includes(`data server 127.0.0.1:${typed} is running already`),
      5000,
      () => out,
    );

    process.kill(pidOf(`data-server-${other}`), 'SIGKILL');
    await waitFor(() => !alive(pidOf(`data-server-${other}`)), 5000);
    const restarted = await tairCs(['demo', 'restart', `127.0.0.1:${other}`]);
    expect(restarted.stderr).toBe('');
    expect(restarted.code).toBe(0);
    expect(restarted.stdout).toMatch(new RegExp(`^demo: data server 127\\.0\\.0\\.1:${other} started again \\(pid \\d+\\)`));
    expect(alive(pidOf(`data-server-${other}`))).toBe(true);
    const twice = await tairCs(['demo', 'restart', String(other)]);
    expect(twice).toMatchObject({ code: 1, stderr: expect.stringContaining('is running already') });
    expect(await tairCs(['demo', 'restart', '1'])).toMatchObject({ code: 2, stderr: expect.stringContaining("'1' is not a data server of the demo") });
    // Both are back in the cluster: the client reads and writes through every server.
    const client = ['client', '--config-servers', `127.0.0.1:${csPort}`, '--group', 'group_1'];
    await waitFor(() => out.includes('demo: ready'), 1000);
    for (let index = 0; index < 20; index++) expect((await tairCs([...client, 'put', `k${index}`, `v${index}`])).code).toBe(0);
  });

  test('Ctrl-C stops every process, the one restarted from another terminal too, and removes the pid files', async () => {
    const pids = [pidOf('cfgsvr'), ...dsPorts.map((port) => pidOf(`data-server-${port}`))];
    const exited = new Promise<number | null>((resolve) => demo.once('exit', resolve));
    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(readdirSync(join(dir, 'data')).filter((name) => name.endsWith('.pid'))).toEqual([]);
    expect(await tairCs(['demo', 'restart', String(dsPorts[0])])).toMatchObject({ code: 1, stderr: expect.stringContaining('no demo is running') });
  });
});
