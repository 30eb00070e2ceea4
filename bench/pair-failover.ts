/**
 * pair-failover — how fast the config-server pair replaces its primary, with real processes on
 * 127.0.0.1: two `tair-cs start` (default settings unless told otherwise) and three
 * `tair-cs dataserver`, one group of B = 1023, C = 2. Each trial runs one cycle:
 *
 *   kill -9 entry #0 ─▶ takeover by #1 ─▶ restart #0 ─▶ fail-back ─▶ SIGSTOP #0 ─▶ takeover by #1
 *   ─▶ SIGCONT #0 ─▶ it steps down, copies the state, takes its role back
 *
 * Measured: takeover time (signal → the new primary's `pair-primary` log line), the time until
 * every live data server applied the new primary's table, fail-back time (restart → `pair-primary`
 * of #0), and, from a client polling both servers every 20 ms all along, the longest time without
 * any usable answer, without a primary's answer, and how often a version went down.
 * Writes bench/results/pair-failover-latest.json.
 *
 *   npm run build && node dist/bench/pair-failover.js [--trials 10] [--peer-timeout-ms 1500]
 *                                                     [--smoke] [--out FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runEnvironment } from './bench-results.js';
import { freeLocalPort } from './heartbeat/free-port.js';
import type { BenchProcess, LogLine } from './pair/processes.js';
import { configServer, dataServer, logTimeMs } from './pair/processes.js';
import type { PollSummary } from './pair/poller.js';
import { Poller } from './pair/poller.js';

interface Trial {
  killTakeoverMs: number;
  killDataServersSwitchedMs: number;
  failBackMs: number;
  stopTakeoverMs: number;
  wakeFailBackMs: number;
}

interface Rig {
  dir: string;
  servers: [BenchProcess, BenchProcess];
  dataServers: BenchProcess[];
  addresses: string[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const waitMs = 15_000;
const settleMs = 2500;

async function createRig(peerTimeoutMs: number): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-pair-bench-'));
  const [portA, portB, ...dataPorts] = await Promise.all([0, 1, 2, 3, 4].map(() => freeLocalPort()));
  writeFileSync(
    join(dir, 'group.conf'),
    [
      '[group_1]',
      '_bucket_number = 1023',
      '_copy_count = 2',
      ...dataPorts.map((port) => `_server_list = 127.0.0.1:${port}`),
      '_accept_strategy = 1',
      '_min_data_server_count = 2',
      'group_status = on',
      '',
    ].join('\n'),
  );
  const addresses = [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`];
  const servers = [portA, portB].map((port, index) => {
    const sub = join(dir, `cs${index}`);
    mkdirSync(sub);
    writeFileSync(
      join(sub, 'configserver.conf'),
      [
        '[public]',
        ...addresses.map((address) => `config_server = ${address}`),
        '[configserver]',
        `address = 127.0.0.1:${port}`,
        'group_file = ../group.conf',
        'data_dir = data',
        'pid_file = cfgsvr.pid',
        `peer_timeout_ms = ${peerTimeoutMs}`,
        '', // no log_file: the logs come on stdout
      ].join('\n'),
    );
    return configServer(join(sub, 'configserver.conf'));
  }) as [BenchProcess, BenchProcess];
  return { dir, servers, dataServers: dataPorts.map((port) => dataServer(port, addresses)), addresses };
}

async function startRig(rig: Rig): Promise<void> {
  const startMs = Date.now();
  for (const server of rig.servers) server.start();
  await rig.servers[0].waitFor((line) => line.event === 'pair-primary', startMs, waitMs);
  await rig.servers[1].waitFor((line) => line.event === 'pair-synced', startMs, waitMs);
  for (const server of rig.dataServers) server.start();
  for (const server of rig.dataServers) await server.waitFor((line) => line.msg === 'table applied', startMs, waitMs);
}

/** takeover — `act` on entry #0, then the time until entry #1 is primary under a new epoch. */
async function takeover(rig: Rig, act: () => Promise<void> | void): Promise<{ ms: number; line: LogLine; atMs: number }> {
  const atMs = Date.now();
  await act();
  const line = await rig.servers[1].waitFor((candidate) => candidate.event === 'pair-primary' && candidate.newEpoch === true, atMs, waitMs);
  return { ms: logTimeMs(line) - atMs, line, atMs };
}

