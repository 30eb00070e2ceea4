/**
 * quorum-coordinator — quorum mode for one config server: any number of them form one service
 * whose leader is elected in etcd and whose tables are committed there. This is the interface
 * the host (src/server/config-server.ts) plugs in beside or instead of the pair (src/pair):
 *
 *   host start:  loadLocal(groups) ─▶ serve those tables read-only (etcd may be unreachable)
 *                start()           ─▶ campaign + follow, in the background, retrying until etcd answers
 *   events:      'elected' (epoch) ─▶ the cluster becomes primary; held tables are current
 *                'deposed' (reason) ─▶ the cluster becomes secondary at once: build nothing more
 *                                      (a lease not renewed for a TTL suspends the office: if etcd
 *                                      renews it after all, 'elected' follows with the same epoch)
 *                'table' (committed) ─▶ a newer version learned from etcd (never our own publication):
 *                                       a follower saves it, installs it (like the pair's follower)
 *                'groupConf' (text) ─▶ a follower mirrors it to its group.conf file and reloads
 *                'leader', 'health', 'problem' ─▶ status and logs
 *   saving:      stampEpoch(table) before the local save; beforePublish(request) after it, before
 *                the views are installed — true only once etcd committed it under our epoch
 *   admin edit:  publishGroupConf(text) on the leader first, then write the file (the file mirrors etcd)
 *   stop():      resign (the lease is revoked: a successor needs no TTL), stop watching, close
 *
 *   ┌──────────── QuorumCoordinator ────────────┐
 *   │ LeaderElection ─ LeaseSession (keepalive) │──▶ P/election, P/epoch, P/leader
 *   │ FencedPublisher (records, snapshots)      │──▶ P/groups/<g>/head|records|snapshots, P/group.conf
 *   │ TableFollower ─ table-reader              │◀── watch P/
 *   │ held tables ─▶ LocalCopyWriter            │──▶ data_dir/quorum/<g>.qtable
 *   │ QuorumCodec ─▶ worker thread: checksums, diffs, snapshots, applying records, loading copies
 *   └───────────────────────────────────────────┘
 *
 * Tables this coordinator hands out ('table' events, committed(), loadLocal()) have their arrays
 * in SharedArrayBuffers (the codec worker built them); treat them as read-only, like every
 * published table.
 */
import { EventEmitter } from 'node:events';
import type { Etcd3 } from 'etcd3';
import type { PersistRequest } from '../cluster/types.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import type { TableRecord } from '../cluster/persisted-group-table.js';
import { tableOfRecord } from '../cluster/persisted-group-table.js';
import { replayLog } from '../store/log-replay.js';
import { checkEtcdAccess, refusalOf } from './etcd-access.js';
import { createEtcdClient } from './etcd-client.js';
import type { PublishOutcome, PublisherOptions } from './fenced-publisher.js';
import { defaultPublisherOptions, FencedPublisher } from './fenced-publisher.js';
import { LeaderElection } from './leader-election.js';
import { LocalCopyWriter } from './local-copy.js';
import { QuorumCodec } from './quorum-codec.js';
import type { EtcdSettings } from './quorum-config.js';
import type { EtcdReach, QuorumHealth, QuorumRole } from './quorum-health.js';
import { HealthTracker } from './quorum-health.js';
import { QuorumKeys } from './quorum-keys.js';
import type { CommittedTable } from './table-reader.js';
import type { LeaderInfo } from './table-follower.js';
import { TableFollower } from './table-follower.js';

/** QuorumCoordinatorOptions — who this server is and where its local copies go. */
export interface QuorumCoordinatorOptions {
  /** address — this server's `ip:port`, as listed in `[public] config_server`. */
  address: string;
  dataDir: string;
  nowMs?: () => number;
  /** epochFloor — a new leader's epoch is above this too (the highest epoch in the host's table files). */
  epochFloor?: () => bigint;
  publisher?: Partial<Omit<PublisherOptions, 'requestTimeoutMs'>>;
  /** codec — where the O(B·C) work runs (default: a worker of this coordinator's own, closed by stop()). */
  codec?: QuorumCodec;
}

