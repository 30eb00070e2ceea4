/**
 * demo-lab — a `tair-cs demo` process on ephemeral ports in a temp dir, as the lab tests and the
 * runbook test run it: configserver.conf (no log_file) and group.conf in the working directory
 * (the demo's default), pid files and logs under data/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce, freePort, waitFor } from '../../server/helpers/config-server-process.js';

/** mainScript — the built `tair-cs`. */
export const mainScript = join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'cli', 'main.js');

/** configServerConfText — a configserver.conf for one config server on 127.0.0.1:port. */
export function configServerConfText(port: number, more: string[] = []): string {
  return [
    '[public]',
    `config_server = 127.0.0.1:${port}`,
    '[configserver]',
    `port = ${port}`,
    `address = 127.0.0.1:${port}`,
    'group_file = group.conf',
    ...more,
    '',
  ].join('\n');
}

/** DemoLabOptions — the group of the lab. */
export interface DemoLabOptions {
  bucketCount: number;
  acceptStrategy: 0 | 1;
  /** spareCount — free ports beyond the three listed data servers (for servers added later). */
  spareCount: number;
}

/** DemoLab — the running demo and its files. */
export interface DemoLab {
  dir: string;
  demo: ChildProcess;
  csPort: number;
  /** ports — the three listed data servers, then the spares. */
  ports: number[];
  output(): string;
  /** stop — Ctrl-C, wait for the exit, remove the dir; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** startDemoLab — write the configs, start `tair-cs demo` there, resolve once it says ready. */
export async function startDemoLab(options: DemoLabOptions): Promise<DemoLab> {
  buildOnce();
  const dir = mkdtempSync(join(tmpdir(), 'tair-demo-lab-'));
  const csPort = await freePort();
  const ports: number[] = [];
  for (let index = 0; index < 3 + options.spareCount; index++) ports.push(await freePort());
  writeFileSync(join(dir, 'configserver.conf'), configServerConfText(csPort, ['data_dir = data', 'pid_file = data/cfgsvr.pid']));
  writeFileSync(
    join(dir, 'group.conf'),
    [
      '[group_1]',
      `_bucket_number = ${options.bucketCount}`,
      '_copy_count = 2',
      `_accept_strategy = ${options.acceptStrategy}`,
      '_server_down_time = 1',
      '_min_data_server_count = 2',
      ...ports.slice(0, 3).map((port) => `_server_list = 127.0.0.1:${port}`),
      '',
    ].join('\n'),
  );
  const demo = spawn(process.execPath, [mainScript, 'demo'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  demo.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => demo.once('exit', resolve));
  const lab: DemoLab = {
    dir,
    demo,
    csPort,
    ports,
    output: () => out,
    async stop() {
      if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGINT');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  await waitFor(
    () => out.includes('demo: ready'),
    30_000,
    () => out,
  );
  return lab;
}
