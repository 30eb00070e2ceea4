/**
 * manual-clock — a Clock (src/common/clock.ts) that moves only when the test says so: `advance`
 * walks time forward, firing due timers in order, and between firings lets the event loop run
 * (so real sockets and files the fired work started can answer). No fixed sleeps in the tests
 * that use it: time is what the test makes it.
 */
import type { Cancel, Clock } from '../../src/common/clock.js';

interface Timer {
  dueMs: number;
  periodMs: number | null;
  fn: () => void;
}

/** ManualClock — see the file comment. */
export class ManualClock implements Clock {
  private now = 0;
  private readonly timers = new Set<Timer>();

  nowMs(): number {
    return this.now;
  }

  every(periodMs: number, fn: () => void): Cancel {
    return this.add({ dueMs: this.now + periodMs, periodMs, fn });
  }

  after(delayMs: number, fn: () => void): Cancel {
    return this.add({ dueMs: this.now + delayMs, periodMs: null, fn });
  }

  /** advance — move `durationMs` forward, firing what falls due (earliest first), yielding after each. */
  async advance(durationMs: number): Promise<void> {
    const endMs = this.now + durationMs;
    for (;;) {
      let next: Timer | null = null;
      for (const timer of this.timers) if (timer.dueMs <= endMs && (!next || timer.dueMs < next.dueMs)) next = timer;
      if (!next) break;
      this.now = Math.max(this.now, next.dueMs);
      if (next.periodMs === null) this.timers.delete(next);
      else next.dueMs += next.periodMs;
      next.fn();
      await yieldToIo();
    }
    this.now = endMs;
    await yieldToIo();
  }

  /** advanceUntil — advance in `stepMs` steps until `done()` holds (at most `limitMs` of clock time); the clock time it took. */
  async advanceUntil(done: () => boolean, stepMs: number, limitMs: number): Promise<number> {
    const startMs = this.now;
    while (!done()) {
      if (this.now - startMs >= limitMs) throw new Error(`not done within ${limitMs} ms of clock time`);
      await this.advance(stepMs);
    }
    return this.now - startMs;
  }

  private add(timer: Timer): Cancel {
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }
}

/** yieldToIo — let pending I/O callbacks and the promises they resolve run. */
async function yieldToIo(): Promise<void> {
  for (let round = 0; round < 3; round++) await new Promise((resolve) => setImmediate(resolve));
}
