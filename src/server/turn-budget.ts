/**
 * turn-budget — how much table content the heartbeat replies of one event-loop turn may carry.
 *
 * When a thousand data servers need a new view at once, their heartbeats tend to arrive in the
 * same poll: encoding and writing every view there would make the heartbeats behind them (other
 * connections, which need nothing) wait for all of it. With a budget, the first replies of a turn
 * carry content until it is spent (the first one always may), the rest go without and the data
 * server gets its content at its next beat; the budget starts over at the next turn (setImmediate,
 * after the poll's I/O callbacks).
 */

/** TurnBudget — see the file comment. */
export class TurnBudget {
  private spent = 0;
  private resetPending = false;

  constructor(
    private readonly unitsMax: number,
    private readonly nextTurn: (callback: () => void) => void = (callback) => setImmediate(callback),
  ) {}

  /** open — whether content may still go out in this turn. */
  open(): boolean {
    return this.spent < this.unitsMax;
  }

  /** charge — content of `units` went out in this turn. */
  charge(units: number): void {
    this.spent += units;
    if (this.resetPending) return;
    this.resetPending = true;
    this.nextTurn(() => {
      this.spent = 0;
      this.resetPending = false;
    });
  }
}
