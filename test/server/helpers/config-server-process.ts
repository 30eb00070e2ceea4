/**
 * config-server-process — a real `tair-cs start` process for tests: temp configs, ephemeral ports,
 * JSON log lines collected from stdout, and a client for the config server's own requests.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Packet, ResponsePacket } from '../../../src/protocol/index.js';
import { decodeResponse, encodePacketFrame, FrameDecoder } from '../../../src/protocol/index.js';

const root = join(import.meta.dirname, '..', '..', '..');
const mainScript = join(root, 'dist', 'src', 'cli', 'main.js');

/** buildOnce — `tsc -p tsconfig.build.json` unless dist is newer than every source (one builder at a time). */
export function buildOnce(): void {
  const lock = join(root, 'dist', '.build-lock');
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    if (!isBuildFresh()) {
      try {
        execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
      } catch {
        // Type errors elsewhere in the tree still emit JavaScript; the check below decides.
      }
      if (!existsSync(mainScript)) throw new Error('build failed: dist/src/cli/main.js is missing');
      writeFileSync(join(root, 'dist', '.build-stamp'), String(Date.now()));
    }
  } finally {
    rmdirSync(lock);
  }
}

function isBuildFresh(): boolean {
  const stamp = join(root, 'dist', '.build-stamp');
  if (!existsSync(stamp) || !existsSync(mainScript)) return false;
  const builtMs = statSync(stamp).mtimeMs;
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  return newest(join(root, 'src')) < builtMs;
}

/** freePort — a port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Launch — how a process is started (default: here; a network namespace's spawn runs it there). */
export type Launch = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** LogLine — one JSON log line of the server. */
export type LogLine = Record<string, unknown> & { event?: string; msg?: string; level?: number };

/** ConfigServerProcess — a running server and its files. */
export class ConfigServerProcess {
  readonly logs: LogLine[] = [];
  private child: ChildProcess | null = null;
  private exitCode: Promise<number | null> | null = null;
  stderr = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly groupConfPath: string,
    readonly configPath: string,
  ) {}

  /** create — temp dir with configserver.conf and the given group.conf text. */
  static async create(groupConf: string): Promise<ConfigServerProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'tair-cs-server-'));
    const port = await freePort();
    const groupConfPath = join(dir, 'group.conf');
    const configPath = join(dir, 'configserver.conf');
    writeFileSync(groupConfPath, groupConf);
    writeFileSync(
      configPath,
      [
        '[public]',
        `config_server = 127.0.0.1:${port}`,
        '[configserver]',
        `port = ${port}`,
        `address = 127.0.0.1:${port}`,
        'group_file = group.conf',
        'data_dir = data',
        'pid_file = cfgsvr.pid',
        'log_level = info', // no log_file: the logs come on stdout
        '[tairserver]',
        'port = 5191',
        '',
      ].join('\n'),
    );
    return new ConfigServerProcess(dir, port, groupConfPath, configPath);
  }

  /** start — spawn `tair-cs start`; resolves once it logs that it listens. */
  async start(extraArgs: string[] = [], launch: Launch = spawn): Promise<void> {
    this.logs.length = 0;
    this.stderr = '';
    const child = launch(process.execPath, [mainScript, 'start', '--config', this.configPath, '--tick-ms', '50', ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exitCode = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.logs.push(JSON.parse(line) as LogLine);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    await this.waitForLog((line) => line.event === 'listening', 10_000);
  }

  /** waitForLog — the first log line (already seen or coming) that matches. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    return waitFor(
      () => this.logs.find(match),
      timeoutMs,
      () => `no matching log line; stderr: ${this.stderr}`,
    );
  }

  /** stop — send `signal` and resolve with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill(signal);
    return this.exitCode;
  }

  /** kill9 — a crash: no chance to save. */
  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exitCode;
  }

  /** get pid */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** cleanup — stop the process and remove the temp dir. */
  async cleanup(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) await this.kill9();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** request — one request on a fresh connection; resolves with the decoded reply. */
  async request(packet: Packet): Promise<ResponsePacket> {
    const socket = await openSocket(this.port);
    try {
      return await exchange(socket, packet);
    } finally {
      socket.destroy();
    }
  }
}

/** openSocket — a connection to a local port. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** exchange — send one request on `socket` and wait for the reply with its channel id. */
export function exchange(socket: Socket, packet: Packet, channelId = 4242): Promise<ResponsePacket> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder();
    const timer = setTimeout(() => reject(new Error(`no reply to pcode ${packet.pcode}`)), 5000);
    const onData = (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.channelId !== channelId) continue;
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(decodeResponse(frame.pcode, frame.body));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('connection closed')));
    socket.write(encodePacketFrame(channelId, packet));
  });
}

/** waitFor — poll `probe` every 25 ms until it returns a value. */
export async function waitFor<T>(probe: () => T | undefined | null | false, timeoutMs: number, describe: () => string = () => 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
