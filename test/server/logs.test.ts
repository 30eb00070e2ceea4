/**
 * Logs: one destination (log_file when set, stdout otherwise, never both), ISO times, pid and
 * role on every line, SIGHUP reopens the file (logrotate's move-then-signal), and the pretty
 * format for people.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prettyLine } from '../../src/server/log-pretty.js';
import { configServerConfText } from '../cli/helpers/demo-lab.js';
import { buildOnce, freePort, waitFor } from './helpers/config-server-process.js';

const main = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
let dir = '';

beforeAll(async () => {
  buildOnce();
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-logs-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function writeConfig(name: string, logFile: string | null): Promise<string> {
  const port = await freePort();
  const path = join(dir, `${name}.conf`);
  writeFileSync(join(dir, 'group.conf'), '[group_1]\n_bucket_number = 16\n_copy_count = 1\n_server_list = 127.0.0.1:5191\n');
  writeFileSync(path, configServerConfText(port, [`data_dir = ${name}-data`, `pid_file = ${name}.pid`, ...(logFile ? [`log_file = ${logFile}`] : [])]));
  return path;
}

function startServer(configPath: string, extra: string[] = []) {
  const child = spawn(process.execPath, [main, 'start', '--config', configPath, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('config server logs', () => {
  test('with log_file: every line in the file (ISO time, pid, role), none on stdout; SIGHUP reopens the file', async () => {
    const logFile = join(dir, 'file', 'cs.log');
    const server = startServer(await writeConfig('file', logFile));
    try {
      await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('"event":"listening"'), 10_000, server.stderr);
      expect(server.stderr()).toContain(`logging to ${logFile}`);
      renameSync(logFile, `${logFile}.1`);
      server.child.kill('SIGHUP');
      await waitFor(
        () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('log-reopened'),
        10_000,
        () => 'no reopened log file',
      );
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.stdout()).toBe('');
      const before = jsonLines(readFileSync(`${logFile}.1`, 'utf8'));
      const after = jsonLines(readFileSync(logFile, 'utf8'));
      expect(after.map((line) => line.event)).toEqual(expect.arrayContaining(['log-reopened', 'stopped']));
      for (const line of [...before, ...after]) {
        expect(line).toMatchObject({ pid: server.child.pid, role: 'configserver' });
        expect(new Date(String(line.time)).toISOString()).toBe(line.time);
      }
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('without log_file: JSON lines on stdout; --log-format pretty writes them for people', async () => {
    const json = startServer(await writeConfig('stdout', null));
    const pretty = startServer(await writeConfig('pretty', null), ['--log-format', 'pretty']);
    try {
      await waitFor(() => json.stdout().includes('"event":"listening"'), 10_000, json.stderr);
      await waitFor(() => pretty.stdout().includes('config server listening'), 10_000, pretty.stderr);
      json.child.kill('SIGTERM');
      pretty.child.kill('SIGTERM');
      expect(await json.exited).toBe(0);
      expect(await pretty.exited).toBe(0);
      expect(jsonLines(json.stdout()).every((line) => line.role === 'configserver' && line.pid === json.child.pid)).toBe(true);
      const lines = pretty.stdout().trim().split('\n');
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines)
        expect(line).toMatch(
          new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (INFO |WARN |ERROR|DEBUG) configserver\\[${pretty.child.pid}\\] `),
        );
    } finally {
      json.child.kill('SIGKILL');
      pretty.child.kill('SIGKILL');
    }
  });

  test('a bad --log-format is a usage error', async () => {
    const server = startServer(await writeConfig('bad', null), ['--log-format', 'xml']);
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toMatch(/--log-format must be json or pretty/);
  });
});

describe('prettyLine', () => {
  test('time, level, role[pid], message, then the other fields; an error with its stack', () => {
    const line = JSON.stringify({
      level: 40,
      time: '2025-01-01T10:00:00.000Z',
      pid: 7,
      role: 'configserver',
      event: 'server-down',
      group: 'group_1',
      count: 3,
      msg: 'a: ALIVE → DOWN',
    });
    expect(prettyLine(`${line}\n`)).toBe('2025-01-01T10:00:00.000Z WARN  configserver[7] a: ALIVE → DOWN  event=server-down group=group_1 count=3\n');
    const failed = JSON.stringify({
      level: 50,
      time: 't',
      pid: 7,
      role: 'dataserver',
      port: 5191,
      msg: 'boom',
      err: { message: 'x', stack: 'Error: x\n    at f' },
    });
    expect(prettyLine(failed)).toBe('t ERROR dataserver[7] boom  port=5191\n    Error: x\n        at f\n');
    expect(prettyLine('not json\n')).toBe('not json\n');
  });
});
