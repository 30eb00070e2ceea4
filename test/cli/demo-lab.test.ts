/**
 * `tair-cs demo` as a lab: pid files for every process; a second demo (a second `npm start`)
 * refuses before it starts anything, prints no "ready" and writes nothing into the first one's
 * logs; a killed data server comes back with `restart PORT` typed into the demo or with
 * `tair-cs demo restart PORT` from another terminal; Ctrl-C stops every process, the restarted
 * one included, and removes the pid files.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitFor } from '../server/helpers/config-server-process.js';
import { type DemoLab, mainScript, startDemoLab } from './helpers/demo-lab.js';

const execFileAsync = promisify(execFile);
let lab: DemoLab;
let dir = '';
let csPort = 0;
let dsPorts: number[] = [];

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
  execFileAsync(process.execPath, [mainScript, ...args], { cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

beforeAll(async () => {
  lab = await startDemoLab({ bucketCount: 64, acceptStrategy: 1, spareCount: 0 });
  ({ dir, csPort } = lab);
  dsPorts = lab.ports;
});

afterAll(async () => {
  await lab?.stop();
});

describe('tair-cs demo, the lab', () => {
  test('every process has a pid file; the intro says how to bring a data server back', () => {
    expect(pidOf('demo')).toBe(lab.demo.pid);
    for (const name of ['cfgsvr', ...dsPorts.map((port) => `data-server-${port}`)]) expect(alive(pidOf(name)), name).toBe(true);
    expect(lab.output()).toContain(`type \`restart ${dsPorts[1]}\` here, or run \`npx tair-cs demo restart ${dsPorts[1]}\``);
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
    expect(second.stderr).toContain(`a demo is running already (pid ${lab.demo.pid}`);
    expect(second.stderr).toContain(`port ${csPort} (the config server) on 127.0.0.1 is taken`);
    const after = logs();
    // The first demo's processes go on logging; nothing from any other process lands there.
    const ours = new Set([lab.demo.pid, pidOf('cfgsvr'), ...dsPorts.map((port) => pidOf(`data-server-${port}`))]);
    after.forEach((text, index) => {
      expect(text.startsWith(before[index])).toBe(true);
      for (const line of text.split('\n').filter((entry) => entry.startsWith('{'))) expect(ours.has((JSON.parse(line) as { pid: number }).pid)).toBe(true);
    });
  });

  test('a killed data server comes back: `restart PORT` typed into the demo, or `tair-cs demo restart PORT`', async () => {
    const [, typed, other] = dsPorts;
    process.kill(pidOf(`data-server-${typed}`), 'SIGKILL');
    await waitFor(
      () => lab.output().includes(`data server 127.0.0.1:${typed} exited (SIGKILL)`),
      5000,
      () => lab.output(),
    );
    expect(lab.output()).toContain(`Bring it back: type \`restart ${typed}\` here, or run \`tair-cs demo restart ${typed}\``);
    lab.demo.stdin?.write(`restart ${typed}\n`);
    await waitFor(
      () => lab.output().includes(`demo: data server 127.0.0.1:${typed} started (pid`),
      5000,
      () => lab.output(),
    );
    await waitFor(() => existsSync(join(dir, 'data', `data-server-${typed}.pid`)) && alive(pidOf(`data-server-${typed}`)), 5000);
    lab.demo.stdin?.write(`restart ${typed}\n`);
    await waitFor(
      () => lab.output().includes(`data server 127.0.0.1:${typed} is running already`),
      5000,
      () => lab.output(),
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
    await waitFor(() => lab.output().includes('demo: ready'), 1000);
    for (let index = 0; index < 20; index++) expect((await tairCs([...client, 'put', `k${index}`, `v${index}`])).code).toBe(0);
  });

  test('Ctrl-C stops every process, the one restarted from another terminal too, and removes the pid files', async () => {
    const pids = [pidOf('cfgsvr'), ...dsPorts.map((port) => pidOf(`data-server-${port}`))];
    const exited = new Promise<number | null>((resolve) => lab.demo.once('exit', resolve));
    lab.demo.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(readdirSync(join(dir, 'data')).filter((name) => name.endsWith('.pid'))).toEqual([]);
    expect(await tairCs(['demo', 'restart', String(dsPorts[0])])).toMatchObject({ code: 1, stderr: expect.stringContaining('no demo is running') });
  });
});
