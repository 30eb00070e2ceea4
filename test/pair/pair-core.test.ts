/**
 * PairCore decisions, without I/O: who becomes primary, when a takeover is vetoed, when a primary
 * steps down, and the epoch rules (parity, authority) checked by an independent oracle.
 */
import fc from 'fast-check';
import { epochMax } from '../../src/limits.js';
import { describe, expect, test } from 'vitest';
import type { PairEntryIndex } from '../../src/pair/epoch.js';
import { authorityOf, leaderOf, nextEpochFor } from '../../src/pair/epoch.js';
import { PairCore } from '../../src/pair/pair-core.js';
import { WitnessBoard } from '../../src/pair/witness-board.js';
import type { PairStatus } from '../../src/pair/pair-status.js';
import { decodePairStatus, encodePairStatus } from '../../src/pair/pair-status.js';
import { pairTimings } from '../../src/pair/pair-timings.js';

const timings = pairTimings(1000);

function core(entryIndex: PairEntryIndex, epoch = 0n, takeoverNeedsReport = false): PairCore {
  return new PairCore({ entryIndex, epoch, nowMs: 0, incarnation: 7, timings, takeoverNeedsReport });
}

function status(fields: Partial<PairStatus>): PairStatus {
  return { entryIndex: 1, role: 'secondary', epoch: 0n, syncToken: 0n, handingOver: false, ...fields };
}

/** tickUntil — tick every 50 ms up to `untilMs`; the first decision, with its time. */
function tickUntil(pair: PairCore, fromMs: number, untilMs: number): { atMs: number; kind: string; epoch?: bigint } | null {
  for (let nowMs = fromMs; nowMs <= untilMs; nowMs += 50) {
    const decision = pair.tick(nowMs);
    if (decision) return { atMs: nowMs, kind: decision.kind, ...(decision.kind === 'takeOver' ? { epoch: decision.epoch } : {}) };
  }
  return null;
}

describe('epochs', () => {
  test('the next epoch of an entry is above everything known and led by that entry; authority is the higher epoch, then its leader', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 62n }), fc.constantFrom<PairEntryIndex>(0, 1), (highest, entryIndex) => {
        const next = nextEpochFor(entryIndex, highest);
        expect(next > highest && next <= highest + 2n).toBe(true);
        expect(Number(next % 2n)).toBe(entryIndex);
      }),
    );
    expect(authorityOf({ entryIndex: 0, epoch: 4n }, { entryIndex: 1, epoch: 5n })).toBe(1);
    expect(authorityOf({ entryIndex: 0, epoch: 5n }, { entryIndex: 1, epoch: 5n })).toBe(leaderOf(5n));
    // A server whose table file was corrupt at start ranks below the peer on an equal epoch only.
    expect(authorityOf({ entryIndex: 0, epoch: 4n, tablesLost: true }, { entryIndex: 1, epoch: 4n })).toBe(1);
    expect(authorityOf({ entryIndex: 0, epoch: 4n, tablesLost: true }, { entryIndex: 1, epoch: 3n })).toBe(0);
    expect(authorityOf({ entryIndex: 0, epoch: 4n, tablesLost: true }, { entryIndex: 1, epoch: 4n, tablesLost: true })).toBe(0);
  });

  test('a status survives the wire; a damaged one is refused', () => {
    const sent = status({ entryIndex: 0, role: 'primary', epoch: 12n, syncToken: (7n << 32n) | 3n, handingOver: true, tablesLost: false });
    expect(decodePairStatus(encodePairStatus(sent))).toEqual(sent);
    const damaged = encodePairStatus(sent);
    damaged[7] = 9;
    expect(() => decodePairStatus(damaged)).toThrow(/role/);
    expect(() => decodePairStatus(damaged.subarray(0, 10))).toThrow(/bytes/);
  });
});