/** QuorumCoordinatorEvents — see the file comment. */
export interface QuorumCoordinatorEvents {
  elected: [epoch: bigint];
  deposed: [reason: string];
  leader: [LeaderInfo | null];
  table: [CommittedTable];
  groupConf: [text: string, revision: string];
  health: [QuorumHealth];
  problem: [message: string];
}

/** QuorumCoordinator — see the file comment. */
export class QuorumCoordinator extends EventEmitter<QuorumCoordinatorEvents> {
  readonly keys: QuorumKeys;
  private readonly held = new Map<string, CommittedTable>();
  private readonly election: LeaderElection;
  private readonly follower: TableFollower;
  private readonly publisher: FencedPublisher;
  private readonly copies: LocalCopyWriter;
  private readonly tracker: HealthTracker;
  /** codec — the O(B·C) work of publishing and following, off the event loop (quorum-codec.ts). */
  readonly codec: QuorumCodec;
  private readonly nowMs: () => number;
  private role: QuorumRole = 'starting';
  private leaderInfo: LeaderInfo | null = null;
  private lastProblem: string | null = null;
  private followLoop: Promise<void> = Promise.resolve();
  private running = false;
  /** refusalsReported — endpoints whose refusal was reported since etcd last answered a keepalive. */
  private readonly refusalsReported = new Set<string>();
  private checkingAccess = false;

  /** connect — a coordinator with its own etcd client (TLS and auth files read now). */
  static async connect(settings: EtcdSettings, options: QuorumCoordinatorOptions): Promise<QuorumCoordinator> {
    const [client, probeClient] = await Promise.all([createEtcdClient(settings), createEtcdClient(settings, { probe: true })]);
    return new QuorumCoordinator(client, settings, options, { probeClient, ownsClients: true });
  }

  /** constructor — `clients.probeClient` answers health probes (default: `client`); owned clients are closed by stop(). */
  constructor(
    private readonly client: Etcd3,
    private readonly settings: EtcdSettings,
    private readonly options: QuorumCoordinatorOptions,
    private readonly clients: { probeClient?: Etcd3; ownsClients?: boolean } = {},
  ) {
    super();
    this.keys = new QuorumKeys(settings.prefix);
    this.codec = options.codec ?? new QuorumCodec();
    this.nowMs = options.nowMs ?? (() => performance.now());
    const requestTimeoutMs = settings.leaseTtlMs;
    this.tracker = new HealthTracker(
      () => this.probeStatus(),
      () => this.emit('health', this.health()),
    );
    this.election = new LeaderElection(client, this.keys, {
      address: options.address,
      leaseTtlMs: settings.leaseTtlMs,
      nowMs: this.nowMs,
      epochFloor: () => this.epochFloor(),
    });
    this.election.on('contact', (ok, error) => {
      this.tracker.contact(ok, this.nowMs());
      if (ok) this.refusalsReported.clear();
      else if (refusalOf(error)) this.reportRefusal();
    });
    this.election.on('elected', (office) => void this.onElected(office.epoch));
    this.election.on('deposed', (reason) => this.setRole('follower', () => this.emit('deposed', reason)));
    this.follower = new TableFollower({ client, codec: this.codec, keys: this.keys, held: this.held, requestTimeoutMs });
    this.follower.on('table', (committed) => this.onCommitted(committed));
    this.follower.on('groupConf', (text, revision) => this.emit('groupConf', text, revision));
    this.follower.on('leader', (leader) => {
      this.leaderInfo = leader;
      this.emit('leader', leader);
    });
    this.follower.on('problem', (message) => this.problem(message));
    this.publisher = new FencedPublisher(
      {
        client,
        keys: this.keys,
        codec: this.codec,
        leadership: () => this.election.leadership(),
        depose: (reason) => this.election.depose(reason),
        committed: (groupName) => this.held.get(groupName) ?? null,
        catchUp: (groupName) => this.follower.catchUp(groupName),
        committedHere: (committed) => {
          // Our own version: held and copied to disk; no 'table' event (the host made it).
          this.held.set(committed.groupName, committed);
          this.copies.save(committed);
        },
      },
      { ...defaultPublisherOptions, ...options.publisher, requestTimeoutMs },
    );
    this.copies = new LocalCopyWriter(options.dataDir, (groupName, error) => this.problem(`group ${groupName}: cannot save the local copy: ${String(error)}`));
  }

