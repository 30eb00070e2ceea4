/**
 * coordinators — QuorumCoordinators in this process against a test etcd cluster, each with its
 * own etcd client and data dir, stopped and removed by `closeAll`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuorumCoordinator } from '../../../src/quorum/quorum-coordinator.js';
import type { QuorumCoordinatorOptions } from '../../../src/quorum/quorum-coordinator.js';
import type { EtcdSettings } from '../../../src/quorum/quorum-config.js';
import type { PublishOutcome } from '../../../src/quorum/fenced-publisher.js';
import type { PersistedGroupTable } from '../../../src/store/persisted-table.js';
import type { EtcdCluster } from '../../helpers/etcd-cluster.js';

let prefixCount = 0;

/** uniquePrefix — a fresh key prefix, so tests sharing one etcd never see each other's keys. */
export function uniquePrefix(name: string): string {
  prefixCount += 1;
  return `/tair-cs-test/${name}-${process.pid}-${prefixCount}`;
}

/** etcdSettings — settings for the cluster's members under a fresh prefix (add tls and auth for a cluster that needs them). */
export function etcdSettings(
  cluster: EtcdCluster,
  name: string,
  leaseTtlMs = 2000,
  access: Pick<EtcdSettings, 'tls' | 'auth'> = { tls: null, auth: null },
): EtcdSettings {
  return { endpoints: cluster.clientUrls, prefix: uniquePrefix(name), leaseTtlMs, ...access };
}

/** CoordinatorSet — the coordinators a test made. */
export class CoordinatorSet {
  readonly coordinators: QuorumCoordinator[] = [];
  private readonly dirs: string[] = [];
  private readonly dataDirs = new Map<QuorumCoordinator, string>();

  constructor(readonly settings: EtcdSettings) {}

  /** add — a started coordinator with address 127.0.0.1:<5000 + index>; `dataDir` reuses a directory. */
  async add(options: Partial<QuorumCoordinatorOptions> = {}, settings: Partial<EtcdSettings> = {}): Promise<QuorumCoordinator> {
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tair-cs-quorum-')));
    if (!options.dataDir) this.dirs.push(dataDir);
    const address = options.address ?? `127.0.0.1:${5000 + this.coordinators.length}`;
    const coordinator = await QuorumCoordinator.connect({ ...this.settings, ...settings }, { ...options, address, dataDir });
    coordinator.on('problem', () => undefined);
    this.coordinators.push(coordinator);
    this.dataDirs.set(coordinator, dataDir);
    return coordinator;
  }

  /** addLeader — a started coordinator, once it leads (the first one added to an empty service does). */
  async addLeader(options: Partial<QuorumCoordinatorOptions> = {}): Promise<QuorumCoordinator> {
    const leader = await this.add(options);
    leader.start();
    await waitFor(() => leader.isLeader(), 10_000, 'a leader');
    return leader;
  }

  /** dataDirOf — where a coordinator keeps its local copies. */
  dataDirOf(coordinator: QuorumCoordinator): string {
    return this.dataDirs.get(coordinator) as string;
  }

  /** leaders — the coordinators that hold the office now. */
  leaders(): QuorumCoordinator[] {
    return this.coordinators.filter((coordinator) => coordinator.isLeader());
  }

  /** closeAll — stop every coordinator and remove the data dirs. */
  async closeAll(): Promise<void> {
    await Promise.all(this.coordinators.map((coordinator) => coordinator.stop().catch(() => undefined)));
    this.coordinators.length = 0;
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** waitFor — polls `check` until it returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * publishSurely — stamp and publish as a host would: when the leader was suspended for a moment
 * (a lease not renewed in time on a loaded machine) or etcd did not answer, wait for the office
 * to resume and save again (a landed earlier try then answers 'already-committed'). For tests
 * about what is published, not about lease timing.
 */
export async function publishSurely(leader: QuorumCoordinator, table: PersistedGroupTable, triesMax = 4): Promise<PublishOutcome> {
  let outcome: PublishOutcome = { ok: false, reason: 'not-leader', message: 'not tried' };
  for (let attempt = 0; attempt < triesMax; attempt++) {
    if (attempt > 0) await waitFor(() => leader.isLeader(), 10_000, `the leader to resume (last outcome: ${outcome.ok ? 'ok' : outcome.message})`);
    leader.stampEpoch(table);
    outcome = await leader.publish(table);
    if (outcome.ok || outcome.reason === 'stale-epoch' || outcome.reason === 'deposed') return outcome;
  }
  return outcome;
}
