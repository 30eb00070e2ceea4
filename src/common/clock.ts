/**
 * clock — time and timers behind one interface, so the config server and its pair can be driven
 * by a test's clock instead of the wall (no fixed sleeps: a test advances time and the due
 * timers fire in order). `systemClock` is the real one: performance.now() and Node's timers.
 */

/** Cancel — stops a timer; calling it twice is harmless. */
export type Cancel = () => void;

/** Clock — see the file comment. */
export interface Clock {
  /** nowMs — monotonic milliseconds. */
  nowMs(): number;
  /** every — call `fn` every `periodMs` until cancelled. */
  every(periodMs: number, fn: () => void): Cancel;
  /** after — call `fn` once, `delayMs` from now, unless cancelled. */
  after(delayMs: number, fn: () => void): Cancel;
}

/** systemClock — performance.now() and setInterval / setTimeout. */
export const systemClock: Clock = {
  nowMs: () => performance.now(),
  every(periodMs, fn) {
    const timer = setInterval(fn, periodMs);
    return () => clearInterval(timer);
  },
  after(delayMs, fn) {
    const timer = setTimeout(fn, delayMs);
    return () => clearTimeout(timer);
  },
};

/** sleep — resolves after `delayMs` on `clock`. */
export function sleep(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => clock.after(delayMs, resolve));
}