describe('starting', () => {
  test('the peer is primary: pull; then, being entry #0 and in sync, ask for the role back', () => {
    const pair = core(0);
    pair.peerReplied(status({ role: 'primary', epoch: 1n, syncToken: 42n }), 100, 100);
    expect(pair.tick(100)?.kind).toBe('pull');
    pair.markSynced(42n);
    expect(pair.serving(150)).toBe(true);
    expect(pair.tick(150)?.kind).toBe('handOver');
  });

  test('both starting at epoch 0: entry #0 resumes, entry #1 waits for it', () => {
    const zero = core(0);
    const one = core(1);
    zero.peerReplied(status({ entryIndex: 1, role: 'starting' }), 100, 100);
    one.peerReplied(status({ entryIndex: 0, role: 'starting' }), 100, 100);
    expect(zero.tick(100)?.kind).toBe('resume');
    expect(one.tick(100)).toBeNull();
    expect(one.waitReason).toMatch(/entry #0 holds the newest state/);
  });

  test('alone: entry #0 resumes its epoch after the peer timeout; entry #1 starts a new one', () => {
    expect(tickUntil(core(0), 0, 3000)).toEqual({ atMs: 1000, kind: 'resume' });
    expect(tickUntil(core(1), 0, 3000)).toEqual({ atMs: 1000, kind: 'takeOver', epoch: 1n });
  });

  test('a data server reports an epoch nobody of the pair announced: ignored, entry #0 alone resumes its own', () => {
    const pair = core(0);
    expect(pair.dataServerSeen(1n, 5n, 'unreachable', 10)).toBe('beyondCeiling');
    expect(pair.dataServerSeen(1n, (1n << 64n) - 1n, 'unreachable', 10)).toBe('beyondCeiling');
    expect(pair.highestEpochSeen).toBe(0n);
    expect(tickUntil(pair, 0, 3000)).toEqual({ atMs: 1000, kind: 'resume' });
  });

  test('the peer announced a newer epoch: a takeover goes above it', () => {
    const pair = core(0);
    pair.peerReplied(status({ entryIndex: 1, role: 'secondary', epoch: 5n }), 0, 0);
    expect(tickUntil(pair, 50, 3000)).toEqual({ atMs: 1000, kind: 'takeOver', epoch: 6n });
  });
});

describe('secondary: takeover and its fencing', () => {
  function syncedSecondary(): PairCore {
    const pair = core(1);
    pair.peerReplied(status({ entryIndex: 0, role: 'primary', syncToken: 9n }), 0, 0);
    pair.markSynced(9n);
    return pair;
  }

  test('the primary silent for the peer timeout and no data server reaching it: take over under epoch 1', () => {
    expect(tickUntil(syncedSecondary(), 50, 5000)).toEqual({ atMs: 1000, kind: 'takeOver', epoch: 1n });
  });

  test('a data server still reaching the primary vetoes the takeover while its report is fresh', () => {
    const pair = syncedSecondary();
    pair.dataServerSeen(1n, 0n, 'unreachable', 900);
    pair.dataServerSeen(2n, 0n, 'reachable', 900);
    expect(tickUntil(pair, 50, 3000)).toBeNull();
    expect(pair.waitReason).toMatch(/1 data server\(s\) still reach the peer/);
    pair.dataServerSeen(2n, 0n, 'unreachable', 3100);
    expect(tickUntil(pair, 3100, 3200)?.kind).toBe('takeOver');
  });

  test('takeover_needs_report: silence alone is not enough', () => {
    const pair = core(1, 0n, true);
    expect(tickUntil(pair, 50, 3000)).toBeNull();
    pair.dataServerSeen(1n, 0n, 'unreachable', 3000);
    expect(tickUntil(pair, 3000, 3100)?.kind).toBe('takeOver');
  });

  test('after our own stall the silence is measured afresh', () => {
    const pair = syncedSecondary();
    expect(pair.tick(500)).toBeNull();
    expect(pair.tick(5000)).toBeNull();
    expect(tickUntil(pair, 5050, 7000)?.atMs).toBe(6000);
  });

  test('pushes: an older epoch is refused, a newer one is taken and adopted', () => {
    const pair = syncedSecondary();
    pair.adoptEpoch(4n);
    expect(pair.considerPush(3n)).toEqual({ accept: false, stepDown: false });
    expect(pair.considerPush(5n)).toEqual({ accept: true, stepDown: false });
    expect(pair.considerPush(4n)).toEqual({ accept: true, stepDown: false });
    expect(pair.adoptEpoch(6n)).toBe(true);
    expect(pair.epoch).toBe(6n);
  });
});

describe('primary', () => {
  function primary(entryIndex: PairEntryIndex = 0, epoch = 0n): PairCore {
    const pair = core(entryIndex, epoch);
    pair.becomePrimary(epoch);
    pair.tick(0);
    return pair;
  }

  test('a higher epoch from the peer: step down; from a data server only up to what the pair announced', () => {
    const fromPeer = primary();
    fromPeer.peerReplied(status({ role: 'primary', epoch: 3n }), 10, 10);
    expect(fromPeer.tick(50)?.kind).toBe('stepDown');
    const fromDataServer = primary();
    expect(fromDataServer.dataServerSeen(1n, 1n, undefined, 10)).toBe('beyondCeiling');
    expect(fromDataServer.dataServerSeen(1n, (1n << 64n) - 1n, undefined, 10)).toBe('beyondCeiling');
    expect(fromDataServer.tick(50)).toBeNull();
    expect(fromDataServer.epochCeiling).toBe(0n);
  });

  test('epochs over the limit are refused from the peer too, and never become ours', () => {
    const pair = primary();
    expect(pair.peerReplied(status({ role: 'primary', epoch: epochMax + 1n }), 10, 10)).toBe(false);
    expect(pair.considerPush((1n << 64n) - 1n)).toEqual({ accept: false, stepDown: false, tooLarge: true });
    pair.refusedByNewerEpoch((1n << 64n) - 1n);
    expect(pair.adoptEpoch((1n << 64n) - 1n)).toBe(false);
    expect(pair.highestEpochSeen).toBe(0n);
    expect(pair.tick(50)).toBeNull();
    const atLimit = core(1, epochMax);
    expect(tickUntil(atLimit, 50, 5000)).toBeNull();
    expect(atLimit.waitReason).toMatch(/over the limit/);
  });

  test('woken from a stall: not serving until a heartbeat sent after the stall is answered', () => {
    const pair = primary();
    pair.tick(100);
    expect(pair.serving(2000)).toBe(false);
    pair.tick(2000);
    expect(pair.verifying).toBe(true);
    pair.peerReplied(status({ role: 'secondary' }), 1990, 2010);
    expect(pair.verifying).toBe(true);
    pair.peerReplied(status({ role: 'secondary' }), 2000, 2020);
    expect(pair.verifying).toBe(false);
    expect(pair.serving(2030)).toBe(true);
  });

  test('the peer follows while it answers; it is in sync only with our current token; a missed push changes the token', () => {
    const pair = primary();
    pair.peerReplied(status({ role: 'secondary', syncToken: pair.token }), 10, 10);
    expect(pair.peerFollows(20)).toBe(true);
    expect(pair.peerSynced(20)).toBe(true);
    pair.pushFailedNow();
    pair.publishedWithoutPeer();
    expect(pair.peerFollows(30)).toBe(false);
    pair.peerReplied(status({ role: 'secondary', syncToken: 0n }), 40, 40);
    expect(pair.peerFollows(50)).toBe(true);
    expect(pair.peerSynced(50)).toBe(false);
    expect(pair.peerFollows(50 + timings.peerTimeoutMs)).toBe(false);
  });

  test('entry #1 hands over: not primary, still serving while it waits for entry #0', () => {
    const pair = primary(1, 1n);
    pair.beginHandover(100);
    expect(pair.role).toBe('secondary');
    expect(pair.serving(150)).toBe(true);
    expect(pair.status(150).handingOver).toBe(true);
    expect(pair.serving(100 + timings.handoverWaitMs + 10)).toBe(false);
  });
});

describe('witness board', () => {
  test('bounded: full of fresh reports, a newcomer is not noted; stale ones make room', () => {
    const board = new WitnessBoard(1000, 3);
    for (const serverId of [1n, 2n, 3n]) expect(board.note(serverId, 'reachable', 0)).toBe(true);
    expect(board.note(4n, 'unreachable', 500)).toBe(false);
    expect(board.note(2n, 'unreachable', 500)).toBe(true);
    expect(board.verdict(500)).toEqual({ reachableCount: 2, unreachableCount: 1 });
    expect(board.note(4n, 'unreachable', 1200)).toBe(true);
    expect(board.size).toBeLessThanOrEqual(3);
    expect(board.verdict(1200)).toEqual({ reachableCount: 0, unreachableCount: 2 });
  });
});

describe('a lost table file at start', () => {
  test('entry #0 with a corrupt table defers to entry #1 on an equal epoch; #1 takes a new epoch and #0 copies from it', () => {
    const lost = new PairCore({ entryIndex: 0, epoch: 2n, nowMs: 0, incarnation: 1, timings, takeoverNeedsReport: false, tablesLost: true });
    const whole = new PairCore({ entryIndex: 1, epoch: 2n, nowMs: 0, incarnation: 2, timings, takeoverNeedsReport: false });
    lost.peerReplied(whole.status(10), 10, 10);
    whole.peerReplied(lost.status(10), 10, 10);
    expect(lost.tick(20)).toBeNull();
    expect(lost.waitReason).toMatch(/entry #1 holds the newest state/);
    expect(whole.tick(20)).toEqual({ kind: 'takeOver', epoch: 3n, reason: expect.any(String) });
    whole.becomePrimary(3n);
    lost.peerReplied(whole.status(30), 30, 30);
    expect(lost.tick(40)?.kind).toBe('pull');
    lost.markSynced(whole.token);
    expect(lost.status(50).tablesLost).toBe(false);
    expect(decodePairStatus(encodePairStatus({ ...lost.status(50), tablesLost: true })).tablesLost).toBe(true);
  });
});
