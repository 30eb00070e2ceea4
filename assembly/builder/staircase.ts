/**
 * staircase — a first build (nothing to keep) laid out directly, one write per slot.
 *
 * The table is cut into blocks of consecutive buckets (block-plan.ts says how many copies
 * each rack and server puts in each). In block j the servers' copies form one sequence U,
 * racks in a seeded order and each rack's servers in a seeded order (both new every block),
 * every server's copies one run; row k of the block is U[k·β, (k+1)·β), and bucket i holds
 * U[i], U[i+β], …:
 *
 *   U   = | rack 2: e e e f f | rack 0: a a b b b | rack 1: c c d d d |      (β = 5, C = 3)
 *   row 0:  e e e f f            bucket 0 = e, a, c
 *   row 1:  a a b b b            bucket 2 = e, b, d
 *   row 2:  c c d d d
 *
 * Why it keeps every rule:
 *   - a server has at most β copies in a block, so its run never meets itself in a bucket;
 *   - a rack's run is contiguous: with C ≤ R and its block total ≤ β no bucket holds the rack
 *     twice (full spread); over β it repeats in exactly (total − β) buckets, the fewest its
 *     total allows; with C > R a rack total ≥ β reaches every bucket of the block;
 *   - the orders change from block to block, so the servers a server shares buckets with
 *     vary evenly (when it leaves, every rack has about its share of buckets to refill).
 * Masters: along each stretch of buckets with the same C holders, the stretch's buckets are
 * shared out as masters by each holder's remaining rate (masters it still needs / copies it
 * still has to lay), so every server ends at or next to its master target; the master goes
 * to copy 0, the other copies keep their row order.
 */
import {
  aliveCount, bucketCount, copyCount, masterCountPtr, masterTargetPtr, rackCount, replicaCountPtr, replicaTargetPtr, seed,
  serverCount, targetPtr,
} from './context';
import { rackMemberAt, rackMembersStart } from './rack-fit';
import { blockCount, blockStart, blocksFor, planBlocks, rackAmount, roundServers, startServerRounding } from './block-plan';
import { publishSometimes, stepsAdd } from './budget';
import { randomBelow, randomSeed } from '../random';
import { scratchAlloc } from '../scratch';
import { f64Get, f64Set, u32Get, u32Set } from '../layout';

let amountPtr: usize = 0;
let unitsLeftPtr: usize = 0;
let mastersLeftPtr: usize = 0;
let runServerPtr: usize = 0;
let runLengthPtr: usize = 0;
let runCount: u32 = 0;
let rackOrderPtr: usize = 0;
let memberOrderPtr: usize = 0;
let rowRunPtr: usize = 0;
let rowLeftPtr: usize = 0;
let holdersPtr: usize = 0;
let wantPtr: usize = 0;
let sharePtr: usize = 0;

/** staircaseScratchBytes — scratch buildStaircase needs. */
export function staircaseScratchBytes(serverCount: u32, rackCount: u32): u64 {
  const servers = <u64>serverCount + 1;
  return servers * (4 * 6) + (<u64>rackCount + 1) * 4 + 8 * 8 * 5 + 128;
}

/** buildStaircase — write the whole target table from the replica and master targets. */
export function buildStaircase(): void {
  allocate();
  const planned = planBlocks(blocksFor(<u64>bucketCount * <u64>copyCount, copyCount, aliveCount, rackCount));
  // A server share that cannot round exactly in some block: start over with one block.
  if (!layOut() && planned) {
    planBlocks(1);
    const exact = layOut();
    assert(exact, 'one block always rounds exactly');
  }
}

function layOut(): bool {
  randomSeed(seed ^ 0x5bd1e995);
  for (let server: u32 = 1; server <= serverCount; server++) {
    const replicas = u32Get(replicaTargetPtr, server);
    u32Set(replicaCountPtr, server, replicas);
    u32Set(masterCountPtr, server, 0);
    u32Set(unitsLeftPtr, server, replicas);
    u32Set(mastersLeftPtr, server, u32Get(masterTargetPtr, server));
  }
  for (let rack: u32 = 0; rack < rackCount; rack++) if (rackAmountTotal(rack) > 0) startServerRounding(rack);
  for (let j: u32 = 0; j < blockCount; j++) {
    if (!orderBlock(j)) return false;
    writeBlock(blockStart(j), blockStart(j + 1) - blockStart(j));
    publishSometimes();
  }
  return true;
}

function allocate(): void {
  amountPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  unitsLeftPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  mastersLeftPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  runServerPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  runLengthPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  memberOrderPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  rackOrderPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  rowRunPtr = scratchAlloc(8 << 2);
  rowLeftPtr = scratchAlloc(8 << 2);
  holdersPtr = scratchAlloc(8 << 2);
  wantPtr = scratchAlloc(8 << 3);
  sharePtr = scratchAlloc(8 << 2);
}

function rackAmountTotal(rack: u32): u64 {
  let total: u64 = 0;
  for (let j: u32 = 0; j < blockCount; j++) total += rackAmount(rack, j);
  return total;
}

