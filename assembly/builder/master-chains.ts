/**
 * master-chains — bring the last servers into their master range through chains of role
 * trades, when no single trade can (every holder's master sits at its minimum).
 *
 *   under server u:  u ◀─b1─ m1 ◀─b2─ m2 ... ◀─bk─ mk   (mk can give: count > its minimum)
 *   over server v:   v ─b1▶ h1 ─b2▶ h2 ... ─bk▶ hk      (hk can take: count < its maximum)
 *
 * Each arrow is one bucket whose master role moves to the holder on its left (or right);
 * inner servers give one and take one, so only the ends change. Breadth-first search over
 * an index of every server's buckets (built only when needed). One search can scan the whole
 * index, so all of them together run under one step budget (budget.ts): what is
 * still out of range when it is spent stays so, and the build reports budgetSpent.
 */
import { SearchPass } from '../outcome';
import {
  alivePtr, bucketCount, copyCount, masterCountPtr, masterHighPtr, masterLowPtr, pendingAdd, serverCount, slotStatePtr,
  targetPtr,
} from './context';
import { budgetMastersChainsFixed, budgetMastersChainsPerSlot, passBudget, spent, stepsAdd, steps } from './budget';
import { scratchAlloc } from '../scratch';
import { slotGet, slotSet, u32Add, u32Get, u32Set, u8Get } from '../layout';

let startPtr: usize = 0;
let bucketsPtr: usize = 0;
let parentServerPtr: usize = 0;
let parentBucketPtr: usize = 0;
let queuePtr: usize = 0;
let stampPtr: usize = 0;
let stamp: u32 = 0;
let limit: u64 = 0;


/** chainsScratchBytes — scratch the chain search needs. */
export function chainsScratchBytes(slotCount: u64, serverCount: u32): u64 {
  return slotCount * 4 + (<u64>serverCount + 2) * 4 * 5 + 64;
}

/**
 * balanceByChains — fix every server still out of range where a chain exists, first through
 * the buckets listed (whose master changes anyway: no extra change), then through all.
 * Returns the servers left out of range.
 */
export function balanceByChains(listPtr: usize, listCount: u32): u32 {
  stamp = 0;
  limit = steps + passBudget(budgetMastersChainsPerSlot, budgetMastersChainsFixed);
  startPtr = scratchAlloc(<usize>(serverCount + 2) << 2);
  bucketsPtr = scratchAlloc(<usize>(bucketCount * copyCount) << 2);
  parentServerPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  parentBucketPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  queuePtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  stampPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  if (listCount > 0) {
    indexHoldings(listPtr, listCount);
    if (chainAll() == 0) return 0;
  }
  indexHoldings(0, bucketCount);
  return chainAll();
}

function chainAll(): u32 {
  let left: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    while (u32Get(masterCountPtr, server) < u32Get(masterLowPtr, server) && !spent(limit, SearchPass.Masters)) {
      if (!augment(server, true)) break;
    }
    while (u32Get(masterCountPtr, server) > u32Get(masterHighPtr, server) && !spent(limit, SearchPass.Masters)) {
      if (!augment(server, false)) break;
    }
    const count = u32Get(masterCountPtr, server);
    if (count < u32Get(masterLowPtr, server) || count > u32Get(masterHighPtr, server)) left++;
  }
  return left;
}

// The listed buckets (listPtr = 0: every bucket) by holder, counting-sorted: start[s] .. start[s+1]−1.
function indexHoldings(listPtr: usize, count: u32): void {
  memory.fill(startPtr, 0, <usize>(serverCount + 2) << 2);
  for (let pass: u32 = 0; pass < 2; pass++) {
    for (let k: u32 = 0; k < count; k++) {
      const bucket = listPtr == 0 ? k : u32Get(listPtr, k);
      for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
        const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
        if (pass == 0) {
          u32Set(startPtr, server + 1, u32Get(startPtr, server + 1) + 1);
          continue;
        }
        const at = u32Get(startPtr, server);
        u32Set(bucketsPtr, at, bucket);
        u32Set(startPtr, server, at + 1);
      }
    }
    if (pass == 0) {
      for (let server: u32 = 1; server <= serverCount + 1; server++) {
        u32Set(startPtr, server, u32Get(startPtr, server) + u32Get(startPtr, server - 1));
      }
    }
  }
  for (let server = serverCount + 1; server > 0; server--) u32Set(startPtr, server, u32Get(startPtr, server - 1));
  u32Set(startPtr, 0, 0);
  stepsAdd(<u64>count * copyCount * 2 + <u64>serverCount * 2);
}