/** failBack — `act` on entry #0, then the time until it is primary again and #1 is in sync. */
async function failBack(rig: Rig, act: () => void): Promise<number> {
  const atMs = Date.now();
  act();
  const line = await rig.servers[0].waitFor((candidate) => candidate.event === 'pair-primary', atMs, waitMs);
  await rig.servers[1].waitFor((candidate) => candidate.event === 'pair-synced' && candidate.epoch === line.epoch, atMs, waitMs);
  return logTimeMs(line) - atMs;
}

/** dataServersSwitched — ms after `sinceMs` until every data server applied a table of at least `serverVersion`. */
async function dataServersSwitched(rig: Rig, sinceMs: number, serverVersion: number): Promise<number> {
  let latestMs = sinceMs;
  for (const server of rig.dataServers) {
    const line = await server.waitFor((candidate) => candidate.msg === 'table applied' && Number(candidate.serverVersion) >= serverVersion, sinceMs, waitMs);
    latestMs = Math.max(latestMs, logTimeMs(line));
  }
  return latestMs - sinceMs;
}

async function runTrial(rig: Rig): Promise<Trial> {
  const [first] = rig.servers;
  const killed = await takeover(rig, () => first.kill());
  const jumped = await rig.servers[1].waitFor((line) => line.event === 'published' && line.epoch === killed.line.epoch, killed.atMs, waitMs);
  const killDataServersSwitchedMs = await dataServersSwitched(rig, killed.atMs, Number(jumped.server));
  const failBackMs = await failBack(rig, () => first.start());
  await settle();
  const stopped = await takeover(rig, () => first.signal('SIGSTOP'));
  const wakeFailBackMs = await failBack(rig, () => first.signal('SIGCONT'));
  await settle();
  return { killTakeoverMs: killed.ms, killDataServersSwitchedMs, failBackMs, stopTakeoverMs: stopped.ms, wakeFailBackMs };
}

/** settle — every data server heartbeats both servers again (they beat once a second) before the next fault. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, settleMs));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
}

function summarize(trials: Trial[]): Record<keyof Trial, { median: number; min: number; max: number }> {
  const keys = Object.keys(trials[0]) as (keyof Trial)[];
  return Object.fromEntries(
    keys.map((key) => {
      const values = trials.map((trial) => trial[key]);
      return [key, { median: median(values), min: Math.min(...values), max: Math.max(...values) }];
    }),
  ) as Record<keyof Trial, { median: number; min: number; max: number }>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { trials: { type: 'string' }, 'peer-timeout-ms': { type: 'string' }, smoke: { type: 'boolean' }, out: { type: 'string' } },
  });
  const trialCount = values.smoke ? 1 : Number(values.trials ?? 10);
  const peerTimeoutMs = Number(values['peer-timeout-ms'] ?? (values.smoke ? 600 : 1500));
  const out = values.out ?? join(root, 'bench', 'results', 'pair-failover-latest.json');
  const rig = await createRig(peerTimeoutMs);
  const trials: Trial[] = [];
  let client: PollSummary | null = null;
  try {
    await startRig(rig);
    const poller = new Poller(rig.addresses.map((address) => ({ ip: '127.0.0.1', port: Number(address.split(':')[1]) })));
    for (let index = 0; index < trialCount; index++) {
      trials.push(await runTrial(rig));
      process.stdout.write(`trial ${index + 1}/${trialCount}: ${JSON.stringify(trials.at(-1))}\n`);
    }
    client = await poller.stop();
  } finally {
    for (const server of [...rig.dataServers, ...rig.servers]) await server.kill();
    await rm(rig.dir, { recursive: true, force: true });
  }
  const summary = summarize(trials);
  const result = { schema: 1, mode: values.smoke ? 'smoke' : 'full', ...runEnvironment(root), peerTimeoutMs, trials, summary, client };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ summary, client }, null, 2)}\nwritten to ${out}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`pair-failover: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
