/**
 * scale-phases — the three phases of one size, each measured from its start to when every data
 * server holds the newest version (and, after a kill or an add, the migration has converged):
 *
 *   cold  first heartbeats ─▶ build ─▶ a table on every server
 *   kill  one data server silent ─▶ DOWN ─▶ quick table ─▶ destination ─▶ finishes ─▶ converged
 *   add   one more server in group.conf and heart-beating ─▶ ALIVE ─▶ destination ─▶ converged
 *
 * Milestones are milliseconds from the phase's start; `versionLag` is, for each version published
 * in the phase, how long until every data server held it (its largest and its mean).
 */
import { summarize } from '../heartbeat/stats.js';
import type { LatencySummary } from '../heartbeat/stats.js';
import type { LoopDelay, ScaleRun, ScaleStats } from './scale-run.js';
import type { TargetEvent } from './target.js';

/** PhaseResult — one phase's figures. */
export interface PhaseResult {
  phase: string;
  durationMs: number;
  milestones: Record<string, number | null>;
  /** timeline — the config server's events of the phase: ms from its start, event, detail. */
  timeline: [number, string, string][];
  versions: number;
  versionLagMaxMs: number | null;
  versionLagMeanMs: number | null;
  bytesSent: number;
  serverCpuMs: number;
  serverCpuPercent: number;
  peakRssMiB: number;
  /** heartbeat — round trips as the agents saw them (their own processes' delays included). */
  heartbeat: LatencySummary;
  /** serverLoopDelayMs — how late the config server's event loop ran (what it adds to any reply). */
  serverLoopDelayMs: LoopDelay;
  falseDowns: number;
  storeBytesWritten: number;
  agents: {
    views: number;
    changeSets: number;
    wholeTables: number;
    viewsRefused: number;
    finishPackets: number;
    changeSetBytes: number;
    changeSetSlots: number;
    /** changeSetsOverBound — change sets over 64 bytes per changed slot plus the 7-byte rows header (the goal: 0). */
    changeSetsOverBound: number;
    changeSetBytesPerSlot: number | null;
  };
}

const pollMs = 25;

/** coldPhase — from the first heartbeats to a table on every server (and every server on the newest version). */
export async function coldPhase(run: ScaleRun): Promise<PhaseResult> {
  const startMs = await run.start();
  const firstTableMs = await until(run, () => run.holding() === run.settings.servers, 'a table on every server');
  await until(run, () => everyoneHoldsLatest(run, startMs), 'every server on the newest version');
  // The goal counts from the data servers' first heartbeats (the first ALIVE), not from starting their processes.
  const firstAlive = run.events.find((event) => event.atMs >= startMs && event.event === 'server-alive');
  const published = run.events.find((event) => event.atMs >= startMs && event.event === 'published');
  const milestones = {
    firstHeartbeat: firstAlive ? firstAlive.atMs - startMs : null,
    published: published ? published.atMs - startMs : null,
    tableOnEveryServer: firstTableMs - startMs,
    tableOnEveryServerAfterFirstHeartbeat: firstAlive ? firstTableMs - firstAlive.atMs : null,
  };
  return finish(run, 'cold', startMs, milestones, null, await run.stats());
}

/** killPhase — one data server goes silent; DOWN, quick table, destination, migration, converged. */
export async function killPhase(run: ScaleRun): Promise<PhaseResult> {
  await run.stats();
  const victim = run.ports[Math.floor(run.ports.length / 2)];
  const victimId = `127.0.0.1:${victim}`;
  const startMs = Date.now();
  await run.kill(victim);
  const downMs = await untilEvent(run, startMs, (event) => event.event === 'server-down' && event.server === victimId, 'DOWN');
  const quickMs = await publicationAfter(run, downMs, 'quick-table', 'the quick table');
  const destinationMs = await publicationAfter(run, quickMs, 'table-built', 'the destination table');
  const convergedMs = await publicationAfter(run, destinationMs, 'migration-complete', 'convergence');
  await until(run, () => everyoneHoldsLatest(run, startMs), 'every server on the newest version');
  const milestones = {
    down: downMs - startMs,
    quickTable: quickMs - startMs,
    quickTableAfterDown: quickMs - downMs,
    destination: destinationMs - startMs,
    converged: convergedMs - startMs,
  };
  return finish(run, 'kill', startMs, milestones, victimId, await run.stats());
}

/** addPhase — one more data server; ALIVE, destination, migration, converged. */
export async function addPhase(run: ScaleRun): Promise<PhaseResult> {
  await run.stats();
  const startMs = Date.now();
  const port = await run.add();
  const id = `127.0.0.1:${port}`;
  const aliveMs = await untilEvent(run, startMs, (event) => event.event === 'server-alive' && event.server === id, 'the new server ALIVE');
  // A build may have started before (group.conf names the server first): the one that counts comes after ALIVE.
  const destinationMs = await publicationAfter(run, aliveMs, 'table-built', 'the destination table');
  const convergedMs = await publicationAfter(run, destinationMs, 'migration-complete', 'convergence');
  await until(run, () => everyoneHoldsLatest(run, startMs), 'every server on the newest version');
  const milestones = { alive: aliveMs - startMs, destination: destinationMs - startMs, converged: convergedMs - startMs };
  return finish(run, 'add', startMs, milestones, null, await run.stats());
}