  /** loadLocal — the local copies of these groups (verified), held and returned; no etcd needed. */
  async loadLocal(groupNames: readonly string[]): Promise<CommittedTable[]> {
    const loaded: CommittedTable[] = [];
    for (const groupName of groupNames) {
      const { committed, problem } = await this.codec.loadLocalCopy(this.options.dataDir, groupName);
      if (problem) this.problem(problem);
      if (!committed) continue;
      const current = this.held.get(groupName);
      if (!current || current.sequence < committed.sequence) this.held.set(groupName, committed);
      loaded.push(committed);
    }
    return loaded;
  }

  /** start — campaign and follow in the background (each retries until etcd answers). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.setRole('follower', () => undefined);
    this.election.start();
    this.followLoop = this.followForever();
  }

  /** stop — resign, stop following, write pending local copies, close our etcd client. */
  async stop(): Promise<void> {
    this.running = false;
    await this.election.stop();
    await this.follower.stop();
    await this.followLoop;
    await this.copies.idle();
    if (!this.options.codec) await this.codec.close();
    this.setRole('stopped', () => undefined);
    if (this.clients.ownsClients) {
      this.client.close();
      this.clients.probeClient?.close();
    }
  }

  /** isLeader — this server holds the office now (its lease surely alive). */
  isLeader(): boolean {
    return this.election.leadership() !== null;
  }

  /** epoch — our epoch while we lead, else the last leader's we saw. */
  epoch(): bigint {
    return this.election.leadership()?.epoch ?? this.leaderInfo?.epoch ?? 0n;
  }

  /** committed — the newest committed table of a group held here. */
  committed(groupName: string): CommittedTable | null {
    return this.held.get(groupName) ?? null;
  }

  /** liveAddresses — the config servers whose lease lives in etcd, as the watch last saw them. */
  liveAddresses(): Set<string> {
    return this.follower.liveAddresses();
  }

  /** readLiveAddresses — read the candidates from etcd now (a watch on a cut-off member may have missed their changes). */
  readLiveAddresses(): Promise<void> {
    return this.follower.readCandidates();
  }

  /** catchUp — read the group's head in etcd now and hold its table (null: the group has none yet). */
  catchUp(groupName: string): Promise<CommittedTable | null> {
    return this.follower.catchUp(groupName);
  }

  /** stampEpoch — a table about to be saved carries the epoch it is published under. */
  stampEpoch(table: PersistedGroupTable): void {
    const office = this.election.leadership();
    if (office) table.epoch = office.epoch;
  }

  /** publish — commit the table in etcd (fenced); see fenced-publisher.ts for the outcomes. */
  publish(table: PersistedGroupTable): Promise<PublishOutcome> {
    return this.publisher.publish(table);
  }

  /**
   * beforePublish — the host's gate: true once etcd committed the saved table under our epoch.
   * A record of rows is applied to the table last committed (the host's saves are records).
   */
  async beforePublish(request: PersistRequest): Promise<boolean> {
    const table = tableAfter(request.record, this.committed(request.groupName)?.table ?? null);
    if (typeof table === 'string') {
      this.problem(`group ${request.groupName}: saved but not published: ${table}`);
      return false;
    }
    const outcome = await this.publish(table);
    if (!outcome.ok) this.problem(`group ${request.groupName}: saved but not published: ${outcome.message}`);
    return outcome.ok;
  }

  /** publishGroupConf — commit group.conf's text (leader only, fenced). */
  publishGroupConf(text: string): Promise<PublishOutcome> {
    return this.publisher.publishGroupConf(text);
  }

