/**
 * connection-budget — how many connections a listener holds, in total and per source address,
 * and who makes room when it is full (the TCP listener and the HTTP surface share it):
 *
 *   newcomer from A ─▶ A already holds perAddressMax ─────────────────────▶ refused
 *                   └▶ total below totalMax ──────────────────────────────▶ admitted
 *                   └▶ full: the address holding the most (B) holds more ─▶ B's oldest connection
 *                      than A would after admission                         is closed, A admitted
 *                   └▶ full, and A is (one of) the largest holders ───────▶ refused
 *
 * So one address (or a few) flooding the listener can never lock out everybody else: every
 * newcomer from a smaller holder takes the place of the flood's oldest connection. Finding the
 * largest holder walks the addresses, only when full (at most totalMax of them).
 */

/** BudgetVerdict — admitted (possibly at the cost of `evicted`), or refused with the reason. */
export type BudgetVerdict<T> = { admitted: true; evicted: T | null } | { admitted: false; reason: string };

/** ConnectionBudget — see the file comment; `T` is whatever the listener tracks per connection. */
export class ConnectionBudget<T> {
  /** byAddress — each address's connections, oldest first (Set keeps insertion order). */
  private readonly byAddress = new Map<string, Set<T>>();
  private total = 0;

  constructor(
    readonly totalMax: number,
    readonly perAddressMax: number,
  ) {}

  /** size — connections held. */
  get size(): number {
    return this.total;
  }

  /** countOf — connections held for `address`. */
  countOf(address: string): number {
    return this.byAddress.get(address)?.size ?? 0;
  }

  /** admit — take `item` from `address` if the budget allows; an evicted item is already released. */
  admit(address: string, item: T): BudgetVerdict<T> {
    const own = this.byAddress.get(address);
    const ownCount = own?.size ?? 0;
    if (ownCount >= this.perAddressMax) return { admitted: false, reason: `${address} already holds ${ownCount} connections (the limit per address)` };
    let evicted: T | null = null;
    if (this.total >= this.totalMax) {
      const largest = this.largestHolder();
      if (!largest || largest.items.size <= ownCount + 1) return { admitted: false, reason: `all ${this.totalMax} connections are taken` };
      evicted = largest.items.values().next().value as T;
      this.release(largest.address, evicted);
    }
    const set = own ?? new Set<T>();
    if (!own) this.byAddress.set(address, set);
    set.add(item);
    this.total += 1;
    return { admitted: true, evicted };
  }

  /** release — `item` from `address` is gone (closed); releasing twice is harmless. */
  release(address: string, item: T): void {
    const set = this.byAddress.get(address);
    if (!set?.delete(item)) return;
    this.total -= 1;
    if (set.size === 0) this.byAddress.delete(address);
  }

  private largestHolder(): { address: string; items: Set<T> } | null {
    let best: { address: string; items: Set<T> } | null = null;
    for (const [address, items] of this.byAddress) if (!best || items.size > best.items.size) best = { address, items };
    return best;
  }
}
