/**
 * `tair-cs admin` and `tair-cs status` as an operator runs them (the built CLI in a child
 * process) against a running config server: exit codes, messages, the primary found behind an
 * unreachable server and a secondary, the plan as JSON, the status with its progress bar, and
 * --watch redrawing until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AdminCode } from '../../src/admin/admin-codes.js';
import { decodeRequest, encodePacketFrame, FrameDecoder, Pcode } from '../../src/protocol/index.js';
import { buildOnce } from '../server/helpers/config-server-process.js';
import { eventually, OperatorCluster, quietPort } from '../http/helpers/operator-cluster.js';

const mainScript = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

let cluster: OperatorCluster;
let secondary: Server;
let secondaryPort = 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tairCs(args: string[], untilMs = 15_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tair-cs ${args.join(' ')} did not finish: ${stdout} ${stderr}`));
    }, untilMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** a config server that is the secondary: answers every op_cmd with −4210 */
async function startSecondary(): Promise<void> {
  secondaryPort = await quietPort();
  secondary = createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        decodeRequest(frame.pcode, frame.body);
        socket.write(encodePacketFrame(frame.channelId, { pcode: Pcode.opCmdResponse, body: { code: AdminCode.notPrimary, infos: ['I am the secondary'] } }));
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => secondary.listen(secondaryPort, '127.0.0.1', resolve));
}

beforeAll(async () => {
  buildOnce();
  cluster = await OperatorCluster.start({ serverCount: 3, bucketCount: 48, racks: ['r1', 'r1', 'r2'] });
  await startSecondary();
});

afterAll(async () => {
  await new Promise((resolve) => secondary?.close(resolve));
  await cluster?.stop();
});

describe('tair-cs admin', () => {
  test('finds the primary behind an unreachable server and a secondary; prints the plan as JSON', async () => {
    const closed = await quietPort();
    const servers = `127.0.0.1:${closed},127.0.0.1:${secondaryPort},127.0.0.1:${cluster.port}`;
    const run = await tairCs(['admin', '--config-servers', servers, 'plan', 'group_1', `drain=${cluster.dataServers[2].id}`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { bucketsToMigrate: number; moves: { replicas: number; minimumReplicas: number } };
    expect(plan.bucketsToMigrate).toBeGreaterThan(0);
    expect(plan.moves.replicas).toBe(plan.moves.minimumReplicas);
  });

  test('only secondaries: exit 1 with their answer', async () => {
    const run = await tairCs(['admin', '--config-servers', `127.0.0.1:${secondaryPort}`, 'rebuild', 'group_1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`rebuild refused by 127.0.0.1:${secondaryPort}: not the primary (-4210): I am the secondary`);
  });

  test('a refusal: exit 1 with the code and the reason; bad usage: exit 2', async () => {
    const server = `127.0.0.1:${cluster.port}`;
    const refused = await tairCs(['admin', '--config-servers', server, 'set-group-status', 'group_1', 'maybe']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('invalid parameter (-4201): status \'maybe\' must be on or off');
    const unknown = await tairCs(['admin', '--config-servers', server, 'drain', 'nope', '127.0.0.1:1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('group not found (-4202): group nope not found');
    const empty = await tairCs(['admin', '--config-servers', server, 'raw', '23', '', '', '', '', '']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('(-4201): group is empty');
    expect((await tairCs(['admin', 'rebuild', 'group_1'])).code).toBe(2);
    expect((await tairCs(['admin', '--config-servers', server, 'drain', 'group_1'])).stderr).toContain('drain takes 2 arguments, got 1');
    const ok = await tairCs(['admin', '--config-servers', server, 'group-status', 'group_1']);
    expect(ok).toMatchObject({ code: 0, stdout: 'group_1: group_status=on\n' });
  });
});

describe('tair-cs status', () => {
  test('over HTTP and over the wire: the groups, servers by rack against their quota', async () => {
    for (const source of [['--http', `127.0.0.1:${cluster.httpPort}`], ['--config-servers', `127.0.0.1:${secondaryPort},127.0.0.1:${cluster.port}`]]) {
      const run = await tairCs(['status', ...source]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^config server 127\\.0\\.0\\.1:${cluster.port}  primary  epoch 0`));
      expect(run.stdout).toContain('group group_1  NORMAL  B=48 C=2 balanced');
      expect(run.stdout).toContain('  rack r1\n');
      for (const ds of cluster.dataServers) expect(run.stdout).toMatch(new RegExp(`${ds.id.replace(/\./g, '\\.')} +ALIVE +w1 +replicas +\\d+/32\\.0`));
    }
    const nobody = await tairCs(['status', '--http', `127.0.0.1:${await quietPort()}`]);
    expect(nobody.code).toBe(1);
    expect((await tairCs(['status'])).code).toBe(2);
  });

  test('a migration shows a progress bar; --watch redraws until Ctrl-C', async () => {
    await cluster.dataServers[2].kill();
    await eventually(async () => (await cluster.getJson<{ groups: { state: string }[] }>('/status')).body.groups[0].state !== 'normal', 8000, 'a migration');
    const once = await tairCs(['status', '--http', `127.0.0.1:${cluster.httpPort}`]);
    expect(once.stdout).toMatch(/ {2}migration \[[█░]{30}\] +\d+% {2}\d+\/\d+ buckets/);
    expect(once.stdout).toMatch(/DOWN/);
    const child = spawn(process.execPath, [mainScript, 'status', '--http', `127.0.0.1:${cluster.httpPort}`, '--watch', '--interval-ms', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    await eventually(() => (stdout.match(/^--- /gm) ?? []).length >= 2, 5000, 'two redraws');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain('group group_1');
  });
});
