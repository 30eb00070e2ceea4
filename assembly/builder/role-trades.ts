/**
 * role-trades — bring every server's master count into its allowed range [low, high] by
 * handing roles to other holders of the same buckets, all trades decided by one max-flow
 * over the servers (a search chain by chain runs out of budget when many are needed).
 *
 * A role can pass from u to v wherever u masters a bucket v also holds: N(u, v) such buckets.
 * Roles travel along paths of such pairs, so only the ends change their counts:
 *
 *   source ─excess─▶ u ─N(u,v)─▶ v ─ … ─▶ w ─deficit─▶ sink
 *
 *   round 1  from servers over high to servers under low (both must change)
 *   round 2  what is still under low: from servers above low (above target first)
 *   round 3  what is still over high: to servers below high (below target first)
 *   (rounds 2 and 3 take single trades before chains: each hop of a chain is one more change)
 *
 * Rounds 2 and 3 run one after the other (their extra arcs closed in between), so no role
 * moves between two servers already in range. The flow on (u, v) is then carried out bucket
 * by bucket, cheapest first: where v was the source master (a role comes back), then where u
 * was not (the bucket's master changes anyway), then any; holders kept in place before fresh
 * ones. What cannot be placed (with C > 2 one bucket counts for several pairs) is left to
 * the chains (master-chains.ts).
 *
 *   pair hash: key (u << 16 | v) → pair index; pairs ≤ pairsMax, else the caller falls back
 */
import { SearchPass } from '../outcome';
import {
  SlotKept, bucketCount, copyCount, masterCountPtr, masterHighPtr, masterLowPtr, masterTargetPtr, pendingAdd,
  serverCount, slotStatePtr, sourcePtr, targetPtr,
} from './context';
import { flowArc, flowClose, flowOn, flowReset, flowRun } from './flow';
import { budgetMastersTradesFixed, budgetMastersTradesPerSlot, passBudget, steps, stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { livePositionPtr, liveServerAtPtr, mapLivePositions } from './live-positions';
import { slotGet, slotSet, u32Add, u32Get, u32Set } from '../layout';

/** directPath — arcs of a single trade: source → giver → taker → sink. */
const directPath: u32 = 3;
/** pairsMax — distinct (master, holder) pairs the flow takes; more and the chains do the work. */
export const pairsMax: u32 = 1 << 16;
const hashSlots: u32 = pairsMax * 2;

let positionPtr: usize = 0;
let serverAtPtr: usize = 0;
let positions: u32 = 0;
let hashKeyPtr: usize = 0;
let hashPairPtr: usize = 0;
let pairKeyPtr: usize = 0;
let pairCountPtr: usize = 0;
let pairArcPtr: usize = 0;
let pairs: u32 = 0;
let supplyArcPtr: usize = 0;
let supplyArcs: u32 = 0;
let useSource = false;

/** roleTradesScratchBytes — scratch tradeRolesByFlow needs. */
export function roleTradesScratchBytes(serverCount: u32): u64 {
  const nodes = <u64>serverCount + 3;
  const arcs = <u64>pairsMax + nodes * 5;
  return (<u64>serverCount + 1) * 8 + <u64>hashSlots * 8 + <u64>pairsMax * 12 + nodes * 4 * 5 + arcs * 2 * 4 * 3 + 256;
}

/**
 * tradeRolesByFlow — trade roles until every server is in range where the pairs allow; false
 * when there are too many pairs. `fromSource`: a rebuild (prefer buckets by their source master).
 */
export function tradeRolesByFlow(fromSource: bool): bool {
  useSource = fromSource;
  mapPositions();
  if (!countPairs()) return false;
  const limit = steps + passBudget(budgetMastersTradesPerSlot, budgetMastersTradesFixed);
  flowReset(2 + positions, pairs + positions * 5);
  for (let pair: u32 = 0; pair < pairs; pair++) {
    const key = u32Get(pairKeyPtr, pair);
    u32Set(pairArcPtr, pair, flowArc(serverNode(key >>> 16), serverNode(key & 0xffff), u32Get(pairCountPtr, pair)));
  }
  for (let position: u32 = 0; position < positions; position++) {
    const server = u32Get(serverAtPtr, position);
    const count = u32Get(masterCountPtr, server);
    const high = u32Get(masterHighPtr, server);
    const low = u32Get(masterLowPtr, server);
    if (count > high) flowArc(0, 2 + position, count - high);
    if (count < low) flowArc(2 + position, 1, low - count);
  }
  flowRun(limit, SearchPass.Masters);
  // Still under low: roles from servers in range — single trades first (a longer chain
  // changes more masters), the servers above target before the others.
  supplyArcs = 0;
  extraSupply(true);
  flowRun(limit, SearchPass.Masters, directPath);
  extraSupply(false);
  flowRun(limit, SearchPass.Masters, directPath);
  flowRun(limit, SearchPass.Masters);
  for (let k: u32 = 0; k < supplyArcs; k++) flowClose(u32Get(supplyArcPtr, k));
  // Still over high: roles to servers in range, likewise.
  extraRoom(true);
  flowRun(limit, SearchPass.Masters, directPath);
  extraRoom(false);
  flowRun(limit, SearchPass.Masters, directPath);
  flowRun(limit, SearchPass.Masters);
  carryOut();
  return true;
}

// @ts-ignore: decorator
@inline function serverNode(server: u32): u32 {
  return 2 + u32Get(positionPtr, server);
}

function mapPositions(): void {
  positions = mapLivePositions();
  positionPtr = livePositionPtr;
  serverAtPtr = liveServerAtPtr;
}

// N(u, v) for every pair that occurs; false past pairsMax.
function countPairs(): bool {
  hashKeyPtr = scratchAlloc(<usize>hashSlots << 2);
  hashPairPtr = scratchAlloc(<usize>hashSlots << 2);
  pairKeyPtr = scratchAlloc(<usize>pairsMax << 2);
  pairCountPtr = scratchAlloc(<usize>pairsMax << 2);
  pairArcPtr = scratchAlloc(<usize>pairsMax << 2);
  supplyArcPtr = scratchAlloc(<usize>(positions * 2 + 1) << 2);
  memory.fill(hashPairPtr, 0xff, <usize>hashSlots << 2);
  pairs = 0;
  stepsAdd(<u64>bucketCount * copyCount);
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    const master = slotGet(targetPtr, bucket);
    for (let copyIndex: u32 = 1; copyIndex < copyCount; copyIndex++) {
      const holder = slotGet(targetPtr, copyIndex * bucketCount + bucket);
      if (holder == 0 || master == 0) continue;
      const pair = pairOf(master << 16 | holder, true);
      if (pair == 0xffffffff) return false;
      u32Add(pairCountPtr, pair, 1);
    }
  }
  return true;
}

