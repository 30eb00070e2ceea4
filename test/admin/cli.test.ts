/**
 * `tair-cs admin` and `tair-cs status` as an operator runs them (the built CLI in a child
 * process) against a running config server: exit codes, messages, the primary found behind an
 * unreachable server and a secondary, the plan as JSON, the status with its progress bar, and
 * --watch redrawing until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AdminCode } from '../../src/admin/admin-codes.js';
import type { StatusDocument } from '../../src/http/status-model.js';
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

function tairCs(args: string[], untilMs = 15_000, cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
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
    expect(refused.stderr).toContain("invalid parameter (-4201): status 'maybe' must be on or off");
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

  test('a SERVER without its port is refused (exit 2, naming ip:port) instead of meaning some port', async () => {
    const server = `127.0.0.1:${cluster.port}`;
    for (const args of [
      ['drain', 'group_1', '127.0.0.1'],
      ['admit', 'group_1', '10.0.0.7'],
      ['replace-server', 'group_1', '127.0.0.1:1', '127.0.0.2'],
      ['migrate-bucket', 'group_1', '1', '0', '127.0.0.1', '127.0.0.1:2'],
    ]) {
      const run = await tairCs(['admin', '--config-servers', server, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/needs ip:port, got '[\d.]+' without a port \(e\.g\. [\d.]+:5191\)/);
    }
  });

  test('add-server and remove-server edit _server_list on the primary (pcode 1500), one line per server', async () => {
    const servers = `127.0.0.1:${secondaryPort},127.0.0.1:${cluster.port}`;
    const spare = `127.0.0.1:${await quietPort()}`;
    const added = await tairCs(['admin', '--config-servers', servers, 'add-server', 'group_1', spare]);
    expect(added).toMatchObject({ code: 0, stdout: `group_1 ${spare}: done\n` });
    expect(await readFile(cluster.groupConfPath, 'utf8')).toContain(`_server_list = ${spare}`);
    await eventually(
      async () => (await cluster.getJson<StatusDocument>('/status')).body.groups[0].dataServers.some((server) => server.id === spare),
      5000,
      'the new server listed',
    );
    const again = await tairCs(['admin', '--config-servers', servers, 'add-server', 'group_1', spare]);
    expect(again).toMatchObject({ code: 1, stderr: `group_1 ${spare}: already in _server_list\n` });
    expect(await tairCs(['admin', '--config-servers', servers, 'remove-server', 'group_1', spare])).toMatchObject({
      code: 0,
      stdout: `group_1 ${spare}: done\n`,
    });
    expect(await readFile(cluster.groupConfPath, 'utf8')).not.toContain(spare);
    await eventually(async () => (await cluster.getJson<StatusDocument>('/status')).body.health.status === 'OK', 5000, 'the spare gone again');
  });

  test('area-status says so when a group sets none; a plan that is not ok exits 1', async () => {
    const server = `127.0.0.1:${cluster.port}`;
    expect(await tairCs(['admin', '--config-servers', server, 'area-status', 'group_1'])).toMatchObject({ code: 0, stdout: 'group_1: no area_status set\n' });
    const [first, second] = cluster.dataServers.map((ds) => ds.id);
    const impossible = await tairCs(['admin', '--config-servers', server, 'plan', 'group_1', `drain=${first}`, `drain=${second}`]);
    expect(JSON.parse(impossible.stdout)).toMatchObject({ ok: false });
    expect(impossible.code).toBe(1);
    expect(impossible.stderr).toMatch(/^tair-cs admin: plan: not ok: /);
  });
});

describe('tair-cs status', () => {
  test('over HTTP and over the wire: the groups, servers by rack against their quota', async () => {
    for (const source of [
      ['--http', `127.0.0.1:${cluster.httpPort}`],
      ['--config-servers', `127.0.0.1:${secondaryPort},127.0.0.1:${cluster.port}`],
    ]) {
      const run = await tairCs(['status', ...source]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^HEALTH_OK\nconfig server 127\\.0\\.0\\.1:${cluster.port}  primary  epoch 0`));
      expect(run.stdout).toContain('group group_1  NORMAL  B=48 C=2 balanced');
      expect(run.stdout).toContain('  rack r1\n');
      for (const ds of cluster.dataServers) expect(run.stdout).toMatch(new RegExp(`${ds.id.replace(/\./g, '\\.')} +ALIVE +w1 +replicas +\\d+/32\\.0`));
    }
    const closedPort = await quietPort();
    const nobody = await tairCs(['status', '--http', `127.0.0.1:${closedPort}`]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe(`tair-cs status: cannot reach http://127.0.0.1:${closedPort}/status: connect ECONNREFUSED 127.0.0.1:${closedPort}\n`);
    const nobodyOverWire = await tairCs(['status', '--config-servers', `127.0.0.1:${closedPort}`]);
    expect(nobodyOverWire.code).toBe(1);
    expect(nobodyOverWire.stderr).toContain(`no config server answered: 127.0.0.1:${closedPort}: connect ECONNREFUSED`);
  });

  test('without an address: the config servers of configserver.conf here (the file `start` reads), or exit 2 saying where it looked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tair-cs-status-'));
    try {
      const empty = await tairCs(['status'], 15_000, dir);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain('no address given and no configserver.conf here (looked for configserver.conf, examples/configserver.conf)');
      await writeFile(
        join(dir, 'configserver.conf'),
        ['[public]', `config_server = 127.0.0.1:${cluster.port}`, '[configserver]', `port = ${cluster.port}`, 'group_file = group.conf', ''].join('\n'),
      );
      const local = await tairCs(['status'], 15_000, dir);
      expect(local.code, local.stderr).toBe(0);
      expect(local.stdout).toMatch(new RegExp(`^HEALTH_OK\nconfig server 127\\.0\\.0\\.1:${cluster.port}  primary`));
      const named = await tairCs(['status', '--config', join(dir, 'configserver.conf'), '--json']);
      expect(JSON.parse(named.stdout)).toMatchObject({ address: `127.0.0.1:${cluster.port}`, health: { status: 'OK' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a migration shows a progress bar; --watch redraws until Ctrl-C', async () => {
    await cluster.dataServers[2].kill();
    await eventually(async () => (await cluster.getJson<StatusDocument>('/status')).body.groups[0].migration.migrating, 8000, 'a migration');
    const once = await tairCs(['status', '--http', `127.0.0.1:${cluster.httpPort}`]);
    expect(once.stdout).toMatch(/ {2}migration \[[█░]{30}\] +\d+% {2}\d+\/\d+ buckets/);
    expect(once.stdout).toMatch(/DOWN/);
    const child = spawn(process.execPath, [mainScript, 'status', '--http', `127.0.0.1:${cluster.httpPort}`, '--watch', '--interval-ms', '200'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    await eventually(() => (stdout.match(/^--- /gm) ?? []).length >= 2, 5000, 'two redraws');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain('group group_1');
    // Not a terminal: every frame carries its own time.
    const stamps = [...stdout.matchAll(/^--- (\S+)$/gm)].map((match) => match[1]);
    expect(new Set(stamps).size).toBe(stamps.length);
    for (const stamp of stamps) expect(new Date(stamp).toISOString()).toBe(stamp);
  });

  test('--watch --json: one status document per line', async () => {
    const child = spawn(process.execPath, [mainScript, 'status', '--http', `127.0.0.1:${cluster.httpPort}`, '--watch', '--json', '--interval-ms', '200'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    await eventually(() => stdout.split('\n').length >= 3, 5000, 'two documents');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const documents = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { address: string; health: { status: string } });
    expect(documents.length).toBeGreaterThanOrEqual(2);
    for (const document of documents) expect(document.address).toBe(`127.0.0.1:${cluster.port}`);
  });
});
