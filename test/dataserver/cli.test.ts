import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { run as runClient } from '../../src/cli/client-command.js';
import { runCaptured } from '../helpers/run-captured.js';
import { FakeConfigServer } from '../agent/fake-config-server.js';
import { roundRobin, stable } from '../agent/test-tables.js';
import { repoRoot, transpileSources } from '../store/helpers/transpile-sources.js';
import { freePorts, startCluster, waitFor, type TestCluster } from './cluster-helpers.js';

/** client — `tair-cs client` in-process, output captured. */
const client = (argv: string[]) => runCaptured(runClient, argv);

describe('tair-cs client', () => {
  let cluster: TestCluster;
  let base: string[];
  beforeAll(async () => {
    cluster = await startCluster('group_1', 3);
    cluster.configServer.publish(stable(roundRobin(cluster.ids, 64, 2), 64, 2));
    await waitFor(() => [...cluster.dataServers.values()].every((server) => server.agent.tables !== null), 'tables');
    base = ['--config-servers', cluster.configServer.address, '--group', 'group_1'];
  });
  afterAll(async () => {
    await cluster.stop();
  });

  test('put, get, delete: exit 0 and the value on stdout; a missing key exits 1', async () => {
    expect(await client([...base, 'put', 'greeting', 'hello world'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await client([...base, 'get', 'greeting'])).toEqual({ code: 0, stdout: 'hello world\n', stderr: '' });
    expect((await client([...base, 'delete', 'greeting'])).code).toBe(0);
    const missing = await client([...base, 'get', 'greeting']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/not found/);
    expect((await client([...base, 'delete', 'greeting'])).code).toBe(1);
  });

  test('table prints B, C, the version and every server with its bucket count as JSON', async () => {
    const { code, stdout } = await client([...base, 'table']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ group: 'group_1', bucketCount: 64, copyCount: 2, version: cluster.configServer.clientVersion });
    expect(summary.servers.map((server: { server: string }) => server.server)).toEqual(cluster.ports.map((port) => `127.0.0.1:${port}`).sort());
    expect(summary.servers.reduce((sum: number, server: { buckets: number }) => sum + server.buckets, 0)).toBe(128);
  });

  test('unreachable config servers: exit 1 with the reason for each', async () => {
    const [closedPort] = await freePorts(1);
    const result = await client(['--config-servers', `127.0.0.1:${closedPort}`, '--group', 'group_1', 'get', 'k']);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`no config server gave a table.*127.0.0.1:${closedPort}`));
  });

  test.each([
    [['--group', 'g', 'get', 'k'], /--config-servers/],
    [['--config-servers', '127.0.0.1:1', 'get', 'k'], /--group/],
    [['--config-servers', 'nonsense', '--group', 'g', 'get', 'k'], /IPv4/],
    [['--config-servers', '127.0.0.1:1', '--group', 'g'], /missing command/],
    [['--config-servers', '127.0.0.1:1', '--group', 'g', 'fetch', 'k'], /unknown command 'fetch'/],
    [['--config-servers', '127.0.0.1:1', '--group', 'g', 'put', 'k'], /put takes 2 arguments, got 1/],
    [['--config-servers', '127.0.0.1:1', '--group', 'g', '--verbose', 'get', 'k'], /verbose/],
  ])('bad arguments %j: exit 2, one line on stderr', async (argv, message) => {
    const result = await client(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('tair-cs dataserver (a real process)', () => {
  let dir = '';
  let main = '';
  const children: ReturnType<typeof spawn>[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tair-ds-cli-'));
    await transpileSources(['src/cli/main.ts', 'src/cli/dataserver-command.ts'], dir);
    await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    main = join(dir, 'src/cli/main.js');
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function start(argv: string[]) {
    const child = spawn(process.execPath, [main, 'dataserver', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  test('serves, logs JSON lines to stdout and stops cleanly on SIGTERM', async () => {
    const configServer = await new FakeConfigServer('group_1').start();
    try {
      const [port] = await freePorts(1);
      const ids = (await import('../agent/test-tables.js')).idsOf([port]);
      configServer.publish(stable(roundRobin(ids, 8, 1), 8, 1));
      const process = start(['--port', String(port), '--config-servers', configServer.address, '--group', 'group_1']);
      await waitFor(() => process.output().stdout.includes('table applied'), 'the table to be applied', 10_000);
      expect((await client(['--config-servers', configServer.address, '--group', 'group_1', 'put', 'a', 'b'])).code).toBe(0);
      expect((await client(['--config-servers', configServer.address, '--group', 'group_1', 'get', 'a'])).stdout).toBe('b\n');
      process.child.kill('SIGTERM');
      expect(await process.exited).toBe(0);
      const texts = process.output().stdout.trim().split('\n');
      const lines = texts.map((line) => JSON.parse(line));
      expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['data server listening', 'table applied', 'data server stopped']));
      // The config server's format: ISO times, pid and role on every line, the port once.
      for (const line of lines) {
        expect(line).toMatchObject({ level: expect.any(Number), pid: process.child.pid, role: 'dataserver', port });
        expect(new Date(line.time).toISOString()).toBe(line.time);
      }
      for (const text of texts) expect(text.match(/"port":/g)).toHaveLength(1);
    } finally {
      await configServer.stop();
    }
  });

  test.each([
    [['--config-servers', '127.0.0.1:1', '--group', 'g'], /--port/],
    [['--port', '70000', '--config-servers', '127.0.0.1:1', '--group', 'g'], /--port/],
    [['--port', '5191', '--group', 'g'], /--config-servers/],
    [['--port', '5191', '--config-servers', '127.0.0.1:1', '--group', 'g', '--log-level', 'loud'], /--log-level/],
  ])('bad arguments %j: exit 2 with one line on stderr', async (argv, message) => {
    const process = start(argv);
    expect(await process.exited).toBe(2);
    expect(process.output().stderr).toMatch(message);
    expect(process.output().stderr.trim().split('\n')).toHaveLength(1);
  });
});
