/**
 * coordinator-process — a coordinator-child.ts process: the sources transpiled once into a temp
 * dir (with a node_modules link so `etcd3` resolves), events collected from its stdout.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EtcdSettings } from '../../../src/quorum/quorum-config.js';
import { repoRoot, transpileSources } from '../../store/helpers/transpile-sources.js';
import { waitFor } from './coordinators.js';

/** ChildEvent — one line the child printed. */
export type ChildEvent = { event: string; atMs: number } & Record<string, unknown>;

/** buildChild — transpile the child and what it imports; returns the directory (remove it after). */
export async function buildChild(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-quorum-child-'));
  // The codec worker is started by URL, not imported: name it too.
  await transpileSources(['test/quorum/helpers/coordinator-child.ts', 'src/quorum/codec-worker.ts'], dir);
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** removeChild — remove a buildChild directory. */
export async function removeChild(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** CoordinatorProcess — see the file comment. */
export class CoordinatorProcess {
  readonly events: ChildEvent[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<void>;

  constructor(
    buildDir: string,
    readonly address: string,
    settings: EtcdSettings,
    dataDir: string,
  ) {
    const script = join(buildDir, 'test', 'quorum', 'helpers', 'coordinator-child.js');
    this.child = spawn(process.execPath, [script, JSON.stringify({ settings, address, dataDir })], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    let buffered = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.events.push(JSON.parse(line) as ChildEvent);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString('utf8')).slice(-10_000)));
    this.child.stdin?.on('error', () => undefined);
  }

  /** running — the process has not exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** send — one command line. */
  send(command: Record<string, unknown>): void {
    this.child.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** signal — send a signal (SIGKILL, SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** next — the first event matching `match` at or after index `from`. */
  async next(match: (event: ChildEvent) => boolean, timeoutMs: number, from = 0): Promise<ChildEvent> {
    return waitFor(() => this.events.slice(from).find(match), timeoutMs, `an event from ${this.address}; stderr: ${this.stderr}`);
  }

  /** elected — whether this process announced an election and no deposition after it. */
  get leading(): boolean {
    const last = this.events.filter((event) => event.event === 'elected' || event.event === 'deposed').at(-1);
    return last?.event === 'elected';
  }

  /** close — SIGCONT then SIGKILL, and wait for the exit. */
  async close(): Promise<void> {
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await this.exited;
  }
}
