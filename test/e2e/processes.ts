/**
 * processes — real `tair-cs dataserver` processes for the end-to-end test (dist build), their
 * JSON log lines, and a background reader that keeps checking keys while the cluster changes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TairClient, TairRequestError } from '../../src/client/index.js';
import { repoRoot } from '../store/helpers/transpile-sources.js';

const mainScript = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** DataServerProcess — one data server process on 127.0.0.1:port. */
export class DataServerProcess {
  readonly port: number;
  readonly logs: Record<string, unknown>[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(port: number, configServer: string, groupName: string) {
    this.port = port;
    this.child = spawn(process.execPath, [mainScript, 'dataserver', '--port', String(port), '--config-servers', configServer, '--group', groupName], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    let buffered = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.logs.push(JSON.parse(line) as Record<string, unknown>);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill — send a signal and wait for the exit. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/** ReaderTally — what the background reader saw. */
export interface ReaderTally {
  reads: number;
  /** failedReads — gets that gave up (TairRequestError or a connection error after retries). */
  failedReads: number;
  /** missing — gets that answered "not found" for a key that was written. */
  missing: number;
  /** wrongValues — gets that answered another value than the one written. */
  wrongValues: number;
  /** serverErrors — single attempts that failed and were retried elsewhere (client stats). */
  serverErrors: number;
  firstErrors: string[];
}

/** BackgroundReader — reads random written keys, `batchSize` at a time, until stopped. */
export class BackgroundReader {
  readonly tally: ReaderTally = { reads: 0, failedReads: 0, missing: 0, wrongValues: 0, serverErrors: 0, firstErrors: [] };
  private running = true;
  private readonly done: Promise<void>;
  private readonly client: TairClient;

  constructor(client: TairClient, keyCount: number, valueOf: (index: number) => string, batchSize = 50) {
    this.client = client;
    this.done = this.loop(keyCount, valueOf, batchSize);
  }

  /** stop — finish the current batch and return the tally. */
  async stop(): Promise<ReaderTally> {
    this.running = false;
    await this.done;
    this.tally.serverErrors = this.client.stats.serverErrors;
    return this.tally;
  }

  private async loop(keyCount: number, valueOf: (index: number) => string, batchSize: number): Promise<void> {
    while (this.running) {
      const indexes = Array.from({ length: batchSize }, () => Math.floor(Math.random() * keyCount));
      const results = await Promise.allSettled(indexes.map((index) => this.client.get(`key-${index}`)));
      results.forEach((result, position) => {
        this.tally.reads++;
        if (result.status === 'rejected') {
          this.tally.failedReads++;
          const reason = result.reason instanceof TairRequestError ? result.reason.message : String(result.reason);
          if (this.tally.firstErrors.length < 5) this.tally.firstErrors.push(reason);
        } else if (result.value === null) this.tally.missing++;
        else if (result.value.toString() !== valueOf(indexes[position])) this.tally.wrongValues++;
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** logTimeMs — a log line's time as epoch ms (the config server writes ISO text, pino's default is a number). */
export function logTimeMs(line: Record<string, unknown>): number {
  return typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
}
