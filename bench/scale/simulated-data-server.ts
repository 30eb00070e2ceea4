/**
 * simulated-data-server — a data server as the scale benchmark runs it: the project's own agent
 * (DataServerAgent, views and all) with migrations simulated instead of data copied. After each
 * new plan it waits `startDelayMs` (1 s, as the original), then "moves" its buckets at
 * `migrateRatePerS` and reports each with a migrate-finish, exactly as a real data server would.
 *
 *   table (replanned) ─▶ queue := plan.migrations ─▶ after startDelayMs, one every 1000/rate ms
 *                                                    ─▶ agent.reportMigrated(bucket, server version)
 */
import { DataServerAgent } from '../../src/agent/index.js';
import type { MigrationTask } from '../../src/agent/index.js';

/** SimulatedDataServerOptions — who it is, whom it heartbeats, and how fast it migrates. */
export interface SimulatedDataServerOptions {
  self: string;
  configServers: string[];
  groupName: string;
  heartbeatIntervalMs: number;
  migrateRatePerS: number;
  startDelayMs: number;
  onRoundTrip: (roundTripMs: number) => void;
}

/** SimulatedDataServer — see the file comment. */
export class SimulatedDataServer {
  readonly agent: DataServerAgent;
  private queue: MigrationTask[] = [];
  private serverVersion = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: SimulatedDataServerOptions) {
    this.agent = new DataServerAgent({
      self: options.self,
      configServers: options.configServers,
      groupName: options.groupName,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
    });
    this.agent.on('heartbeat', ({ roundTripMs }) => options.onRoundTrip(roundTripMs));
    this.agent.on('table', (change) => {
      if (!change.replanned) return;
      this.serverVersion = change.versions.serverVersion;
      this.queue = [...change.plan.migrations];
      this.schedule(options.startDelayMs);
    });
    this.agent.on('solitary', () => {
      this.queue = [];
    });
  }

  /** start — heartbeat from now on. */
  start(): void {
    this.agent.start();
  }

  /** stop — as a killed process: silent at once. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.agent.stop();
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.migrateNext(), delayMs);
  }

  private migrateNext(): void {
    this.timer = null;
    const task = this.queue.shift();
    if (!task || this.stopped) return;
    this.agent.reportMigrated(task.bucketIndex, this.serverVersion);
    if (this.queue.length > 0) this.schedule(1000 / this.options.migrateRatePerS);
  }
}
