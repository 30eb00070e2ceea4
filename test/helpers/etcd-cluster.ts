/**
 * etcd-cluster — a real 3-member etcd cluster for tests, from the system's `etcd` binary (Debian
 * package `etcd-server`; `.ci/run` installs it), on 127.0.0.1 with free ports and temp data dirs.
 *
 *   EtcdCluster.start(3) ──▶ m0 m1 m2 (client port C_i, peer port P_i, dir/m_i) ──▶ /health of each
 *   kill(i)  SIGKILL, member gone      stop(i) SIGSTOP (hung: TCP accepts, nothing answers)
 *   resume(i) SIGCONT                  restart(i) same ports and data dir, rejoins the cluster
 *   close()  SIGKILL every member, temp dir removed
 *
 * With `tls`, the members serve their client URLs over https (peers stay on plain http, on
 * loopback), optionally requiring client certificates (--client-cert-auth); `clientUrls` then
 * start with https:// and the harness's own health checks present `tls.client`.
 *
 * No stray etcd after a test, even when the test process dies: every member's pid is written to
 * `dir/pids`, and a watchdog shell (one per cluster) kills those pids and removes the dir as soon
 * as the parent process is gone. A process 'exit' hook does the same for a normal exit.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** etcdBinary — the etcd server binary tests run. */
export const etcdBinary = process.env.ETCD_BINARY ?? 'etcd';

/** requireEtcd — throws a clear error when the etcd binary cannot be run. */
export function requireEtcd(binary = etcdBinary): void {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `the etcd server binary '${binary}' cannot run (${probe.error?.message ?? probe.stderr.trim()}): ` +
        'apt-get install etcd-server (.ci/run does this), or set ETCD_BINARY to its path',
    );
  }
}

/** EtcdServerTls — the members' TLS files (etcd --cert-file, --key-file, --trusted-ca-file). */
export interface EtcdServerTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** clientCertAuth — members refuse clients without a certificate signed by caFile (--client-cert-auth). */
  clientCertAuth: boolean;
  /** client — the certificate the harness presents for its health checks. */
  client: { certFile: string; keyFile: string };
}

/** EtcdClusterOptions — the raft timings of the members, and TLS. */
export interface EtcdClusterOptions {
  /** heartbeatIntervalMs — etcd --heartbeat-interval (default 100, etcd's own). */
  heartbeatIntervalMs?: number;
  /** electionTimeoutMs — etcd --election-timeout (default 1000, etcd's own: shorter ones hold elections on a loaded machine). */
  electionTimeoutMs?: number;
  /** startTimeoutMs — how long start() waits for every member to be healthy. */
  startTimeoutMs?: number;
  /** tls — serve clients over https (default: plain http). */
  tls?: EtcdServerTls | null;
  /**
   * placement — per member, the IP it listens on and how to start it there (e.g. inside a network
   * namespace of test/helpers/netns.ts); default: 127.0.0.1, spawned here.
   */
  placement?: readonly MemberPlacement[] | null;
}

/** MemberPlacement — where one member runs: its IP and a spawn that runs the command there. */
export interface MemberPlacement {
  ip: string;
  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess;
}

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  child: ChildProcess | null;
  exited: Promise<void>;
  stderr: string;
}

const liveClusters = new Set<EtcdCluster>();
process.once('exit', () => {
  for (const cluster of liveClusters) cluster.killAllSync();
});

/** EtcdCluster — see the file comment. */
export class EtcdCluster {
  private readonly members: Member[];
  private watchdog: ChildProcess | null = null;

  private constructor(
    readonly dir: string,
    members: Member[],
    private readonly options: Required<EtcdClusterOptions>,
  ) {
    this.members = members;
  }

