/**
 * fleet — scale-benchmark child: a slice of the simulated data servers (simulated-data-server.ts),
 * each with its own agent and connection, heartbeats spread evenly over the first second.
 *
 *   orchestrator ─{ start: ports, config server, rates }─▶ fleet ─▶ 'started'
 *   fleet ─{ progress: min client/server version, servers holding a table }─▶ every progressMs
 *   orchestrator ─{ stats }─▶ round trips since the last stats, summed agent counters
 *   orchestrator ─{ kill: port } / { add: port }─▶ stop one / start one more
 */
import type { AgentCounters } from '../../src/agent/index.js';
import type { ChildMessage } from '../heartbeat/child-ipc.js';
import { SimulatedDataServer } from './simulated-data-server.js';

interface StartMessage {
  configPort: number;
  groupName: string;
  ports: number[];
  heartbeatIntervalMs: number;
  migrateRatePerS: number;
  startDelayMs: number;
  progressMs: number;
}

/** FleetProgress — where the slowest server of this fleet is. */
export interface FleetProgress {
  atMs: number;
  running: number;
  holding: number;
  minClientVersion: number;
  minServerVersion: number;
}

const servers = new Map<number, SimulatedDataServer>();
let settings: StartMessage | null = null;
let roundTrips: number[] = [];
/** reported — each server's counters at the last stats; `departed` — what stopped servers added since. */
const reported = new Map<number, AgentCounters>();
let departed = emptyCounters();

function startServer(port: number, delayMs: number): void {
  const options = settings as StartMessage;
  const server = new SimulatedDataServer({
    self: `127.0.0.1:${port}`,
    configServers: [`127.0.0.1:${options.configPort}`],
    groupName: options.groupName,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    migrateRatePerS: options.migrateRatePerS,
    startDelayMs: options.startDelayMs,
    onRoundTrip: (ms) => roundTrips.push(ms),
  });
  servers.set(port, server);
  setTimeout(() => server.start(), delayMs);
}

function progress(): FleetProgress {
  let holding = 0;
  let minClientVersion = Number.POSITIVE_INFINITY;
  let minServerVersion = Number.POSITIVE_INFINITY;
  for (const server of servers.values()) {
    const { clientVersion, serverVersion } = server.agent.versions;
    if (server.agent.tables !== null && serverVersion >= 10) holding += 1;
    minClientVersion = Math.min(minClientVersion, clientVersion);
    minServerVersion = Math.min(minServerVersion, serverVersion);
  }
  return { atMs: Date.now(), running: servers.size, holding, minClientVersion, minServerVersion };
}

function emptyCounters(): AgentCounters {
  return {
    finishPackets: 0,
    viewsRefused: 0,
    heartbeatReplies: 0,
    views: 0,
    changeSets: 0,
    wholeTables: 0,
    tableBytes: 0,
    changeSetBytes: 0,
    changeSetSlots: 0,
    changeSetsOverBound: 0,
  };
}

/** sinceReported — what `port`'s counters grew by since the last stats (and mark them reported). */
function sinceReported(port: number, server: SimulatedDataServer): AgentCounters {
  const now = server.agent.counters;
  const before = reported.get(port) ?? emptyCounters();
  reported.set(port, now);
  const delta = emptyCounters();
  for (const key of Object.keys(delta) as (keyof AgentCounters)[]) delta[key] = now[key] - before[key];
  return delta;
}

/** counters — the growth of every server's counters since the last stats, stopped servers included. */
function counters(): AgentCounters {
  const sum = departed;
  departed = emptyCounters();
  for (const [port, server] of servers) {
    const delta = sinceReported(port, server);
    for (const key of Object.keys(sum) as (keyof AgentCounters)[]) sum[key] += delta[key];
  }
  return sum;
}

process.on('message', (message: ChildMessage) => {
  switch (message.type) {
    case 'start': {
      settings = message as unknown as StartMessage;
      const { ports, heartbeatIntervalMs, progressMs } = settings;
      for (const [index, port] of ports.entries()) startServer(port, (index / ports.length) * heartbeatIntervalMs);
      setInterval(() => process.send?.({ type: 'progress', ...progress() }), progressMs).unref();
      process.send?.({ type: 'start' });
      return;
    }
    case 'kill': {
      const port = message.port as number;
      const server = servers.get(port);
      if (server) {
        server.stop();
        const delta = sinceReported(port, server);
        for (const key of Object.keys(departed) as (keyof AgentCounters)[]) departed[key] += delta[key];
      }
      servers.delete(port);
      process.send?.({ type: 'kill' });
      return;
    }
    case 'add':
      startServer(message.port as number, 0);
      process.send?.({ type: 'add' });
      return;
    case 'stats': {
      const samples = roundTrips;
      roundTrips = [];
      process.send?.({ type: 'stats', roundTrips: samples, counters: counters(), progress: progress() });
      return;
    }
    case 'stop':
      for (const server of servers.values()) server.stop();
      process.exit(0);
  }
});