// The runs of block j: racks in a seeded order, each rack's servers in a seeded order.
function orderBlock(j: u32): bool {
  runCount = 0;
  for (let rack: u32 = 0; rack < rackCount; rack++) u32Set(rackOrderPtr, rack, rack);
  shuffle(rackOrderPtr, rackCount);
  for (let r: u32 = 0; r < rackCount; r++) {
    const rack = u32Get(rackOrderPtr, r);
    const start = rackMembersStart(rack);
    const end = rackMembersStart(rack + 1);
    if (end == start || rackAmountTotal(rack) == 0) continue;
    if (!roundServers(rack, j, amountPtr)) return false;
    // A fresh seeded order per block: who shares buckets with whom changes every block.
    const members = end - start;
    for (let k: u32 = 0; k < members; k++) u32Set(memberOrderPtr, k, rackMemberAt(start + k));
    shuffle(memberOrderPtr, members);
    for (let k: u32 = 0; k < end - start; k++) {
      const server = u32Get(memberOrderPtr, k);
      const length = u32Get(amountPtr, server);
      if (length == 0) continue;
      u32Set(runServerPtr, runCount, server);
      u32Set(runLengthPtr, runCount, length);
      runCount++;
    }
  }
  stepsAdd(<u64>rackCount * 2 + <u64>runCount * 2);
  return true;
}

function shuffle(ptr: usize, count: u32): void {
  for (let k = count; k > 1; k--) {
    const pick = randomBelow(k);
    const last = u32Get(ptr, k - 1);
    u32Set(ptr, k - 1, u32Get(ptr, pick));
    u32Set(ptr, pick, last);
  }
}

// Walk the block's buckets in stretches of constant holders, sharing out masters and writing.
function writeBlock(first: u32, size: u32): void {
  // Row k starts at unit k·size of U: find its run and what is left of it.
  let run: u32 = 0;
  let used: u64 = 0;
  for (let row: u32 = 0; row < copyCount; row++) {
    const start = <u64>row * <u64>size;
    while (used + <u64>u32Get(runLengthPtr, run) <= start) used += u32Get(runLengthPtr, run++);
    u32Set(rowRunPtr, row, run);
    u32Set(rowLeftPtr, row, <u32>(used + <u64>u32Get(runLengthPtr, run) - start));
  }
  let bucket: u32 = 0;
  while (bucket < size) {
    let stretch = size - bucket;
    for (let row: u32 = 0; row < copyCount; row++) {
      u32Set(holdersPtr, row, u32Get(runServerPtr, u32Get(rowRunPtr, row)));
      stretch = min(stretch, u32Get(rowLeftPtr, row));
    }
    shareMasters(stretch);
    writeStretch(first + bucket, stretch);
    bucket += stretch;
    for (let row: u32 = 0; row < copyCount; row++) {
      const left = u32Get(rowLeftPtr, row) - stretch;
      if (left > 0 || bucket == size) {
        u32Set(rowLeftPtr, row, left);
        continue;
      }
      const next = u32Get(rowRunPtr, row) + 1;
      u32Set(rowRunPtr, row, next);
      u32Set(rowLeftPtr, row, u32Get(runLengthPtr, next));
    }
  }
}

// share[k] = masters of the stretch for holder k: the stretch times the share of its copies
// still to come that must be masters (so a server ends exactly at its target when it can),
// rounded by largest remainder so they add up to the stretch.
function shareMasters(stretch: u32): void {
  let total: i64 = 0;
  for (let k: u32 = 0; k < copyCount; k++) {
    const server = u32Get(holdersPtr, k);
    const unitsLeft = u32Get(unitsLeftPtr, server);
    const want = <f64>stretch * <f64>u32Get(mastersLeftPtr, server) / <f64>max<u32>(unitsLeft, 1);
    f64Set(wantPtr, k, want);
    const whole = <u32>Math.min(Math.max(Math.floor(want), 0), <f64>stretch);
    u32Set(sharePtr, k, whole);
    total += whole;
  }
  while (total != <i64>stretch) {
    const raise = total < <i64>stretch;
    let best: i32 = -1;
    let bestGap: f64 = 0;
    for (let k: u32 = 0; k < copyCount; k++) {
      const share = u32Get(sharePtr, k);
      if (raise ? share >= stretch : share == 0) continue;
      const gap = f64Get(wantPtr, k) - <f64>share;
      if (best < 0 || (raise ? gap > bestGap : gap < bestGap)) {
        best = k;
        bestGap = gap;
      }
    }
    u32Set(sharePtr, best, raise ? u32Get(sharePtr, best) + 1 : u32Get(sharePtr, best) - 1);
    total += raise ? 1 : -1;
  }
  for (let k: u32 = 0; k < copyCount; k++) {
    const server = u32Get(holdersPtr, k);
    const share = u32Get(sharePtr, k);
    u32Set(unitsLeftPtr, server, u32Get(unitsLeftPtr, server) - stretch);
    u32Set(mastersLeftPtr, server, u32Get(mastersLeftPtr, server) - min(share, u32Get(mastersLeftPtr, server)));
    u32Set(masterCountPtr, server, u32Get(masterCountPtr, server) + share);
  }
}

// Buckets [from, from + stretch): holder k masters share[k] of them in turn; in those the
// holder of row r goes to copy (r − k) mod C, so the master lands in copy 0.
function writeStretch(from: u32, stretch: u32): void {
  let bucket = from;
  for (let master: u32 = 0; master < copyCount; master++) {
    const share = u32Get(sharePtr, master);
    if (share == 0) continue;
    for (let row: u32 = 0; row < copyCount; row++) {
      const copyIndex = (row + copyCount - master) % copyCount;
      const server = <u16>u32Get(holdersPtr, row);
      const at = targetPtr + ((<usize>copyIndex * <usize>bucketCount + <usize>bucket) << 1);
      const end = at + (<usize>share << 1);
      for (let slot = at; slot < end; slot += 2) store<u16>(slot, server);
    }
    bucket += share;
  }
  stepsAdd(<u64>stretch * copyCount + copyCount);
}
