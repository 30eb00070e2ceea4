/**
 * operator-cluster — a config server running in this process with its HTTP port on, fake data
 * servers heart-beating over real TCP, and helpers to ask it things over HTTP and op_cmd.
 *
 * In-process so tests start in well under a second and can put the server in states that are
 * slow to reach from outside (e.g. the secondary role, before the config-server pair exists).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { sendAdminCommand } from '../../../src/admin/admin-client.js';
import type { ClusterOptions } from '../../../src/cluster/index.js';
import { loadConfigServerConf } from '../../../src/config/configserver-conf.js';
import type { OpCmdResponse } from '../../../src/protocol/index.js';
import { ConfigServer } from '../../../src/server/config-server.js';
import { waitFor } from '../../server/helpers/config-server-process.js';
import { FakeDataServer } from '../../server/helpers/fake-data-server.js';

/** OperatorClusterOptions — the group and how it runs. */
export interface OperatorClusterOptions {
  bucketCount?: number;
  copyCount?: number;
  /** serverCount — data servers listed; `running` of them start heart-beating. */
  serverCount?: number;
  running?: number;
  /** racks — `@rack` of each listed server (default: none, the mask rack). */
  racks?: string[];
  acceptStrategy?: 0 | 1;
  serverDownTimeS?: number;
  /** extraKeys — more `key = value` lines for the group section. */
  extraKeys?: string[];
  heartbeatMs?: number;
  /** cluster — timings of the state machine (settleMs defaults to 300 here). */
  cluster?: Partial<ClusterOptions>;
}

/** LogRecord — one JSON log line. */
export type LogRecord = Record<string, unknown> & { event?: string; msg?: string };

/** OperatorCluster — see the file comment. */
export class OperatorCluster {
  dataServers: FakeDataServer[] = [];

  private constructor(
    readonly logs: LogRecord[],
    readonly dir: string,
    readonly server: ConfigServer,
    readonly port: number,
    readonly httpPort: number,
    readonly groupConfPath: string,
    readonly ports: number[],
  ) {}

  /** start — config files, the server, and the running data servers, up to the first table. */
  static async start(options: OperatorClusterOptions = {}): Promise<OperatorCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'tair-cs-operator-'));
    const [port, httpPort] = [await quietPort(), await quietPort()];
    const serverCount = options.serverCount ?? 3;
    const ports: number[] = [];
    for (let i = 0; i < serverCount; i++) ports.push(await quietPort());
    const groupConfPath = join(dir, 'group.conf');
    await writeFile(groupConfPath, groupConfText(ports, options));
    const configPath = join(dir, 'configserver.conf');
    await writeFile(
      configPath,
      [
        '[public]',
        `config_server = 127.0.0.1:${port}`,
        '[configserver]',
        `port = ${port}`,
        `address = 127.0.0.1:${port}`,
        `http_port = ${httpPort}`,
        'group_file = group.conf',
        'data_dir = data',
        'log_file = cfgsvr.log',
        'pid_file = cfgsvr.pid',
        '[tairserver]',
        'port = 5191',
        '',
      ].join('\n'),
    );
    const logs: LogRecord[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) });
    const config = await loadConfigServerConf(configPath);
    const server = new ConfigServer(config, logger, { tickMs: 50, cluster: { settleMs: 300, ...options.cluster } });
    await server.start();
    const cluster = new OperatorCluster(logs, dir, server, port, httpPort, groupConfPath, ports);
    cluster.dataServers = ports.map((dsPort) => new FakeDataServer({ configServerPort: port, port: dsPort, intervalMs: options.heartbeatMs ?? 200 }));
    const running = cluster.dataServers.slice(0, options.running ?? serverCount);
    for (const ds of running) await ds.start();
    await waitFor(
      () => running.every((ds) => ds.serverVersion >= 10 && ds.current.length > 0),
      10_000,
      () => 'no table reached the data servers',
    );
    return cluster;
  }

  /** url — an URL on the HTTP port. */
  url(path: string): string {
    return `http://127.0.0.1:${this.httpPort}${path}`;
  }

  /** getJson — GET a path; resolves with the status code and the parsed body. */
  async getJson<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(this.url(path));
    return { status: response.status, body: (await response.json()) as T };
  }

  /** admin — one op_cmd over TCP to this server. */
  async admin(cmd: number, params: string[]): Promise<OpCmdResponse> {
    const { response } = await sendAdminCommand([{ ip: '127.0.0.1', port: this.port }], cmd, params, 10_000);
    return response;
  }

  /** waitForLog — the first log line (seen or coming) that matches. */
  waitForLog(match: (line: LogRecord) => boolean, timeoutMs = 10_000): Promise<LogRecord> {
    return waitFor(
      () => this.logs.find(match),
      timeoutMs,
      () => 'no matching log line',
    );
  }

  /** finishAll — every data server sends migrate-finish for the buckets it masters that must move. */
  async finishAll(limitPerServer = Number.POSITIVE_INFINITY): Promise<number> {
    let sent = 0;
    for (const ds of this.dataServers) {
      const buckets = ds.bucketsToMigrate().slice(0, limitPerServer);
      const codes = await Promise.all(buckets.map((bucket) => ds.sendFinish(bucket)));
      sent += codes.filter((code) => code === 0).length;
    }
    return sent;
  }

  /** stop — data servers, the config server, the temp dir. */
  async stop(): Promise<void> {
    for (const ds of this.dataServers) await ds.kill();
    await this.server.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * quietPort — a free port below the kernel's ephemeral range (32768 and up), so no outgoing
 * connection of a test running beside this one can be handed it between our check and listen.
 */
export async function quietPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!free) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
}

/** eventually — poll an (async) probe every 50 ms until it gives a truthy value. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs: number,
  describe = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** groupConfText — one group `group_1` over 127.0.0.1 ports. */
export function groupConfText(ports: readonly number[], options: OperatorClusterOptions): string {
  return [
    '[group_1]',
    `_bucket_number = ${options.bucketCount ?? 48}`,
    `_copy_count = ${options.copyCount ?? 2}`,
    ...ports.map((dsPort, index) => `_server_list = 127.0.0.1:${dsPort}${options.racks ? `@${options.racks[index]}` : ''}`),
    `_accept_strategy = ${options.acceptStrategy ?? 1}`,
    `_server_down_time = ${options.serverDownTimeS ?? 1}`,
    '_min_data_server_count = 2',
    '_areaCapacity_list = 1,1000000;',
    'group_status = on',
    ...(options.extraKeys ?? []),
    '',
  ].join('\n');
}