  /** start — `size` members on free ports; resolves once every member reports healthy. */
  static async start(size = 3, options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    requireEtcd();
    const settings: Required<EtcdClusterOptions> = {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 100,
      electionTimeoutMs: options.electionTimeoutMs ?? 1000,
      startTimeoutMs: options.startTimeoutMs ?? 20_000,
      tls: options.tls ?? null,
      placement: options.placement ?? null,
    };
    const dir = mkdtempSync(join(tmpdir(), 'tair-cs-etcd-'));
    const ports = await freePorts(2 * size);
    const members: Member[] = [];
    for (let index = 0; index < size; index++) {
      members.push({
        name: `m${index}`,
        clientPort: ports[2 * index],
        peerPort: ports[2 * index + 1],
        dataDir: join(dir, `m${index}`),
        child: null,
        exited: Promise.resolve(),
        stderr: '',
      });
    }
    const cluster = new EtcdCluster(dir, members, settings);
    liveClusters.add(cluster);
    cluster.startWatchdog();
    try {
      for (let index = 0; index < size; index++) cluster.spawnMember(index);
      await cluster.waitHealthy(
        members.map((_, index) => index),
        settings.startTimeoutMs,
      );
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** size — the number of members. */
  get size(): number {
    return this.members.length;
  }

  /** endpoints — `127.0.0.1:port` of every member's client URL. */
  get endpoints(): string[] {
    return this.members.map((_, index) => this.endpoint(index));
  }

  /** clientUrls — every member's client URL, `http://` or (with tls) `https://`. */
  get clientUrls(): string[] {
    return this.members.map((_, index) => this.clientUrl(index));
  }

  /** clientUrl — one member's client URL. */
  clientUrl(index: number): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.endpoint(index)}`;
  }

  /** endpoint — one member's client address. */
  endpoint(index: number): string {
    return `${this.ipOf(index)}:${this.members[index].clientPort}`;
  }

  /** ipOf — the IP member `index` listens on. */
  ipOf(index: number): string {
    return this.options.placement?.[index]?.ip ?? '127.0.0.1';
  }

  /** pid — a running member's process id (undefined when it is not running). */
  pid(index: number): number | undefined {
    const child = this.members[index].child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** kill — SIGKILL one member and wait until it is gone. */
  async kill(index: number): Promise<void> {
    const member = this.members[index];
    if (this.pid(index) !== undefined) member.child?.kill('SIGKILL');
    await member.exited;
    member.child = null;
    this.writePids();
  }

  /** stop — SIGSTOP one member: its sockets stay open, it answers nothing. */
  stop(index: number): void {
    if (this.pid(index) !== undefined) this.members[index].child?.kill('SIGSTOP');
  }

  /** resume — SIGCONT a stopped member. */
  resume(index: number): void {
    if (this.pid(index) !== undefined) this.members[index].child?.kill('SIGCONT');
  }

  /** restart — start a killed member again (same ports, same data dir); resolves once it is healthy. */
  async restart(index: number): Promise<void> {
    if (this.pid(index) !== undefined) await this.kill(index);
    this.spawnMember(index);
    await this.waitHealthy([index], this.options.startTimeoutMs);
  }

  /** healthy — whether the member answers /health with a quorum behind it. */
  async healthy(index: number): Promise<boolean> {
    const tls = this.options.tls;
    if (tls) return httpsHealthy(`${this.clientUrl(index)}/health`, tls);
    try {
      const response = await fetch(`${this.clientUrl(index)}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await response.json()) as { health?: string };
      return response.ok && body.health === 'true';
    } catch {
      return false;
    }
  }

  /** stderrOf — what a member wrote to stderr (its log), for failure messages. */
  stderrOf(index: number): string {
    return this.members[index].stderr;
  }

  /** close — kill every member and the watchdog, remove the temp dir. */
  async close(): Promise<void> {
    for (let index = 0; index < this.members.length; index++) {
      this.resume(index);
      await this.kill(index);
    }
    this.watchdog?.kill('SIGKILL');
    this.watchdog = null;
    liveClusters.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** killAllSync — last resort at process exit: SIGKILL every member now. */
  killAllSync(): void {
    for (const member of this.members) {
      if (member.child?.pid !== undefined && member.child.exitCode === null) member.child.kill('SIGKILL');
    }
    this.watchdog?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawnMember(index: number): void {
    const member = this.members[index];
    const cluster = this.members.map((other, otherIndex) => `${other.name}=http://${this.ipOf(otherIndex)}:${other.peerPort}`).join(',');
    const peerUrl = `http://${this.ipOf(index)}:${member.peerPort}`;
    const spawnHere = (command: string, args: readonly string[], options: SpawnOptions): ChildProcess => spawn(command, args, options);
    const child = (this.options.placement?.[index]?.spawn ?? spawnHere)(
      etcdBinary,
      [
        '--name',
        member.name,
        '--data-dir',
        member.dataDir,
        '--listen-client-urls',
        this.clientUrl(index),
        '--advertise-client-urls',
        this.clientUrl(index),
        ...tlsFlags(this.options.tls),
        '--listen-peer-urls',
        peerUrl,
        '--initial-advertise-peer-urls',
        peerUrl,
        '--initial-cluster',
        cluster,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        `tair-cs-test-${process.pid}-${this.members[0].clientPort}`,
        '--heartbeat-interval',
        String(this.options.heartbeatIntervalMs),
        '--election-timeout',
        String(this.options.electionTimeoutMs),
        '--logger',
        'zap',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    member.child = child;
    member.stderr = '';
    member.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.once('error', () => undefined);
    // Keep only the tail: etcd logs every warning, a long test must not grow memory.
    child.stderr?.on('data', (chunk: Buffer) => (member.stderr = (member.stderr + chunk.toString('utf8')).slice(-20_000)));
    this.writePids();
  }

  private async waitHealthy(indexes: readonly number[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(indexes.map((index) => this.healthy(index)));
      if (states.every(Boolean)) return;
      const dead = indexes.find((index) => this.pid(index) === undefined);
      if (dead !== undefined) throw new Error(`etcd member m${dead} exited: ${this.members[dead].stderr.slice(-2000)}`);
      if (Date.now() > deadline) {
        const sick = indexes.filter((_, position) => !states[position]).map((index) => `m${index}`);
        throw new Error(`etcd members ${sick.join(', ')} not healthy after ${timeoutMs} ms: ${this.members[indexes[0]].stderr.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private writePids(): void {
    const pids = this.members.map((member) => member.child?.pid).filter((pid) => pid !== undefined);
    writeFileSync(join(this.dir, 'pids'), `${pids.join(' ')}\n`);
  }

  /** startWatchdog — a shell that outlives us by at most half a second and then kills the members. */
  private startWatchdog(): void {
    const pidFile = join(this.dir, 'pids');
    writeFileSync(pidFile, '\n');
    const script =
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; ` +
      `for pid in $(cat '${pidFile}'); do kill -CONT $pid; kill -9 $pid; done 2>/dev/null; rm -rf '${this.dir}'`;
    this.watchdog = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
    this.watchdog.unref();
  }
}

/** tlsFlags — the etcd flags of the members' client TLS. */
function tlsFlags(tls: EtcdServerTls | null): string[] {
  if (!tls) return [];
  const flags = ['--cert-file', tls.certFile, '--key-file', tls.keyFile, '--trusted-ca-file', tls.caFile];
  return tls.clientCertAuth ? [...flags, '--client-cert-auth'] : flags;
}

/** httpsHealthy — GET /health over https with the harness's client certificate (fetch cannot take one). */
function httpsHealthy(url: string, tls: EtcdServerTls): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        ca: readFileSync(tls.caFile),
        cert: readFileSync(tls.client.certFile),
        key: readFileSync(tls.client.keyFile),
        timeout: 1000,
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve(response.statusCode === 200 && /"health":\s*"true"/.test(body)));
        response.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** freePorts — `count` distinct ports nothing listens on right now (bound to 0, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = [];
  const ports: number[] = [];
  for (let index = 0; index < count; index++) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.push((server.address() as { port: number }).port);
    servers.push(server);
  }
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}
