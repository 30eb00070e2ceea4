/**
 * backoff — waits between retries that grow and spread out, so many peers retrying one server do
 * not come back in step (a restarted config server is not hit by every data server at once):
 *
 *   attempt n (1, 2, …):  ceiling = min(capMs, baseMs · 2^(n−1))
 *                         delay   = ceiling · (1/2 + random/2)        ("equal jitter": never below half)
 */

/** BackoffOptions — the first ceiling, the largest, and the random source (0 ≤ random() < 1). */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

/** Backoff — the delay before each next attempt; `reset` after a success. */
export class Backoff {
  private attempts = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.random = options.random ?? Math.random;
  }

  /** failures — attempts that failed since the last reset. */
  get failures(): number {
    return this.attempts;
  }

  /** next — the delay before the next attempt (counts one more failure). */
  next(): number {
    this.attempts += 1;
    return backoffDelayMs(this.attempts, this.options, this.random());
  }

  /** reset — it worked: the next failure starts from the base again. */
  reset(): void {
    this.attempts = 0;
  }
}

/** backoffDelayMs — the delay after `attempt` failures (see the file comment), for a draw `random` in [0, 1). */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: number): number {
  // 2^30 already exceeds any cap; the exponent is bounded so the product stays finite.
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling * (0.5 + random / 2));
}
