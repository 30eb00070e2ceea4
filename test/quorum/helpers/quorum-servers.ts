/**
 * quorum-servers — N real `tair-cs start` processes in quorum mode (coordination = etcd) on
 * 127.0.0.1, every one listing all N in `[public] config_server`, against the given etcd
 * endpoints under a prefix of their own.
 */
import { writeFileSync } from 'node:fs';
import { ConfigServerProcess } from '../../server/helpers/config-server-process.js';
import type { Launch, LogLine } from '../../server/helpers/config-server-process.js';

/** QuorumServerSettings — what the tests vary. */
export interface QuorumServerSettings {
  count: number;
  groupConf: string;
  endpoints: string[];
  prefix: string;
  leaseTtlMs: number;
  /** ipOf — the `ip` server `index` listens on (default 127.0.0.1). */
  ipOf?: (index: number) => string;
  /** launchOf — how server `index` is started (default: here; a network namespace's spawn runs it there). */
  launchOf?: (index: number) => Launch;
}

/** QuorumServers — the servers, in `[public] config_server` order. */
export class QuorumServers {
  private constructor(
    readonly servers: ConfigServerProcess[],
    readonly ips: string[],
    private readonly launchOf: ((index: number) => Launch) | null,
  ) {}

  /** start — every server, at once; resolves when all listen. */
  async start(): Promise<void> {
    await Promise.all(this.servers.map((server, index) => server.start([], this.launchOf?.(index))));
  }

  /** create — temp dirs and configs for every server; nothing started. */
  static async create(settings: QuorumServerSettings): Promise<QuorumServers> {
    const servers: ConfigServerProcess[] = [];
    for (let index = 0; index < settings.count; index++) servers.push(await ConfigServerProcess.create(settings.groupConf));
    const ips = servers.map((_, index) => settings.ipOf?.(index) ?? '127.0.0.1');
    const entries = servers.map((server, index) => `config_server = ${ips[index]}:${server.port}`);
    servers.forEach((server, index) => {
      writeFileSync(
        server.configPath,
        [
          '[public]',
          ...entries,
          '[configserver]',
          `port = ${server.port}`,
          `address = ${ips[index]}:${server.port}`,
          'group_file = group.conf',
          'data_dir = data',
          'pid_file = cfgsvr.pid',
          'log_level = info', // no log_file: the logs come on stdout
          'coordination = etcd',
          `etcd_endpoints = ${settings.endpoints.join(', ')}`,
          `etcd_prefix = ${settings.prefix}`,
          `etcd_lease_ttl_ms = ${settings.leaseTtlMs}`,
          '[tairserver]',
          'port = 5191',
          '',
        ].join('\n'),
      );
    });
    return new QuorumServers(servers, ips, settings.launchOf ?? null);
  }

  /** addresses — `ip:port` of every server, for data servers and clients. */
  get addresses(): string[] {
    return this.servers.map((server, index) => `${this.ips[index]}:${server.port}`);
  }

  /** endpoints — every server as {ip, port}. */
  get endpoints(): { ip: string; port: number }[] {
    return this.servers.map((server, index) => ({ ip: this.ips[index], port: server.port }));
  }

  /** leaderIndex — the server whose latest quorum-primary / quorum-secondary line says it leads (null: none). */
  leaderIndex(): number | null {
    const leading = this.servers.flatMap((server, index) => (leads(server) ? [index] : []));
    return leading.length === 1 ? leading[0] : null;
  }

  /** cleanup — kill every server, remove the temp dirs. */
  async cleanup(): Promise<void> {
    // SIGKILL ends a stopped (SIGSTOP) process too.
    for (const server of this.servers) await server.cleanup();
  }
}

/** leads — the server is running and its latest role line is quorum-primary. */
export function leads(server: ConfigServerProcess): boolean {
  const roleLines = server.logs.filter((line) => line.event === 'quorum-primary' || line.event === 'quorum-secondary');
  return roleLines.at(-1)?.event === 'quorum-primary' && server.pid !== undefined && isAlive(server.pid);
}

/** publishedAfter — the first `published` line of the server logged at or after `sinceMs`. */
export function publishedAfter(server: ConfigServerProcess, sinceMs: number): LogLine | undefined {
  return server.logs.find((line) => line.event === 'published' && timeOf(line) >= sinceMs);
}

/** timeOf — a log line's time in epoch ms. */
export function timeOf(line: LogLine): number {
  return typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
