/**
 * manual-timers — a TimerSource whose time moves only when the test says so: `advance(ms)` runs
 * every timer that falls due, in order, including timers set by the ones it runs.
 */
import type { TimerHandle, TimerSource } from '../../src/common/timer-source.js';

interface Timer {
  id: number;
  dueMs: number;
  callback: () => void;
}

/** ManualTimers — see the file comment. */
export class ManualTimers implements TimerSource {
  private now = 0;
  private nextId = 1;
  private timers: Timer[] = [];

  nowMs(): number {
    return this.now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueMs: this.now + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** pending — timers not run yet. */
  get pending(): number {
    return this.timers.length;
  }

  /** advance — move time forward by `ms`, running what falls due on the way. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.dueMs <= target).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.now = Math.max(this.now, due.dueMs);
      due.callback();
    }
    this.now = target;
  }
}
