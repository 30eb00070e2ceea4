/**
 * epoch — the config-server pair's term, and who leads it.
 *
 *   epoch   0   1   2   3   4   …        leader = epoch mod 2 (the entry index in config_server)
 *   leader  #0  #1  #0  #1  #0
 *
 * Epoch 0 is the default arrangement (entry #0 primary). Every change of primary
 * moves to the next epoch whose parity names the new primary, so an epoch number alone says who
 * may publish under it: two servers can never both lead one epoch, and a higher epoch always
 * wins. A server only ever moves its own epoch upward, and persists it before acting on it.
 */

/** PairEntryIndex — a server's position in `[public] config_server`: 0 default primary, 1 the other. */
export type PairEntryIndex = 0 | 1;

/** leaderOf — the entry index that leads `epoch`. */
export function leaderOf(epoch: bigint): PairEntryIndex {
  return epoch % 2n === 0n ? 0 : 1;
}

/** nextEpochFor — the smallest epoch above `highestKnown` that `entryIndex` leads. */
export function nextEpochFor(entryIndex: PairEntryIndex, highestKnown: bigint): bigint {
  const next = highestKnown + 1n;
  return leaderOf(next) === entryIndex ? next : next + 1n;
}

/** StateClaim — what a server says of the state it holds: its epoch, and whether it lost a table file. */
export interface StateClaim {
  entryIndex: PairEntryIndex;
  epoch: bigint;
  /** tablesLost — a table file was corrupt at start (moved aside): this server lacks state it once had. */
  tablesLost?: boolean;
}

/**
 * authorityOf — which of two servers holds the newest state: the higher epoch; on equal epochs
 * the one that did not lose a table file, then the one leading it (only a leader produces state;
 * its follower has at most as much).
 */
export function authorityOf(a: StateClaim, b: StateClaim): PairEntryIndex {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? a.entryIndex : b.entryIndex;
  if (Boolean(a.tablesLost) !== Boolean(b.tablesLost)) return a.tablesLost ? b.entryIndex : a.entryIndex;
  return leaderOf(a.epoch);
}
