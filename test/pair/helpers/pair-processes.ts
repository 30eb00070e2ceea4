/**
 * pair-processes — two real `tair-cs start` processes configured as a pair on 127.0.0.1, optionally
 * with a FaultProxy on each line between them (each server reaches its peer through a proxy, data
 * servers and clients reach both directly), and helpers to read their logs.
 */
import { writeFileSync } from 'node:fs';
import { ConfigServerProcess, freePort, waitFor } from '../../server/helpers/config-server-process.js';
import type { LogLine } from '../../server/helpers/config-server-process.js';
import { FaultProxy } from './fault-proxy.js';

/** PairSettings — what the tests vary. */
export interface PairSettings {
  groupConf: string;
  peerTimeoutMs: number;
  /** proxied — put a FaultProxy between the servers. */
  proxied?: boolean;
  /** migrationVersionIntervalMs — `migration_version_interval_ms` (default: the server's, 1 s). */
  migrationVersionIntervalMs?: number;
}

/** PairProcesses — both servers (index = entry in config_server) and the proxies between them. */
export class PairProcesses {
  private constructor(
    readonly servers: [ConfigServerProcess, ConfigServerProcess],
    readonly proxies: FaultProxy[],
  ) {}

  /** create — temp dirs and configs for both; nothing started. */
  static async create(settings: PairSettings): Promise<PairProcesses> {
    const servers: [ConfigServerProcess, ConfigServerProcess] = [
      await ConfigServerProcess.create(settings.groupConf),
      await ConfigServerProcess.create(settings.groupConf),
    ];
    const proxies: FaultProxy[] = [];
    // peerPorts[i] — where server i reaches the other one.
    const peerPorts = [servers[1].port, servers[0].port];
    if (settings.proxied) {
      proxies.push(await FaultProxy.start(await freePort(), servers[1].port), await FaultProxy.start(await freePort(), servers[0].port));
      peerPorts[0] = proxies[0].port;
      peerPorts[1] = proxies[1].port;
    }
    servers.forEach((server, index) => {
      const entries = index === 0 ? [server.port, peerPorts[0]] : [peerPorts[1], server.port];
      writeFileSync(
        server.configPath,
        [
          '[public]',
          ...entries.map((port) => `config_server = 127.0.0.1:${port}`),
          '[configserver]',
          `port = ${server.port}`,
          `address = 127.0.0.1:${server.port}`,
          'group_file = group.conf',
          'data_dir = data',
          'pid_file = cfgsvr.pid',
          'log_level = info', // no log_file: the logs come on stdout
          `peer_timeout_ms = ${settings.peerTimeoutMs}`,
          ...(settings.migrationVersionIntervalMs === undefined ? [] : [`migration_version_interval_ms = ${settings.migrationVersionIntervalMs}`]),
          '[tairserver]',
          'port = 5191',
          '',
        ].join('\n'),
      );
    });
    return new PairProcesses(servers, proxies);
  }

  /** addresses — `ip:port` of both, in entry order, for data servers and clients. */
  get addresses(): string[] {
    return this.servers.map((server) => `127.0.0.1:${server.port}`);
  }

  /** cut — drop every byte between the servers (or let them through again). */
  setCut(cut: boolean): void {
    for (const proxy of this.proxies) proxy.cut = cut;
  }

  /** cleanup — kill both, stop the proxies, remove the temp dirs. */
  async cleanup(): Promise<void> {
    for (const server of this.servers) {
      if (server.pid !== undefined) {
        try {
          process.kill(server.pid, 'SIGCONT');
        } catch {
          // already gone
        }
      }
      await server.cleanup();
    }
    for (const proxy of this.proxies) await proxy.stop();
  }
}

/** signal — send a signal to a server process (SIGSTOP / SIGCONT). */
export function signal(server: ConfigServerProcess, name: NodeJS.Signals): void {
  if (server.pid === undefined) throw new Error('not started');
  process.kill(server.pid, name);
}

/** logsOf — the server's log lines with this event (oldest first). */
export function logsOf(server: ConfigServerProcess, event: string): LogLine[] {
  return server.logs.filter((line) => line.event === event);
}

/** waitForEvent — the first line with `event` matching `match`, already logged or coming. */
export function waitForEvent(server: ConfigServerProcess, event: string, timeoutMs: number, match: (line: LogLine) => boolean = () => true): Promise<LogLine> {
  return server.waitForLog((line) => line.event === event && match(line), timeoutMs);
}

/** timeOf — a log line's time in epoch ms. */
export function timeOf(line: LogLine): number {
  return typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
}

/** eventually — poll an async probe every 50 ms until it returns a truthy value. */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** waitFor — the server tests' synchronous poll, re-exported for the pair tests. */
export { waitFor };
