/**
 * timer-source — the clock and timers a component runs on, injectable so tests drive time
 * themselves (test/helpers/manual-timers.ts) instead of sleeping.
 */

/** TimerHandle — what `setTimeout` returns, to cancel it. */
export type TimerHandle = unknown;

/** TimerSource — monotonic milliseconds and one-shot timers. */
export interface TimerSource {
  nowMs(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** systemTimers — performance.now and Node's timers (unref'd: they never keep a process alive alone). */
export const systemTimers: TimerSource = {
  nowMs: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
