/**
 * leader-election — etcd's election recipe with a term: every config server is a candidate.
 *
 *   ┌─▶ lease (lease-session.ts) ──▶ P/election/<lease> = my address, on the lease (create revision r)
 *   │     wait until no candidate key has a create revision below r (watch the one just below)
 *   │   take office: one txn  if P/election/<lease> still has create revision r
 *   │                              and P/epoch is what we read
 *   │                         then P/epoch = max(read, floor) + 1, P/leader = {address, epoch} on the lease
 *   │   leader ─ until the lease is lost (TTL 0, our key deleted, a publish refused) or stop() ─▶ deposed
 *   │     no keepalive answered for a TTL ─▶ 'deposed' (suspended) ─ answered again ─▶ 'elected',
 *   │     same epoch (the lease lived on in etcd: nobody else can have been elected)
 *   └── (not stopped) campaign again with a new lease
 *
 * The lowest create revision leads and create revisions only grow, so leaders follow each other
 * in one order and each takes a higher epoch. `leadership()` is what a publication compares on:
 * the candidate key with its create revision proves the lease — and so the office — is still held.
 */
import { EventEmitter } from 'node:events';
import type { Etcd3, IKeyValue } from 'etcd3';
import { LeaseSession } from './lease-session.js';
import type { QuorumKeys } from './quorum-keys.js';

/** Leadership — the office as this server holds it. */
export interface Leadership {
  candidateKey: string;
  createRevision: string;
  epoch: bigint;
}

/** LeaderElectionEvents — what an election reports. */
export interface LeaderElectionEvents {
  elected: [Leadership];
  deposed: [reason: string];
  /** contact — the lease's keepalive outcomes (the health view listens). */
  contact: [ok: boolean, error?: string];
}

/** LeaderElectionOptions — who we are and how long a lease lives. */
export interface LeaderElectionOptions {
  address: string;
  leaseTtlMs: number;
  nowMs: () => number;
  /** epochFloor — the next epoch is above this too (e.g. the highest epoch in local table files). */
  epochFloor: () => bigint;
}

const takeOfficeTriesMax = 8;

