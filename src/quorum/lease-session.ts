/**
 * lease-session — one etcd lease kept alive by our own loop, with a local view of how long it
 * is surely still alive:
 *
 *   grant (TTL) ──▶ keepalive every TTL/4, each with a deadline of TTL/8; a failed one is tried again
 *                   after 50 ms (each try opens a stream to a member picked at random)
 *                     acked ──▶ validUntilMs = time the keepalive was SENT + TTL granted
 *                               (after a lapse: 'renewed' — the lease never ended in etcd)
 *                     TTL 0 / lease unknown ──▶ 'lost' (final: revoked or expired in etcd)
 *   nowMs ≥ validUntilMs without an answer ──▶ 'lapsed': maybe expired, maybe not; keep asking
 *
 * The lease expires in etcd no earlier than validUntilMs (its TTL restarted when etcd received
 * a keepalive, after we sent it), so "valid" here is conservative. A lapse is not a loss: while
 * etcd elects a raft leader or lacks a quorum nobody can renew a lease, and etcd extends every
 * lease when it has a leader again — then our next keepalive is answered and the lease is ours
 * as before. A process that was stopped (SIGSTOP, a stalled host) sees the lapse at its first
 * timer, and its next keepalive learns whether the lease survived. Fencing never relies on this
 * view — publications compare on the lease's key in etcd (fenced-publisher.ts) — it only lets
 * the host stop acting early.
 */
import { EventEmitter } from 'node:events';
import type { Etcd3, Lease } from 'etcd3';

/** LeaseContact — the outcome of one keepalive, for the health view. */
export interface LeaseContact {
  ok: boolean;
  atMs: number;
  error?: string;
}

/** LeaseSessionEvents — what a session reports. */
export interface LeaseSessionEvents {
  lost: [reason: string];
  lapsed: [];
  renewed: [];
  contact: [LeaseContact];
}

const lostReason = 'the lease was revoked or expired in etcd';
/** retryPauseMs — after a failed keepalive: a breath, then the next try (bounded by the keepalive deadline). */
const retryPauseMs = 50;

/** LeaseSession — see the file comment. */
export class LeaseSession extends EventEmitter<LeaseSessionEvents> {
  /** leaseId — the lease's id as a decimal string (after open). */
  leaseId = '';
  /** grantedTtlMs — the TTL etcd granted (it may raise a short one to its minimum). */
  grantedTtlMs = 0;
  /** validUntilMs — until when the lease is surely alive in etcd (our clock). */
  validUntilMs = 0;
  private lease: Lease | null = null;
  private timer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private lostReason: string | null = null;
  private lapsed = false;

  constructor(
    private readonly client: Etcd3,
    private readonly ttlMs: number,
    private readonly nowMs: () => number,
  ) {
    super();
  }

  /** lost — true once the lease is gone (final). */
  get lost(): boolean {
    return this.lostReason !== null;
  }

  /** open — grant the lease and confirm it with a first keepalive; throws when etcd does not answer in time. */
  async open(): Promise<void> {
    const ttlSeconds = Math.max(1, Math.round(this.ttlMs / 1000));
    const lease = this.client.lease(ttlSeconds, { autoKeepAlive: false, deadline: new Date(Date.now() + this.ttlMs) });
    this.lease = lease;
    lease.on('lost', () => undefined);
    this.leaseId = await lease.grant();
    await this.keepalive();
    if (this.validUntilMs === 0) throw new Error(this.lostReason ?? 'etcd did not confirm the new lease in time');
  }

  /** isValid — the lease is surely alive at `nowMs`. */
  isValid(nowMs = this.nowMs()): boolean {
    return !this.lost && nowMs < this.validUntilMs;
  }

  /** close — stop the keepalives and revoke the lease (its keys go at once); best effort within a TTL. */
  async close(): Promise<void> {
    this.markLost('closed');
    const lease = this.lease;
    this.lease = null;
    if (!lease || this.leaseId === '') return;
    await lease.revoke({ deadline: new Date(Date.now() + this.ttlMs) }).catch(() => undefined);
  }

  /** abandon — stop the keepalives without revoking: the lease expires in etcd by itself. */
  abandon(reason: string): void {
    this.markLost(reason);
    this.lease?.release();
    this.lease = null;
  }

  private async keepalive(): Promise<void> {
    const lease = this.lease;
    if (!lease || this.lost) return;
    const ttlMs = this.grantedTtlMs > 0 ? this.grantedTtlMs : this.ttlMs;
    const intervalMs = Math.max(100, ttlMs / 4);
    const sentAtMs = this.nowMs();
    this.checkExpiry();
    try {
      const response = await lease.keepaliveOnce({ deadline: new Date(Date.now() + Math.max(100, ttlMs / 8)) });
      const ttlSeconds = Number(response.TTL);
      if (!(ttlSeconds > 0)) return this.markLost(lostReason);
      this.grantedTtlMs = ttlSeconds * 1000;
      this.validUntilMs = Math.max(this.validUntilMs, sentAtMs + this.grantedTtlMs);
      this.armExpiry();
      this.emit('contact', { ok: true, atMs: this.nowMs() });
      if (this.lapsed && this.isValid()) {
        this.lapsed = false;
        this.emit('renewed');
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/lease.*(not found|expired|invalid)/i.test(message) || error?.constructor?.name === 'EtcdLeaseInvalidError') {
        return this.markLost(lostReason);
      }
      this.emit('contact', { ok: false, atMs: this.nowMs(), error: message });
      this.checkExpiry();
      // Each keepalive opens a stream to a member picked at random, and a hung member is not
      // remembered for streams: ask again at once, most likely another member.
      return this.schedule(this.nowMs() + retryPauseMs);
    }
    this.schedule(sentAtMs + intervalMs);
  }

  /** schedule — the next keepalive at `atMs`. */
  private schedule(atMs: number): void {
    if (this.lost) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.keepalive();
      },
      Math.max(0, atMs - this.nowMs()),
    );
  }

  /** armExpiry — a check at validUntilMs, independent of keepalives in flight, so a lapse is noticed on time. */
  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = null;
        if (!this.checkExpiry()) this.armExpiry();
      },
      Math.max(1, this.validUntilMs - this.nowMs()),
    );
  }

  /** checkExpiry — report a lapse once validUntilMs has passed; true when lapsed. */
  private checkExpiry(): boolean {
    if (this.lost || this.validUntilMs === 0 || this.nowMs() < this.validUntilMs) return false;
    if (!this.lapsed) {
      this.lapsed = true;
      this.emit('lapsed');
    }
    return true;
  }

  private markLost(reason: string): void {
    if (this.lostReason !== null) return;
    this.lostReason = reason;
    if (this.timer) clearTimeout(this.timer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.timer = null;
    this.expiryTimer = null;
    if (reason !== 'closed') this.emit('lost', reason);
  }
}
