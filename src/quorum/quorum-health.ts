/**
 * quorum-health — what the host shows about quorum mode (status API, metrics, logs):
 *
 *   etcd:  connecting ─first keepalive answered─▶ connected
 *          connected ─a keepalive failed─▶ probe one member's status (no quorum needed to answer)
 *                        answered ─▶ no-quorum     (a member is there, our requests time out)
 *                        refused  ─▶ refused       (a member is there and refuses our TLS
 *                                                   certificate or credentials: etcd-access.ts)
 *                        silent   ─▶ unreachable   (no member answers at all)
 *          any ─a keepalive answered─▶ connected
 *   role:  starting ─▶ follower ⇄ leader ─▶ stopped
 *
 * `readOnly` is true whenever this server cannot reach a working etcd: it then serves the tables
 * it holds (from etcd before, or from its local copies) and publishes nothing.
 */
import type { LeaderInfo } from './table-follower.js';

/** EtcdReach — how this server reaches etcd right now. */
export type EtcdReach = 'connecting' | 'connected' | 'no-quorum' | 'refused' | 'unreachable';
/** QuorumRole — this server's part in the service. */
export type QuorumRole = 'starting' | 'leader' | 'follower' | 'stopped';

/** QuorumHealth — a plain value for the status API. */
export interface QuorumHealth {
  etcd: EtcdReach;
  role: QuorumRole;
  /** epoch — ours while we lead, else the last leader's we saw (0n before any). */
  epoch: bigint;
  leader: LeaderInfo | null;
  /** lastContactAgoMs — since etcd last answered a keepalive (null: never). */
  lastContactAgoMs: number | null;
  readOnly: boolean;
  /** sequences — the committed version held per group. */
  sequences: Record<string, number>;
  lastProblem: string | null;
}

/** HealthTracker — folds keepalive outcomes and status probes into an EtcdReach. */
export class HealthTracker {
  reach: EtcdReach = 'connecting';
  lastContactMs: number | null = null;
  private probing = false;

  constructor(
    /** probe — what a status request (no quorum needed) finds: no-quorum (a member answered), refused or unreachable. */
    private readonly probe: () => Promise<EtcdReach>,
    private readonly changed: () => void,
  ) {}

  /** contact — one keepalive's outcome. */
  contact(ok: boolean, atMs: number): void {
    if (ok) {
      this.lastContactMs = atMs;
      this.set('connected');
      return;
    }
    if (this.probing) return;
    this.probing = true;
    const since = this.lastContactMs;
    // A keepalive answered while we probed is newer news than the probe.
    const settle = (reach: EtcdReach): void => {
      this.probing = false;
      if (this.lastContactMs === since) this.set(reach);
    };
    void this.probe().then(settle, () => settle('unreachable'));
  }

  private set(reach: EtcdReach): void {
    if (reach === this.reach) return;
    this.reach = reach;
    this.changed();
  }
}