// One chain from `origin`: `taking` (origin is under its minimum) or giving (over its maximum).
function augment(origin: u32, taking: bool): bool {
  stamp++;
  let head: u32 = 0;
  let tail: u32 = 0;
  u32Set(queuePtr, tail++, origin);
  u32Set(stampPtr, origin, stamp);
  while (head < tail) {
    const server = u32Get(queuePtr, head++);
    const end = u32Get(startPtr, server + 1);
    stepsAdd(<u64>(end - u32Get(startPtr, server)) * copyCount);
    if (spent(limit, SearchPass.Masters)) return false;
    for (let k = u32Get(startPtr, server); k < end; k++) {
      const bucket = u32Get(bucketsPtr, k);
      const master = slotGet(targetPtr, bucket);
      if (taking) {
        // `server` holds the bucket; its master could hand the role to `server`.
        if (master == server || u32Get(stampPtr, master) == stamp) continue;
        link(master, server, bucket);
        if (u32Get(masterCountPtr, master) > u32Get(masterLowPtr, master)) {
          applyChain(origin, master, true);
          return true;
        }
        u32Set(queuePtr, tail++, master);
        continue;
      }
      // `server` masters the bucket; a holder could take the role from it.
      if (master != server) continue;
      for (let copyIndex: u32 = 1; copyIndex < copyCount; copyIndex++) {
        const holder = slotGet(targetPtr, copyIndex * bucketCount + bucket);
        if (holder == 0 || u32Get(stampPtr, holder) == stamp) continue;
        link(holder, server, bucket);
        if (u32Get(masterCountPtr, holder) < u32Get(masterHighPtr, holder)) {
          applyChain(origin, holder, false);
          return true;
        }
        u32Set(queuePtr, tail++, holder);
      }
    }
  }
  return false;
}

function link(server: u32, from: u32, bucket: u32): void {
  u32Set(stampPtr, server, stamp);
  u32Set(parentServerPtr, server, from);
  u32Set(parentBucketPtr, server, bucket);
}

// Walk from the chain's end back to its origin, moving one role per step.
function applyChain(origin: u32, end: u32, taking: bool): void {
  let server = end;
  while (server != origin) {
    const parent = u32Get(parentServerPtr, server);
    const bucket = u32Get(parentBucketPtr, server);
    // Taking: the parent (a holder) takes the bucket from `server`; giving: `server` takes it from the parent.
    if (taking) setMaster(bucket, parent, server);
    else setMaster(bucket, server, parent);
    server = parent;
  }
}

// The role in `bucket` moves from `from` to `to` (a holder of it); slot states move with the servers.
function setMaster(bucket: u32, to: u32, from: u32): void {
  for (let copyIndex: u32 = 1; copyIndex < copyCount; copyIndex++) {
    const slot = copyIndex * bucketCount + bucket;
    if (slotGet(targetPtr, slot) != to) continue;
    slotSet(targetPtr, slot, from);
    slotSet(targetPtr, bucket, to);
    const state = load<u8>(slotStatePtr + <usize>slot);
    store<u8>(slotStatePtr + <usize>slot, load<u8>(slotStatePtr + <usize>bucket));
    store<u8>(slotStatePtr + <usize>bucket, state);
    pendingAdd(bucket);
    u32Add(masterCountPtr, to, 1);
    u32Add(masterCountPtr, from, -1);
    return;
  }
}