/** LeaderElection — see the file comment. */
export class LeaderElection extends EventEmitter<LeaderElectionEvents> {
  private session: LeaseSession | null = null;
  private office: Leadership | null = null;
  /** announced — 'elected' was the last of elected/deposed we emitted. */
  private announced = false;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly client: Etcd3,
    private readonly keys: QuorumKeys,
    private readonly options: LeaderElectionOptions,
  ) {
    super();
  }

  /** leadership — the office while this server surely holds it (lease valid), else null. */
  leadership(): Leadership | null {
    return this.office && this.session?.isValid() ? this.office : null;
  }

  /** start — campaign until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.campaignForever();
  }

  /** stop — resign: the lease is revoked, so a successor is elected without waiting for the TTL. */
  async stop(): Promise<void> {
    this.running = false;
    await this.session?.close();
    this.depose('stopped');
    await this.loop;
  }

  /** depose — give up the office now (a publication was refused, or the lease is gone); campaign again. */
  depose(reason: string): void {
    const session = this.session;
    this.office = null;
    if (session && !session.lost) session.abandon(reason);
    this.announce(false, reason);
    this.wake();
  }

  /** announce — 'elected' / 'deposed', each only when it changes what the host was last told. */
  private announce(leading: boolean, reason = ''): void {
    if (leading === this.announced) return;
    this.announced = leading;
    if (leading && this.office) this.emit('elected', this.office);
    else if (!leading) this.emit('deposed', reason);
  }

  private async campaignForever(): Promise<void> {
    let backoffMs = 100;
    while (this.running) {
      try {
        await this.campaignOnce();
        backoffMs = 100;
      } catch (error) {
        // etcd unreachable or without quorum: try again, with a growing pause up to one TTL.
        this.emit('contact', false, error instanceof Error ? error.message : String(error));
        this.depose('etcd did not answer');
        await this.pause(backoffMs);
        backoffMs = Math.min(this.options.leaseTtlMs, backoffMs * 2);
      }
    }
  }

  private async campaignOnce(): Promise<void> {
    const session = new LeaseSession(this.client, this.options.leaseTtlMs, this.options.nowMs);
    this.session = session;
    session.on('lost', (reason) => this.depose(`lease lost: ${reason}`));
    // A lapse suspends the office (the host must stop acting); if etcd then renews the lease, the
    // office never ended there: same key, same epoch, nobody else elected meanwhile.
    session.on('lapsed', () => this.announce(false, 'no keepalive answered for a whole lease TTL'));
    session.on('renewed', () => this.announce(this.office !== null));
    session.on('contact', (contact) => this.emit('contact', contact.ok, contact.error));
    await session.open();
    const key = this.keys.candidate(session.leaseId);
    const created = await this.client
      .if(key, 'Create', '==', 0)
      .then(this.client.put(key).value(this.options.address).lease(session.leaseId))
      .else(this.client.get(key))
      .options(this.deadline())
      .commit();
    const createRevision = created.succeeded ? created.header.revision : created.responses[0].response_range.kvs[0].create_revision;
    while (this.running && !session.lost) {
      const predecessor = await this.predecessorOf(createRevision);
      if (!predecessor) break;
      await this.waitForDelete(predecessor.key, predecessor.revision, session);
    }
    if (!this.running || session.lost) return;
    await this.takeOffice(key, createRevision, session);
    if (!this.office) {
      // Never sit on the lowest candidate key without the office: that would block everyone.
      await session.close();
      return;
    }
    await this.waitForDelete(Buffer.from(key), createRevision, session);
    if (this.running && !session.lost) this.depose('our candidate key was deleted in etcd');
  }

  private async predecessorOf(createRevision: string): Promise<{ key: Buffer; revision: string } | null> {
    const below = BigInt(createRevision) - 1n;
    const result = await this.client
      .getAll()
      .prefix(this.keys.electionPrefix)
      .maxCreateRevision(below.toString())
      .sort('Create', 'Descend')
      .limit(1)
      .options(this.deadline())
      .exec();
    const kv: IKeyValue | undefined = result.kvs[0];
    return kv ? { key: kv.key, revision: result.header.revision } : null;
  }

  /**
   * waitForDelete — until `key` is deleted after `revision`, the lease is lost, or stop(); also
   * re-read every TTL/2 in case the watch missed it (a failed read proves nothing and is ignored).
   */
  private async waitForDelete(key: Buffer, revision: string, session: LeaseSession): Promise<void> {
    // watcher(), not create(): it connects in the background, so an unreachable etcd cannot hang us here.
    const watcher = this.client
      .watch()
      .key(key)
      .startRevision((BigInt(revision) + 1n).toString())
      .only('delete')
      .watcher();
    watcher.on('error', () => undefined);
    try {
      let deleted = false;
      watcher.on('delete', () => {
        deleted = true;
        this.wake();
      });
      while (!deleted && this.running && !session.lost) {
        await this.pause(this.options.leaseTtlMs / 2);
        if (!deleted)
          deleted = !(await this.client
            .get(key.toString())
            .options(this.deadline())
            .exists()
            .catch(() => true));
      }
    } finally {
      // Not awaited: cancelling a watch whose member is cut off waits for an answer that never comes.
      void watcher.cancel().catch(() => undefined);
    }
  }

  private async takeOffice(key: string, createRevision: string, session: LeaseSession): Promise<void> {
    for (let attempt = 0; attempt < takeOfficeTriesMax && this.running && !session.lost; attempt++) {
      const read = await this.client.get(this.keys.epoch).options(this.deadline()).exec();
      const kv = read.kvs[0];
      const current = kv ? BigInt(kv.value.toString()) : 0n;
      const floor = this.options.epochFloor();
      const epoch = (current > floor ? current : floor) + 1n;
      const leader = JSON.stringify({ address: this.options.address, epoch: epoch.toString() });
      const result = await this.client
        .if(key, 'Create', '==', createRevision)
        .and(this.keys.epoch, 'Mod', '==', kv ? kv.mod_revision : '0')
        .then(this.client.put(this.keys.epoch).value(epoch.toString()), this.client.put(this.keys.leader).value(leader).lease(session.leaseId))
        .options(this.deadline())
        .commit();
      if (result.succeeded) {
        this.office = { candidateKey: key, createRevision, epoch };
        if (session.isValid()) this.announce(true);
        return;
      }
      const mine = await this.client.get(key).options(this.deadline()).exec();
      if (mine.kvs.length === 0 || mine.kvs[0].create_revision !== createRevision) {
        session.abandon('our candidate key is gone');
        return;
      }
    }
  }

  private deadline(): { deadline: Date } {
    return { deadline: new Date(Date.now() + this.options.leaseTtlMs) };
  }

  /** pause — `ms`, cut short by wake() (a deletion seen, a loss, stop). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private wake(): void {
    for (const sleeper of [...this.sleepers]) sleeper();
  }
}
