/**
 * target — scale-benchmark child: our config server (the ConfigServer class `tair-cs start`
 * runs) with one group of `--servers` data servers, reporting over IPC what it did.
 *
 *   { stats } ──▶ CPU and event-loop delay since the last stats, peak RSS since start, bytes sent,
 *                 bytes the store wrote
 *   ──▶ { event } as each log event of interest happens (published, server-down, …), with its time
 *   { add: port } ──▶ the server appended to _server_list in group.conf (the watcher reloads it)
 *
 *   node dist/bench/scale/target.js --servers 1000 --bucket-count 65536 --copy-count 3 --down-time 2 --id-port-base 20000
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfigServerConf } from '../../src/config/configserver-conf.js';
import { ConfigServer } from '../../src/server/config-server.js';
import type { ChildMessage } from '../heartbeat/child-ipc.js';
import { freeLocalPort } from '../heartbeat/free-port.js';

/** TargetEvent — one log event of interest, with its wall time. */
export interface TargetEvent {
  atMs: number;
  event: string;
  server?: string;
  client?: number;
  serverVersion?: number;
  changedBuckets?: number;
  bytes?: number;
}

const eventsKept = new Set(['published', 'server-down', 'quick-table', 'table-built', 'migration-complete', 'build-started', 'server-alive', 'table-log-cut']);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      servers: { type: 'string' },
      'bucket-count': { type: 'string' },
      'copy-count': { type: 'string' },
      'down-time': { type: 'string' },
      'id-port-base': { type: 'string' },
    },
  });
  const serverCount = Number(values.servers ?? 1000);
  const idPortBase = Number(values['id-port-base'] ?? 20_000);
  const dir = mkdtempSync(join(tmpdir(), 'tair-cs-scale-'));
  const port = await freeLocalPort();
  const groupFile = join(dir, 'group.conf');
  const serverLines = Array.from({ length: serverCount }, (_, index) => `_server_list = 127.0.0.1:${idPortBase + index}`);
  writeFileSync(
    groupFile,
    [
      '[group_1]',
      `_bucket_number = ${values['bucket-count'] ?? 65536}`,
      `_copy_count = ${values['copy-count'] ?? 3}`,
      `_server_down_time = ${values['down-time'] ?? 2}`,
      '_accept_strategy = 1',
      ...serverLines,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'configserver.conf'),
    [
      '[public]',
      `config_server = 127.0.0.1:${port}`,
      '[configserver]',
      `port = ${port}`,
      `address = 127.0.0.1:${port}`,
      'group_file = group.conf',
      'data_dir = data',
      'log_file = cfgsvr.log',
      'pid_file = cfgsvr.pid',
      '',
    ].join('\n'),
  );
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (!eventsKept.has(record.event as string)) return;
        const published = record.event === 'published';
        const event: TargetEvent = {
          atMs: Date.now(),
          event: record.event as string,
          server: published ? undefined : (record.server as string | undefined),
          client: published ? (record.client as number) : undefined,
          serverVersion: published ? (record.server as number) : undefined,
          changedBuckets: record.changedBuckets as number | undefined,
          bytes: record.bytes as number | undefined,
        };
        process.send?.({ type: 'event', ...event });
      },
    },
  );
  const config = await loadConfigServerConf(join(dir, 'configserver.conf'));
  const server = new ConfigServer(config, logger);
  await server.start();
  let cpuAt = process.cpuUsage();
  // How late the config server's event loop ran: a heartbeat that arrives meanwhile waits as long.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  process.on('message', (message: ChildMessage) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage(cpuAt);
      cpuAt = process.cpuUsage();
      // maxRSS: the kernel's peak resident set since start, in KiB (free to read, unlike sampling).
      const loopDelayMs = { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
      loopDelay.reset();
      process.send?.({
        type: 'stats',
        cpuMs: (cpu.user + cpu.system) / 1000,
        rssPeakBytes: process.resourceUsage().maxRSS * 1024,
        loopDelayMs,
        ...server.counters,
      });
    } else if (message.type === 'add') {
      appendFileSync(groupFile, `_server_list = 127.0.0.1:${message.port as number}\n`);
      process.send?.({ type: 'add' });
    } else if (message.type === 'stop') {
      void server.stop().then(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  process.send?.({ type: 'ready', port });
}

void main();
