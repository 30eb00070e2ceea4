/**
 * first-fill — the fill of a first build (no source table), on a tight path.
 *
 * Every bucket takes C consecutive units of the sequence (looking a few ahead when one does
 * not fit), checked against the bucket's row kept in a small local buffer rather than the
 * copy-major table; the row's best master (masterScore) goes to copy 0 before the row is
 * written once. Same placement rules as canPlace (distinct servers, rack caps, reachable
 * spread); a slot nothing fits stays empty for repair, and its bucket's master is left open.
 *
 *   row buffer:  rowServers[0..C)  rowRacks[0..C)   (u32 each)
 */
import {
  SlotFresh, bucketCount, copyCount, masterCountPtr, rackOf, replicaCountPtr, slotStatePtr, spreadWanted,
  strictRacks, targetPtr,
} from './context';
import { markDecided, masterScore } from './masters';
import { rackCapOf } from './placement-rules';
import { scratchAlloc } from '../scratch';
import { u32Add } from '../layout';

let rowServersPtr: usize = 0;
let rowRacksPtr: usize = 0;

/** firstFill — place the sequence [next, length) into an empty target; returns the next unused unit. */
export function firstFill(
  sequencePtr: usize, next: u32, length: u32, lookAhead: u32, unfilledPtr: usize, unfilledCountIn: u32,
): u64 {
  rowServersPtr = scratchAlloc(<usize>copyCount << 2);
  rowRacksPtr = scratchAlloc(<usize>copyCount << 2);
  memory.fill(slotStatePtr, SlotFresh, <usize>(bucketCount * copyCount));
  let unfilledCount = unfilledCountIn;
  const stride = <usize>bucketCount << 1;
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    let filled: u32 = 0;
    let open = false;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const end = min(next + lookAhead, length);
      let chosen = end;
      for (let k = next; k < end; k++) {
        if (fits(<u32>load<u16>(sequencePtr + (<usize>k << 1)), filled)) {
          chosen = k;
          break;
        }
      }
      if (chosen == end) {
        open = true;
        continue;
      }
      const server = <u32>load<u16>(sequencePtr + (<usize>chosen << 1));
      store<u16>(sequencePtr + (<usize>chosen << 1), load<u16>(sequencePtr + (<usize>next << 1)));
      store<u16>(sequencePtr + (<usize>next << 1), <u16>server);
      next++;
      store<u32>(rowServersPtr + (<usize>filled << 2), server);
      store<u32>(rowRacksPtr + (<usize>filled << 2), rackOf(server));
      filled++;
      u32Add(replicaCountPtr, server, 1);
    }
    if (!open) {
      // The best master first: swap it into row position 0.
      let best: u32 = 0;
      let bestScore = masterScore(load<u32>(rowServersPtr));
      for (let k: u32 = 1; k < filled; k++) {
        const score = masterScore(load<u32>(rowServersPtr + (<usize>k << 2)));
        if (score > bestScore) {
          bestScore = score;
          best = k;
        }
      }
      const master = load<u32>(rowServersPtr + (<usize>best << 2));
      store<u32>(rowServersPtr + (<usize>best << 2), load<u32>(rowServersPtr));
      store<u32>(rowServersPtr, master);
      u32Add(masterCountPtr, master, 1);
      markDecided(bucket);
    }
    let at = targetPtr + (<usize>bucket << 1);
    for (let k: u32 = 0; k < copyCount; k++, at += stride) {
      store<u16>(at, k < filled ? <u16>load<u32>(rowServersPtr + (<usize>k << 2)) : 0);
    }
    for (let k = filled; k < copyCount; k++) {
      // Empty slots sit after the placed ones; repair fills them from the unused units.
      store<u32>(unfilledPtr + (<usize>unfilledCount << 2), k * bucketCount + bucket);
      store<u8>(slotStatePtr + <usize>(k * bucketCount + bucket), 0);
      unfilledCount++;
    }
  }
  return (<u64>unfilledCount << 32) | <u64>next;
}

// canPlace against the row buffer: never twice; strict racks: rack cap and reachable spread.
function fits(server: u32, filled: u32): bool {
  const rack = rackOf(server);
  let sameRack: u32 = 0;
  for (let k: u32 = 0; k < filled; k++) {
    if (load<u32>(rowServersPtr + (<usize>k << 2)) == server) return false;
    if (load<u32>(rowRacksPtr + (<usize>k << 2)) == rack) sameRack++;
  }
  if (!strictRacks || sameRack == 0) return true;
  if (sameRack + 1 > rackCapOf(rack)) return false;
  let distinct: u32 = 0;
  for (let k: u32 = 0; k < filled; k++) {
    const kRack = load<u32>(rowRacksPtr + (<usize>k << 2));
    let first = true;
    for (let j: u32 = 0; j < k; j++) if (load<u32>(rowRacksPtr + (<usize>j << 2)) == kRack) first = false;
    if (first) distinct++;
  }
  return distinct + (copyCount - filled - 1) >= spreadWanted;
}