  /** health — see quorum-health.ts. */
  health(): QuorumHealth {
    const sequences: Record<string, number> = {};
    for (const [name, committed] of this.held) sequences[name] = committed.sequence;
    const reach = this.tracker.reach;
    return {
      etcd: reach,
      role: this.role,
      epoch: this.epoch(),
      leader: this.leaderInfo,
      lastContactAgoMs: this.tracker.lastContactMs === null ? null : Math.round(this.nowMs() - this.tracker.lastContactMs),
      readOnly: reach !== 'connected',
      sequences,
      lastProblem: this.lastProblem,
    };
  }

  private async followForever(): Promise<void> {
    let backoffMs = 100;
    while (this.running) {
      try {
        await this.follower.start();
        return;
      } catch (error) {
        if (refusalOf(error)) this.reportRefusal();
        else this.problem(`cannot follow etcd yet: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(this.settings.leaseTtlMs, backoffMs * 2);
      }
    }
  }

  /** onElected — announce the office once every group's head is held (the host then builds on current tables). */
  private async onElected(epoch: bigint): Promise<void> {
    try {
      await this.followLoop;
      await this.follower.resync();
    } catch (error) {
      this.problem(`elected, but cannot read the committed tables: ${error instanceof Error ? error.message : String(error)}`);
      this.election.depose('cannot read the committed tables');
      return;
    }
    if (this.election.leadership()?.epoch !== epoch) return;
    this.setRole('leader', () => this.emit('elected', epoch));
  }

  private onCommitted(committed: CommittedTable): void {
    this.copies.save(committed);
    this.emit('table', committed);
  }

  private setRole(role: QuorumRole, announce: () => void): void {
    const changed = role !== this.role;
    this.role = role;
    announce();
    if (changed) this.emit('health', this.health());
  }

  private problem(message: string): void {
    this.lastProblem = message;
    this.emit('problem', message);
  }

  private async probeStatus(): Promise<EtcdReach> {
    try {
      await (this.clients.probeClient ?? this.client).maintenance.status({ deadline: new Date(Date.now() + Math.min(1000, this.settings.leaseTtlMs / 2)) });
      return 'no-quorum';
    } catch (error) {
      if (!refusalOf(error)) return 'unreachable';
      this.reportRefusal();
      return 'refused';
    }
  }

  /**
   * reportRefusal — etcd refused our certificate or credentials: ask each endpoint alone (one
   * check at a time) and report each refusing endpoint once, by name, until etcd answers again —
   * a refusal lasts until an operator fixes the configuration, and retries would only repeat it.
   * An endpoint that did not answer the check is asked again at the next refusal.
   */
  private reportRefusal(): void {
    if (this.checkingAccess || !this.running || this.refusalsReported.size === this.settings.endpoints.length) return;
    this.checkingAccess = true;
    void checkEtcdAccess(this.settings)
      .then((answers) => {
        for (const answer of answers) {
          if (answer.refusal === null || this.refusalsReported.has(answer.endpoint)) continue;
          this.refusalsReported.add(answer.endpoint);
          this.problem(answer.message);
        }
      })
      .finally(() => {
        this.checkingAccess = false;
      });
  }

  private epochFloor(): bigint {
    let floor = this.options.epochFloor?.() ?? 0n;
    for (const committed of this.held.values()) if (committed.table.epoch > floor) floor = committed.table.epoch;
    return floor;
  }
}

/** tableAfter — the whole table a record leads to: its tables, or its rows applied to a copy of `base`; a string says why not. */
function tableAfter(record: TableRecord, base: PersistedGroupTable | null): PersistedGroupTable | string {
  const { body } = record;
  if (body.kind === 'tables') return tableOfRecord(record, record.servers ?? [], body);
  if (!base) return 'no committed table to apply the record of changed rows to';
  const table = { ...base, current: base.current.slice(), progress: base.progress.slice(), destination: base.destination.slice() };
  const replay = replayLog(table, [record]);
  return replay.applied === 1
    ? table
    : `the record does not follow the committed table (${replay.problem ?? `record ${record.seq}, committed ${base.recordSeq}`})`;
}
