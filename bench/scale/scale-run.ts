/**
 * scale-run — one size of the scale benchmark: a config server (target.ts) and `processes` fleets
 * of simulated data servers (fleet.ts), and what the orchestrator sees of both:
 *
 *   target ──{ event }──▶ events (with wall times)      fleets ──{ progress }──▶ latest progress
 *   stats(): CPU, peak RSS, bytes sent and stored since the last stats (target);
 *            heartbeat round trips and agent counters since then (fleets)
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AgentCounters } from '../../src/agent/index.js';
import type { ChildMessage } from '../heartbeat/child-ipc.js';
import { ask, forkChild, nextMessage, stopChild } from '../heartbeat/child-ipc.js';
import type { FleetProgress } from './fleet.js';
import type { TargetEvent } from './target.js';

/** ScaleSettings — the shape and pace of one run. */
export interface ScaleSettings {
  servers: number;
  copies: number;
  processes: number;
  downTimeS: number;
  migrateRatePerS: number;
  startDelayMs: number;
  heartbeatIntervalMs: number;
  phaseTimeoutMs: number;
  /** verbose — print the config server's events and the fleets' progress to stderr as they come. */
  verbose: boolean;
}

/** LoopDelay — event-loop delay percentiles, ms. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** ScaleStats — what the children measured since the last stats. */
export interface ScaleStats {
  cpuMs: number;
  rssPeakBytes: number;
  /** loopDelayMs — the config server's event-loop delay (p50, p99, max). */
  loopDelayMs: LoopDelay;
  replyBytes: number;
  storeBytes: number;
  roundTrips: number[];
  counters: AgentCounters;
}

const idPortBase = 20_000;
const progressMs = 50;
const script = (name: string) => fileURLToPath(new URL(`./${name}.js`, import.meta.url));

/** ScaleRun — see the file comment. */
export class ScaleRun {
  readonly events: TargetEvent[] = [];
  readonly progress = new Map<ChildProcess, FleetProgress>();
  /** reachedAt — client version of a publication → when every running data server first held it. */
  readonly reachedAt = new Map<number, number>();
  private readonly fleets: ChildProcess[] = [];
  private readonly fleetOfPort = new Map<number, ChildProcess>();
  private target: ChildProcess | null = null;
  private totals = { replyBytes: 0, storeBytes: 0 };
  nextPort = idPortBase;

  constructor(
    readonly bucketCount: number,
    readonly settings: ScaleSettings,
  ) {}

  /** start — the config server, then the fleets; resolves when every data server has started heart-beating. */
  async start(): Promise<number> {
    const { servers, copies, downTimeS, processes } = this.settings;
    this.target = forkChild(script('target'), [
      '--servers',
      String(servers),
      '--bucket-count',
      String(this.bucketCount),
      '--copy-count',
      String(copies),
      '--down-time',
      String(downTimeS),
      '--id-port-base',
      String(idPortBase),
    ]);
    this.target.on('message', (message: ChildMessage) => {
      if (message.type !== 'event') return;
      this.events.push(message as unknown as TargetEvent);
      if (this.settings.verbose && message.event !== 'server-alive') process.stderr.write(`${JSON.stringify(message)}\n`);
    });
    const { port } = await nextMessage<{ type: string; port: number }>(this.target, 'ready');
    for (let index = 0; index < processes; index++) {
      const fleet = forkChild(script('fleet'));
      fleet.on('message', (message: ChildMessage) => {
        if (message.type !== 'progress') return;
        this.progress.set(fleet, message as unknown as FleetProgress);
        this.noteReached();
        if (this.settings.verbose && Math.floor(Date.now() / 1000) !== Math.floor(((message.atMs as number) - progressMs) / 1000)) {
          process.stderr.write(`progress ${JSON.stringify(message)}\n`);
        }
      });
      this.fleets.push(fleet);
    }
    const slices = this.fleets.map(() => [] as number[]);
    for (let index = 0; index < servers; index++) slices[index % processes].push(this.takePort());
    const startedMs = Date.now();
    await Promise.all(
      this.fleets.map((fleet, index) => {
        for (const fleetPort of slices[index]) this.fleetOfPort.set(fleetPort, fleet);
        return ask(fleet, { type: 'start', configPort: port, groupName: 'group_1', ports: slices[index], progressMs, ...this.paceOf() });
      }),
    );
    return startedMs;
  }

  /** kill — stop the data server on `port` (silent at once, as after kill -9). */
  async kill(port: number): Promise<void> {
    const fleet = this.fleetOfPort.get(port);
    if (fleet) await ask(fleet, { type: 'kill', port });
    this.fleetOfPort.delete(port);
  }

  /** add — a new data server: listed in group.conf, then started. */
  async add(): Promise<number> {
    const port = this.takePort();
    await ask(this.target as ChildProcess, { type: 'add', port });
    const fleet = this.fleets[port % this.fleets.length];
    this.fleetOfPort.set(port, fleet);
    await ask(fleet, { type: 'add', port });
    return port;
  }

  /** ports — the data servers running now. */
  get ports(): number[] {
    return [...this.fleetOfPort.keys()];
  }

  /** holding / minClientVersion — over every fleet's latest progress. */
  holding(): number {
    return [...this.progress.values()].reduce((sum, progress) => sum + progress.holding, 0);
  }

  /** minClientVersion — the lowest client version any running data server holds. */
  minClientVersion(): number {
    return Math.min(...[...this.progress.values()].map((progress) => progress.minClientVersion));
  }

  /** stats — since the last call (see ScaleStats). */
  async stats(): Promise<ScaleStats> {
    const target = await ask<ChildMessage & { cpuMs: number; rssPeakBytes: number; loopDelayMs: LoopDelay; replyBytes: number; storeBytes: number }>(
      this.target as ChildProcess,
      {
        type: 'stats',
      },
    );
    const fleets = await Promise.all(
      this.fleets.map((fleet) => ask<ChildMessage & { roundTrips: number[]; counters: AgentCounters }>(fleet, { type: 'stats' })),
    );
    const counters = fleets
      .map((fleet) => fleet.counters)
      .reduce((sum, each) => {
        for (const key of Object.keys(sum) as (keyof AgentCounters)[]) sum[key] += each[key];
        return sum;
      });
    const stats: ScaleStats = {
      cpuMs: target.cpuMs,
      rssPeakBytes: target.rssPeakBytes,
      loopDelayMs: target.loopDelayMs,
      replyBytes: target.replyBytes - this.totals.replyBytes,
      storeBytes: target.storeBytes - this.totals.storeBytes,
      roundTrips: fleets.flatMap((fleet) => fleet.roundTrips),
      counters,
    };
    this.totals = { replyBytes: target.replyBytes, storeBytes: target.storeBytes };
    return stats;
  }

  /** stop — every child. */
  async stop(): Promise<void> {
    await Promise.all(this.fleets.map((fleet) => stopChild(fleet)));
    if (this.target) await stopChild(this.target);
  }

  /** noteReached — publications every fleet has reached now get their time. */
  private noteReached(): void {
    if (this.progress.size < this.fleets.length) return;
    const held = this.minClientVersion();
    for (const event of this.events) {
      const client = event.client;
      if (event.event === 'published' && client !== undefined && client <= held && !this.reachedAt.has(client)) this.reachedAt.set(client, Date.now());
    }
  }

  private takePort(): number {
    return this.nextPort++;
  }

  private paceOf() {
    const { heartbeatIntervalMs, migrateRatePerS, startDelayMs } = this.settings;
    return { heartbeatIntervalMs, migrateRatePerS, startDelayMs };
  }
}
