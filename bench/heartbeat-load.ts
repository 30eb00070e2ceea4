/**
 * heartbeat-load — 5,000 simulated data servers heartbeating every second over real loopback
 * connections from a separate process, against our config server and, in the same run, against
 * a bare Node TCP server that answers each frame with a fixed reply.
 *
 *   orchestrator (this process) ──fork──▶ target (config server | bare server), reports its CPU
 *                               ──fork──▶ load generator (the data servers), reports latencies
 *
 * Reports p50/p90/p99 response time seen by the generator and the target's CPU (process.cpuUsage
 * of the target process, as a share of one core). The measured time of each target is split in
 * `--rounds` windows that alternate between the targets, each after its own start and warm-up.
 * Writes bench/results/heartbeat-latest.json.
 *
 *   npm run build && node dist/bench/heartbeat-load.js [--connections 5000] [--duration-ms 20000]
 *                                                      [--rounds 2] [--smoke] [--out FILE]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ask, forkChild, nextMessage, stopChild } from './heartbeat/child-ipc.js';
import type { LatencySummary } from './heartbeat/stats.js';
import { summarize } from './heartbeat/stats.js';

interface RunSettings {
  connections: number;
  durationMs: number;
  warmupMs: number;
  intervalMs: number;
  bucketCount: number;
  /** rounds — measured windows per target, alternating between targets (durationMs in total). */
  rounds: number;
}

interface TargetResult {
  target: string;
  latency: LatencySummary;
  sent: number;
  received: number;
  repliesPerSecond: number;
  serverCpuPercent: number;
  generatorCpuPercent: number;
}

/** RoundResult — one measured window of one target. */
interface RoundResult {
  samples: number[];
  sent: number;
  received: number;
  wallMs: number;
  serverCpuMs: number;
  generatorCpuPercent: number;
}

const idPortBase = 30_000;
const script = (name: string) => fileURLToPath(new URL(`./heartbeat/${name}.js`, import.meta.url));

async function runRound(targetScript: string, settings: RunSettings, durationMs: number): Promise<RoundResult> {
  const target = forkChild(script(targetScript), [
    '--connections',
    String(settings.connections),
    '--bucket-count',
    String(settings.bucketCount),
    '--id-port-base',
    String(idPortBase),
  ]);
  const generator = forkChild(script('load-generator'));
  try {
    const { port } = await nextMessage<{ type: 'ready'; port: number }>(target, 'ready');
    const settledMessage = nextMessage(generator, 'settled');
    const connectedMessage = nextMessage<{ type: 'connected'; connections: number; error?: string }>(generator, 'connected');
    generator.send({ type: 'start', port, connections: settings.connections, idPortBase, intervalMs: settings.intervalMs });
    const connected = await connectedMessage;
    if (connected.connections !== settings.connections) throw new Error(`connected ${connected.connections}: ${connected.error}`);
    await settledMessage;
    await sleep(settings.warmupMs);
    const cpuBefore = (await ask<{ type: 'cpu'; usage: NodeJS.CpuUsage }>(target, { type: 'cpu' })).usage;
    await ask(generator, { type: 'reset' });
    const wallStartMs = performance.now();
    await sleep(durationMs);
    const cpuAfter = (await ask<{ type: 'cpu'; usage: NodeJS.CpuUsage }>(target, { type: 'cpu' })).usage;
    const wallMs = performance.now() - wallStartMs;
    const report = await ask<{ type: 'report'; samples: number[]; sent: number; received: number; generatorCpuPercent: number }>(generator, { type: 'report' });
    const serverCpuMs = (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / 1000;
    return { samples: report.samples, sent: report.sent, received: report.received, wallMs, serverCpuMs, generatorCpuPercent: report.generatorCpuPercent };
  } finally {
    await stopChild(generator);
    await stopChild(target);
  }
}

/** combine — the rounds of one target as one result (latencies pooled, CPU over the total wall time). */
function combine(name: string, rounds: RoundResult[]): TargetResult {
  const wallMs = rounds.reduce((total, round) => total + round.wallMs, 0);
  const received = rounds.reduce((total, round) => total + round.received, 0);
  return {
    target: name,
    latency: summarize(rounds.flatMap((round) => round.samples)),
    sent: rounds.reduce((total, round) => total + round.sent, 0),
    received,
    repliesPerSecond: Math.round(received / (wallMs / 1000)),
    serverCpuPercent: Math.round((rounds.reduce((total, round) => total + round.serverCpuMs, 0) / wallMs) * 100_000) / 1000,
    generatorCpuPercent: Math.round((rounds.reduce((total, round) => total + round.generatorCpuPercent * round.wallMs, 0) / wallMs) * 1000) / 1000,
  };
}

function printTable(results: TargetResult[]): void {
  const header = ['target', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'server CPU %', 'generator CPU %', 'replies/s'];
  const rows = results.map((result) =>
    [
      result.target,
      result.latency.p50Ms,
      result.latency.p90Ms,
      result.latency.p99Ms,
      result.latency.maxMs,
      result.serverCpuPercent,
      result.generatorCpuPercent,
      result.repliesPerSecond,
    ].map(String),
  );
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}\n`);
}

function commitOf(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string' },
      'duration-ms': { type: 'string' },
      'warmup-ms': { type: 'string' },
      'bucket-count': { type: 'string' },
      rounds: { type: 'string' },
      smoke: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  const smoke = values.smoke === true;
  const settings: RunSettings = {
    connections: Number(values.connections ?? (smoke ? 50 : 5000)),
    durationMs: Number(values['duration-ms'] ?? (smoke ? 1500 : 20_000)),
    warmupMs: Number(values['warmup-ms'] ?? (smoke ? 300 : 3000)),
    intervalMs: 1000,
    bucketCount: Number(values['bucket-count'] ?? (smoke ? 64 : 8192)),
    rounds: Number(values.rounds ?? (smoke ? 1 : 2)),
  };
  // Rounds alternate between the targets so that noise from other work on the machine falls on both.
  const targets = [
    ['config server', 'target-config-server'],
    ['bare Node TCP server', 'target-bare-server'],
  ] as const;
  const rounds = new Map<string, RoundResult[]>(targets.map(([name]) => [name, []]));
  for (let round = 0; round < settings.rounds; round++) {
    for (const [name, targetScript] of targets) {
      rounds.get(name)?.push(await runRound(targetScript, settings, settings.durationMs / settings.rounds));
    }
  }
  const results = targets.map(([name]) => combine(name, rounds.get(name) ?? []));
  printTable(results);
  const [ours, bare] = results;
  const report = {
    benchmark: 'heartbeat-load',
    date: new Date().toISOString(),
    node: process.version,
    commit: commitOf(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    settings,
    results,
    ratios: {
      p50: Math.round((ours.latency.p50Ms / bare.latency.p50Ms) * 100) / 100,
      p99: Math.round((ours.latency.p99Ms / bare.latency.p99Ms) * 100) / 100,
      serverCpu: Math.round((ours.serverCpuPercent / bare.serverCpuPercent) * 100) / 100,
    },
  };
  process.stdout.write(`p99 ratio (ours / bare): ${report.ratios.p99}\n`);
  const out = values.out ?? (smoke ? null : fileURLToPath(new URL('../../bench/results/heartbeat-latest.json', import.meta.url)));
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`written to ${out}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`heartbeat-load: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
