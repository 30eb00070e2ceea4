/**
 * `tair-cs demo` (what `npm start` runs): a config server and the group's data servers come up,
 * the demo says it is ready, a client can write and read through it, and Ctrl-C stops it all.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, freePort, waitFor } from '../server/helpers/config-server-process.js';

const main = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
let dir: string;

beforeAll(() => {
  buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'tair-demo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tair-cs demo', () => {
  it('runs a cluster a client can use, and stops on SIGINT', async () => {
    const csPort = await freePort();
    const dsPorts = [await freePort(), await freePort(), await freePort()];
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
        'log_file = data/cs.log',
        'pid_file = data/cs.pid',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'group.conf'),
      [
        '[demo]',
        '_bucket_number = 64',
        '_copy_count = 2',
        '_accept_strategy = 1',
        '_server_down_time = 2',
        ...dsPorts.map((port) => `_server_list = 127.0.0.1:${port}`),
      ].join('\n'),
    );
    const demo = spawn(process.execPath, [main, 'demo', '--config', join(dir, 'configserver.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    demo.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await waitFor(
        () => out.includes('demo: ready'),
        30_000,
        () => out,
      );
      expect(out).toContain(`--config-servers 127.0.0.1:${csPort} --group demo put`);
      const client = (...args: string[]): string =>
        execFileSync(process.execPath, [main, 'client', '--config-servers', `127.0.0.1:${csPort}`, '--group', 'demo', ...args]).toString();
      client('put', 'greeting', 'hello');
      expect(client('get', 'greeting').trim()).toBe('hello');
    } finally {
      demo.kill('SIGINT');
    }
    const code = await new Promise<number | null>((done) => demo.on('exit', done));
    expect(code).toBe(0);
  }, 60_000);
});
