/**
 * turn-budget — how much table content the heartbeat replies of one event-loop turn may carry.
 *
 * When a thousand data servers need a new view at once, their heartbeats tend to arrive in the
 * same poll: encoding and writing every view there would make the heartbeats behind them (other
 * connections, which need nothing) wait for all of it. With a budget, the replies of a turn carry
 * content until it is spent (the first one always may); a reply that would carry content after
 * that is deferred to a later turn (setImmediate, after the poll's I/O callbacks), where deferred
 * replies go first, in arrival order, each turn until its budget is spent again. Heartbeats that
 * need no content are answered at once meanwhile. (The request handler answers a reply that
 * waited longer than contentDeferMsMax without content: the peer gets it at its next beat.)
 *
 *   poll: heartbeat ─▶ needs content? ─ no ──────────────────────────▶ answered now
 *                                      └ yes ─▶ budget open ─▶ answered now, budget charged
 *                                               budget spent ─▶ deferred ─▶ next turn(s)
 */

/** TurnBudget — see the file comment. */
export class TurnBudget {
  private spent = 0;
  private turnPending = false;
  private readonly deferred: (() => void)[] = [];
  private deferredHead = 0;

  /**
   * @param unitsMax content per turn (bytes).
   * @param deferredCountMax replies waiting for a later turn; past it `defer` refuses (the caller answers without content).
   */
  constructor(
    private readonly unitsMax: number,
    private readonly deferredCountMax: number,
    private readonly nextTurn: (callback: () => void) => void = (callback) => setImmediate(callback),
  ) {}

  /** open — whether content may still go out in this turn. */
  open(): boolean {
    return this.spent < this.unitsMax;
  }

  /** openNow — whether a reply arriving now may carry content at once (open, and no deferred reply is ahead of it). */
  openNow(): boolean {
    return this.open() && this.waiting === 0;
  }

  /** waiting — replies deferred to a later turn. */
  get waiting(): number {
    return this.deferred.length - this.deferredHead;
  }

  /** charge — content of `units` went out in this turn. */
  charge(units: number): void {
    this.spent += units;
    this.scheduleTurn();
  }

  /** defer — run `reply` in a later turn, before that turn's other content; false when too many wait. */
  defer(reply: () => void): boolean {
    if (this.waiting >= this.deferredCountMax) return false;
    this.deferred.push(reply);
    this.scheduleTurn();
    return true;
  }

  private scheduleTurn(): void {
    if (this.turnPending) return;
    this.turnPending = true;
    this.nextTurn(() => this.turn());
  }

  private turn(): void {
    this.turnPending = false;
    this.spent = 0;
    while (this.waiting > 0 && this.spent < this.unitsMax) {
      const reply = this.deferred[this.deferredHead] as () => void;
      this.deferredHead += 1;
      reply();
    }
    if (this.deferredHead === this.deferred.length) {
      this.deferred.length = 0;
      this.deferredHead = 0;
    } else if (this.deferredHead > 1024) {
      this.deferred.splice(0, this.deferredHead);
      this.deferredHead = 0;
    }
    if (this.waiting > 0) this.scheduleTurn();
  }
}