function finish(
  run: ScaleRun,
  phase: string,
  startMs: number,
  milestones: Record<string, number | null>,
  victim: string | null,
  stats: ScaleStats,
): PhaseResult {
  const durationMs = Date.now() - startMs;
  const inPhase = run.events.filter((event) => event.atMs >= startMs);
  const published = inPhase.filter((event) => event.event === 'published');
  const lags = versionLags(run, published);
  const { counters } = stats;
  return {
    phase,
    durationMs,
    milestones,
    timeline: timeline(inPhase, startMs),
    versions: published.length,
    versionLagMaxMs: lags.length > 0 ? Math.max(...lags) : null,
    versionLagMeanMs: lags.length > 0 ? Math.round(lags.reduce((a, b) => a + b, 0) / lags.length) : null,
    bytesSent: stats.replyBytes,
    serverCpuMs: Math.round(stats.cpuMs),
    serverCpuPercent: Math.round((stats.cpuMs / durationMs) * 1000) / 10,
    peakRssMiB: Math.round(stats.rssPeakBytes / 1048576),
    heartbeat: summarize(stats.roundTrips),
    serverLoopDelayMs: roundedDelay(stats.loopDelayMs),
    falseDowns: inPhase.filter((event) => event.event === 'server-down' && event.server !== victim).length,
    storeBytesWritten: stats.storeBytes,
    agents: {
      views: counters.views,
      changeSets: counters.changeSets,
      wholeTables: counters.wholeTables,
      viewsRefused: counters.viewsRefused,
      finishPackets: counters.finishPackets,
      changeSetBytes: counters.changeSetBytes,
      changeSetSlots: counters.changeSetSlots,
      changeSetsOverBound: counters.changeSetsOverBound,
      // Past the rows block's 7-byte header, which every change set has (an empty one for a server no change concerns).
      changeSetBytesPerSlot:
        counters.changeSetSlots > 0 ? Math.round(((counters.changeSetBytes - 7 * counters.changeSets) / counters.changeSetSlots) * 10) / 10 : null,
    },
  };
}

function roundedDelay(delay: LoopDelay): LoopDelay {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { p50: round(delay.p50), p99: round(delay.p99), max: round(delay.max) };
}

/** timeline — the phase's events; a crowd of servers coming alive is one line (how many, the first and the last). */
function timeline(events: TargetEvent[], startMs: number): [number, string, string][] {
  const alive = events.filter((event) => event.event === 'server-alive');
  const crowd = alive.length > 5;
  const lines: [number, string, string][] = [];
  for (const event of events) {
    if (crowd && event.event === 'server-alive') {
      if (event === alive[0])
        lines.push([event.atMs - startMs, 'server-alive', `${alive.length} servers, the last at ${(alive.at(-1) as TargetEvent).atMs - startMs} ms`]);
      continue;
    }
    const detail = event.server ?? (event.client !== undefined ? `${event.client}/${event.serverVersion} ${event.changedBuckets ?? ''}` : '');
    lines.push([event.atMs - startMs, event.event, detail]);
  }
  return lines;
}

/** versionLags — per publication, ms until every data server held its client version (from the progress series). */
function versionLags(run: ScaleRun, published: TargetEvent[]): number[] {
  return published.flatMap((event) => {
    const reached = run.reachedAt.get(event.client ?? -1);
    return reached === undefined ? [] : [Math.max(0, reached - event.atMs)];
  });
}

function everyoneHoldsLatest(run: ScaleRun, sinceMs: number): boolean {
  const latest = [...run.events].reverse().find((event) => event.event === 'published');
  if (!latest || latest.atMs < sinceMs - 60_000) return run.holding() === run.ports.length;
  return run.holding() === run.ports.length && run.minClientVersion() >= (latest.client ?? 0);
}

async function until(run: ScaleRun, condition: () => boolean, what: string): Promise<number> {
  const deadline = Date.now() + run.settings.phaseTimeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`B = ${run.bucketCount}: no ${what} within ${run.settings.phaseTimeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return Date.now();
}

async function untilEvent(run: ScaleRun, sinceMs: number, match: (event: TargetEvent) => boolean, what: string): Promise<number> {
  const found = (): TargetEvent | undefined => run.events.find((event) => event.atMs >= sinceMs && match(event));
  await until(run, () => found() !== undefined, what);
  return (found() as TargetEvent).atMs;
}

/** publicationAfter — the time of the first publication after the first `event` since `sinceMs`. */
async function publicationAfter(run: ScaleRun, sinceMs: number, event: string, what: string): Promise<number> {
  const atMs = await untilEvent(run, sinceMs, (candidate) => candidate.event === event, what);
  return untilEvent(run, atMs, (candidate) => candidate.event === 'published', `${what} published`);
}