// The pair index of `key` (adding it when asked and there is room; 0xffffffff otherwise).
function pairOf(key: u32, add: bool): u32 {
  let at = (key * 0x9e3779b1) >>> (32 - 17);
  for (;;) {
    const pair = u32Get(hashPairPtr, at);
    if (pair == 0xffffffff) break;
    if (u32Get(hashKeyPtr, at) == key) return pair;
    at = (at + 1) & (hashSlots - 1);
  }
  if (!add || pairs == pairsMax) return 0xffffffff;
  u32Set(hashKeyPtr, at, key);
  u32Set(hashPairPtr, at, pairs);
  u32Set(pairKeyPtr, pairs, key);
  u32Set(pairCountPtr, pairs, 0);
  return pairs++;
}

// Source arcs from servers that may give roles and stay in range (above target first, then
// above low), listed so the caller can close them.
function extraSupply(aboveTarget: bool): void {
  for (let position: u32 = 0; position < positions; position++) {
    const server = u32Get(serverAtPtr, position);
    const count = u32Get(masterCountPtr, server);
    const top = min(count, u32Get(masterHighPtr, server));
    const low = u32Get(masterLowPtr, server);
    const floor = aboveTarget ? max(low, u32Get(masterTargetPtr, server)) : low;
    const ceiling = aboveTarget ? top : min(top, max(low, u32Get(masterTargetPtr, server)));
    if (ceiling <= floor) continue;
    u32Set(supplyArcPtr, supplyArcs++, flowArc(0, 2 + position, ceiling - floor));
  }
}

// Sink arcs to servers that may take roles and stay in range (below target first, then below high).
function extraRoom(belowTarget: bool): void {
  for (let position: u32 = 0; position < positions; position++) {
    const server = u32Get(serverAtPtr, position);
    const count = u32Get(masterCountPtr, server);
    const bottom = max(count, u32Get(masterLowPtr, server));
    const high = u32Get(masterHighPtr, server);
    const target = min(high, max(u32Get(masterTargetPtr, server), u32Get(masterLowPtr, server)));
    const floor = belowTarget ? bottom : max(bottom, target);
    const ceiling = belowTarget ? target : high;
    if (ceiling > floor) flowArc(2 + position, 1, ceiling - floor);
  }
}

// Hand over the roles the flow moved, cheapest buckets first (see the file comment).
function carryOut(): void {
  for (let pair: u32 = 0; pair < pairs; pair++) u32Set(pairCountPtr, pair, flowOn(u32Get(pairArcPtr, pair)));
  for (let preference: u32 = useSource ? 0 : 3; preference < 4; preference++) {
    for (let bucket: u32 = 0; bucket < bucketCount; bucket++) tradeIn(bucket, preference);
    stepsAdd(<u64>bucketCount * copyCount);
  }
}

// preference 0: the holder was the source master; 1: the master was not, holder kept;
// 2: the master was not; 3: any bucket.
function tradeIn(bucket: u32, preference: u32): void {
  const master = slotGet(targetPtr, bucket);
  if (master == 0) return;
  const source: u32 = useSource ? slotGet(sourcePtr, bucket) : 0;
  if ((preference == 1 || preference == 2) && master == source) return;
  for (let copyIndex: u32 = 1; copyIndex < copyCount; copyIndex++) {
    const slot = copyIndex * bucketCount + bucket;
    const holder = slotGet(targetPtr, slot);
    if (holder == 0) continue;
    if (preference == 0 && holder != source) continue;
    if (preference == 1 && load<u8>(slotStatePtr + <usize>slot) != SlotKept) continue;
    const pair = pairOf(master << 16 | holder, false);
    if (pair == 0xffffffff || u32Get(pairCountPtr, pair) == 0) continue;
    u32Add(pairCountPtr, pair, -1);
    slotSet(targetPtr, slot, master);
    slotSet(targetPtr, bucket, holder);
    const state = load<u8>(slotStatePtr + <usize>slot);
    store<u8>(slotStatePtr + <usize>slot, load<u8>(slotStatePtr + <usize>bucket));
    store<u8>(slotStatePtr + <usize>bucket, state);
    pendingAdd(bucket);
    u32Add(masterCountPtr, holder, 1);
    u32Add(masterCountPtr, master, -1);
    return;
  }
}
