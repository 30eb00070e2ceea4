/**
 * processes — the real processes of the pair benchmark: `tair-cs start` (JSON log lines read from
 * stdout) and `tair-cs dataserver`, spawned from the dist build, on 127.0.0.1 unless a spawner
 * puts them elsewhere (the partition scenarios run them in network namespaces).
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { spawn } from 'node:child_process';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// From dist/bench/pair the CLI is dist/src/cli; from the sources (tests) it is the build's too.
const builtHere = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const mainScript = builtHere.includes(`${sep}dist${sep}`) ? builtHere : fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** LogLine — one JSON log line. */
export type LogLine = Record<string, unknown> & { event?: string; msg?: string; time?: string | number };

/** Spawner — starts `node <script> <args>` somewhere (default: here). */
export type Spawner = (script: string, args: string[], options: SpawnOptions) => ChildProcess;

const spawnHere: Spawner = (script, args, options) => spawn(process.execPath, [script, ...args], options);

/** BenchProcess — a child process whose stdout is JSON lines. */
export class BenchProcess {
  readonly logs: LogLine[] = [];
  /** stderr — what the process wrote there (the last 4 KB), for failure messages. */
  stderr = '';
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly args: string[],
    private readonly spawner: Spawner = spawnHere,
  ) {}

  /** running — started and not exited. */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** pid — the running child's pid. */
  get pid(): number {
    if (!this.child?.pid) throw new Error('not running');
    return this.child.pid;
  }

  /** start — spawn; the old log lines are kept (times tell them apart). */
  start(): void {
    const child = this.spawner(mainScript, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4096);
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.logs.push(JSON.parse(line) as LogLine);
    });
  }

  /** signal — SIGSTOP, SIGCONT, … */
  signal(name: NodeJS.Signals): void {
    process.kill(this.pid, name);
  }

  /** kill — SIGKILL (after SIGCONT, in case it was stopped) and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** waitFor — the first log line at or after `sinceMs` that matches. */
  async waitFor(match: (line: LogLine) => boolean, sinceMs: number, timeoutMs: number): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find((line) => logTimeMs(line) >= sinceMs && match(line));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching log line within ${timeoutMs} ms (${this.args.slice(0, 3).join(' ')}); stderr: ${this.stderr.trim() || 'empty'}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** configServer — `tair-cs start --config <path>`. */
export function configServer(configPath: string, spawner?: Spawner): BenchProcess {
  return new BenchProcess(['start', '--config', configPath], spawner);
}

/** dataServer — `tair-cs dataserver` on `host:port` (default 127.0.0.1), heart-beating both config servers. */
export function dataServer(port: number, configServers: string[], spawner?: Spawner, host?: string): BenchProcess {
  const args = ['dataserver', '--port', String(port), '--config-servers', configServers.join(','), '--group', 'group_1'];
  return new BenchProcess(host ? [...args, '--host', host] : args, spawner);
}

/** logTimeMs — a log line's time as epoch ms. */
export function logTimeMs(line: LogLine): number {
  return typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
}
