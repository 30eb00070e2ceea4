/**
 * replay-guard — a signed request counts once: its clock must be within the window of ours and
 * its nonce must be new. Nonces are remembered for two windows after they arrive (a request
 * stamped up to one window ahead of our clock stays valid that long), in arrival order, so the
 * oldest are forgotten first and forgetting is a walk from the front of the map.
 *
 *   |timeMs − nowMs| > window            ─▶ 'stale'
 *   nonce seen within its two windows    ─▶ 'replayed'
 *   nonceCountMax remembered and none     ─▶ 'busy' (never forget a live nonce: that would let a
 *   old enough to forget                      replay through)
 *   else                                  ─▶ 'fresh', nonce remembered
 */

/** ReplayVerdict — whether a signed request's stamp may be used. */
export type ReplayVerdict = 'fresh' | 'stale' | 'replayed' | 'busy';

/** ReplayGuard — see the file comment. */
export class ReplayGuard {
  /** nonces — nonce → the wall time (ms) until which it is remembered; insertion order = arrival order. */
  private readonly nonces = new Map<bigint, number>();

  constructor(
    private readonly windowMs: number,
    private readonly nonceCountMax: number,
  ) {}

  /** size — nonces remembered now. */
  get size(): number {
    return this.nonces.size;
  }

  /** admit — judge a stamp at wall time `nowMs`; a fresh one is remembered. */
  admit(timeMs: number, nonce: bigint, nowMs: number): ReplayVerdict {
    if (Math.abs(timeMs - nowMs) > this.windowMs) return 'stale';
    this.forgetExpired(nowMs);
    const until = this.nonces.get(nonce);
    if (until !== undefined) return 'replayed';
    if (this.nonces.size >= this.nonceCountMax) return 'busy';
    this.nonces.set(nonce, nowMs + 2 * this.windowMs);
    return 'fresh';
  }

  private forgetExpired(nowMs: number): void {
    for (const [nonce, until] of this.nonces) {
      if (until > nowMs) return;
      this.nonces.delete(nonce);
    }
  }
}
