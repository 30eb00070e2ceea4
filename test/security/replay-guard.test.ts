/**
 * Replays: a signed stamp counts once within its window, stale stamps never, and the nonce table
 * never grows past its bound (when full of live nonces, new requests wait rather than a live
 * nonce being forgotten).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ReplayGuard } from '../../src/security/replay-guard.js';

describe('replay guard', () => {
  test('a nonce counts once; outside the window a stamp is stale', () => {
    const guard = new ReplayGuard(1000, 100);
    expect(guard.admit(10_000, 1n, 10_000)).toBe('fresh');
    expect(guard.admit(10_000, 1n, 10_500)).toBe('replayed');
    expect(guard.admit(10_000, 1n, 11_001)).toBe('stale');
    expect(guard.admit(12_500, 2n, 11_000)).toBe('stale');
    expect(guard.admit(11_900, 2n, 11_000)).toBe('fresh');
  });

  test('every sequence: no stamp is admitted twice while valid, and the table stays bounded', () => {
    const step = fc.record({
      advanceMs: fc.integer({ min: 0, max: 400 }),
      skewMs: fc.integer({ min: -1500, max: 1500 }),
      nonce: fc.integer({ min: 0, max: 40 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const windowMs = 1000;
        const guard = new ReplayGuard(windowMs, 16);
        const admitted = new Map<number, number>();
        let nowMs = 1_000_000;
        for (const { advanceMs, skewMs, nonce } of steps) {
          nowMs += advanceMs;
          const timeMs = nowMs + skewMs;
          const verdict = guard.admit(timeMs, BigInt(nonce), nowMs);
          if (Math.abs(skewMs) > windowMs) expect(verdict).toBe('stale');
          if (verdict === 'fresh') {
            const earlier = admitted.get(nonce);
            // The same nonce may come back only once the earlier stamp could no longer be valid.
            if (earlier !== undefined) expect(nowMs - earlier).toBeGreaterThanOrEqual(2 * windowMs);
            admitted.set(nonce, nowMs);
          }
          expect(guard.size).toBeLessThanOrEqual(16);
        }
      }),
    );
  });

  test('full of live nonces: busy, and free again once they expire', () => {
    const guard = new ReplayGuard(1000, 3);
    for (const nonce of [1n, 2n, 3n]) expect(guard.admit(0, nonce, 0)).toBe('fresh');
    expect(guard.admit(0, 4n, 0)).toBe('busy');
    expect(guard.admit(1500, 4n, 2000)).toBe('fresh');
    expect(guard.size).toBe(1);
  });
});
