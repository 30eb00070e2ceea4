/**
 * block-plan — how many copies each rack and each server puts in each block of a first build.
 *
 * The first build is laid out block by block (staircase.ts): block j covers β_j consecutive
 * buckets and holds C·β_j copies. Each rack, and within it each server, puts its share there,
 * rounded down or up — never further — so the totals come out exact and no limit breaks:
 *
 *   a(r, j) ∈ {⌊T(r)·β_j/B⌋, ⌈T(r)·β_j/B⌉}   Σ_r a(r, j) = C·β_j            Σ_j a(r, j) = T(r)
 *   x(s, j) ∈ {⌊t(s)·β_j/B⌋, ⌈t(s)·β_j/B⌉}   Σ_{s in r} x(s, j) = a(r, j)   Σ_j x(s, j) = t(s)
 *
 * A value that is at most β_j rounds to at most β_j (β_j is whole), so a server never holds
 * more copies of a block than it has buckets, and a rack of total ≤ B (≥ B) stays within
 * (covers) every bucket of the block. Which items round up in a block: those that still owe
 * the most round-ups (owed(i) = total − Σ floors − round-ups so far), a Gale–Ryser order that
 * finishes every row exactly when it can; when it cannot, the plan reports failure and the
 * caller lays out one block (always exact: every share is the whole total).
 *
 *   rackAmount u32[R·nb]  a(r, j) at [r·nb + j]            owed u32[S+1] / u32[R]  per item
 */
import { bucketCount, copyCount, rackCount, replicaTargetPtr, serverCount } from './context';
import { rackMemberAt, rackMembersStart } from './rack-fit';
import { rackTotalsPtr } from './targets';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { u32Add, u32Get, u32Set } from '../layout';

/** blocksMax — the most blocks a first build is cut into. */
export const blocksMax: u32 = 4096;
/** rackBlockCellsMax — a(r, j) cells the plan keeps (R·blocks ≤ this: 4 MiB of scratch). */
const rackBlockCellsMax: u32 = 1 << 20;
/**
 * runLength / runLengthMany — copies a server puts in one block (few servers / over 64): short
 * runs, so whom a server shares buckets with changes often and every pair meets about equally
 * (a leave then finds every server its share of buckets to refill); with many servers each
 * block mixes enough, and longer runs keep the layout's per-stretch work small.
 */
const runLength: u32 = 4;
const runLengthMany: u32 = 32;
/** meetingsPerServer — blocks per live server past which more blocks mix no better. */
const meetingsPerServer: u32 = 16;
/**
 * blocksMin — blocks even a small table is cut into (if it has that many buckets): with one
 * block a server's run lines up with the same few runs of the other rows, so it shares all
 * its buckets with the same servers and a leave cannot hand them out without extra moves.
 */
const blocksMin: u32 = 16;


/** blockCount — blocks of the current plan. */
export let blockCount: u32 = 1;
let rackAmountPtr: usize = 0;
let rackOwedPtr: usize = 0;
let serverOwedPtr: usize = 0;
let levelCountPtr: usize = 0;

/** blockPlanScratchBytes — scratch the plan needs. */
export function blockPlanScratchBytes(serverCount: u32, rackCount: u32): u64 {
  return <u64>rackBlockCellsMax * 4 + (<u64>rackCount + 1) * 4 + (<u64>serverCount + 1) * 4 + (<u64>blocksMax + 2) * 4 + 128;
}

/** blocksFor — how many blocks a first build of this shape is cut into: runs of about runLength copies. */
export function blocksFor(slots: u64, copies: u32, servers: u32, racks: u32): u32 {
  // With two copies whom a master's buckets go with is the partner spread: keep runs short.
  const run: u64 = servers <= 64 || copies == 2 ? runLength : runLengthMany;
  const mixed = max<u64>(slots / (run * <u64>max<u32>(servers, 1)), <u64>min<u32>(blocksMin, bucketCount));
  const wanted = min(mixed, <u64>meetingsPerServer * <u64>servers);
  return <u32>max<u64>(1, min(wanted, <u64>min(blocksMax, rackBlockCellsMax / (racks + 1))));
}

/** blockStart — the first bucket of block j (blocks differ in size by at most one). */
export function blockStart(j: u32): u32 {
  return <u32>(<u64>bucketCount * <u64>j / <u64>blockCount);
}

/** rackAmount — a(r, j). */
export function rackAmount(rack: u32, j: u32): u32 {
  return u32Get(rackAmountPtr, rack * blockCount + j);
}

/**
 * planBlocks — cut the table into `blocks` blocks and round every rack's share; returns false
 * (and leaves a one-block plan) when it could not come out exact. Servers' shares are rounded
 * block by block as the layout needs them (roundServers), which may fail too: the layout then
 * starts over with one block.
 */
export function planBlocks(blocks: u32): bool {
  blockCount = max<u32>(1, min(min(blocks, bucketCount), rackBlockCellsMax / (rackCount + 1)));
  rackAmountPtr = scratchAlloc(<usize>(rackCount + 1) * <usize>blockCount << 2);
  rackOwedPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  serverOwedPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  levelCountPtr = scratchAlloc(<usize>(blocksMax + 2) << 2);
  if (blockCount > 1 && planRacks()) return true;
  blockCount = 1;
  for (let rack: u32 = 0; rack < rackCount; rack++) u32Set(rackAmountPtr, rack, rackTotal(rack));
  return false;
}

function rackTotal(rack: u32): u32 {
  return <u32>load<u64>(rackTotalsPtr + (<usize>rack << 3));
}

// Rack level: a(r, j) for every block, stored.
function planRacks(): bool {
  const slots = <u64>bucketCount * <u64>copyCount;
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    let floors: u64 = 0;
    for (let j: u32 = 0; j < blockCount; j++) floors += <u64>rackTotal(rack) * columnOf(j) / slots;
    u32Set(rackOwedPtr, rack, <u32>(<u64>rackTotal(rack) - floors));
  }
  stepsAdd(<u64>rackCount * blockCount);
  for (let j: u32 = 0; j < blockCount; j++) {
    if (!roundRacks(j, slots)) return false;
  }
  return true;
}

// C·β_j: the copies block j holds.
function columnOf(j: u32): u64 {
  return <u64>(blockStart(j + 1) - blockStart(j)) * <u64>copyCount;
}

function roundRacks(j: u32, slots: u64): bool {
  const column = columnOf(j);
  let assigned: u64 = 0;
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    const floor = <u32>(<u64>rackTotal(rack) * column / slots);
    u32Set(rackAmountPtr, rack * blockCount + j, floor);
    assigned += floor;
  }
  const need = <u32>(column - assigned);
  return roundUp(need, 0, rackCount, j, column, slots, true, 0);
}

/** startServerRounding — reset what each server of `rack` owes before rounding its blocks in order. */
export function startServerRounding(rack: u32): void {
  const end = rackMembersStart(rack + 1);
  for (let k = rackMembersStart(rack); k < end; k++) {
    const server = rackMemberAt(k);
    const share = <u64>u32Get(replicaTargetPtr, server);
    let floors: u64 = 0;
    for (let j: u32 = 0; j < blockCount; j++) floors += share * blockSize(j) / <u64>bucketCount;
    u32Set(serverOwedPtr, server, <u32>(share - floors));
  }
  stepsAdd(<u64>(end - rackMembersStart(rack)) * blockCount);
}

/**
 * roundServers — x(s, j) for the servers of `rack` (call for j = 0, 1, … in order after
 * startServerRounding) into outPtr[server] when outPtr ≠ 0; returns whether it came out exact.
 */
export function roundServers(rack: u32, j: u32, outPtr: usize): bool {
  const size = blockSize(j);
  const start = rackMembersStart(rack);
  const end = rackMembersStart(rack + 1);
  let assigned: u64 = 0;
  for (let k = start; k < end; k++) {
    const server = rackMemberAt(k);
    const floor = <u32>(<u64>u32Get(replicaTargetPtr, server) * size / <u64>bucketCount);
    if (outPtr != 0) u32Set(outPtr, server, floor);
    assigned += floor;
  }
  const amount = <u64>rackAmount(rack, j);
  if (assigned > amount) return false;
  return roundUp(<u32>(amount - assigned), start, end - start, j, size, <u64>bucketCount, false, outPtr);
}

// β_j: the buckets of block j.
function blockSize(j: u32): u64 {
  return <u64>(blockStart(j + 1) - blockStart(j));
}

// Give `need` round-ups among `count` items (racks 0.., or rack members from index `first`)
// to those owing the most (ties: a rotation that moves on block by block), among items whose
// share in this column is not whole. Owed counts are at most the block count: counted by level.
function roundUp(need: u32, first: u32, count: u32, j: u32, column: u64, total: u64, racks: bool, outPtr: usize): bool {
  if (need == 0) return true;
  let top: u32 = 0;
  for (let k: u32 = 0; k < count; k++) {
    const item = racks ? k : rackMemberAt(first + k);
    if (eligible(item, column, total, racks)) top = max(top, owedOf(item, racks));
  }
  memory.fill(levelCountPtr, 0, <usize>(top + 1) << 2);
  for (let k: u32 = 0; k < count; k++) {
    const item = racks ? k : rackMemberAt(first + k);
    if (eligible(item, column, total, racks)) u32Add(levelCountPtr, owedOf(item, racks), 1);
  }
  // The owed level from which every eligible item rounds up, and how many at that level do.
  let level = top;
  let above: u32 = 0;
  while (level > 0 && above + u32Get(levelCountPtr, level) < need) above += u32Get(levelCountPtr, level--);
  stepsAdd(<u64>count * 3 + top);
  if (level == 0) return false;
  let atLevel = need - above;
  const offset = j % count;
  for (let step: u32 = 0; step < count; step++) {
    const k = (step + offset) % count;
    const item = racks ? k : rackMemberAt(first + k);
    if (!eligible(item, column, total, racks)) continue;
    const owed = owedOf(item, racks);
    if (owed < level) continue;
    if (owed == level) {
      if (atLevel == 0) continue;
      atLevel--;
    }
    setOwed(item, racks, owed - 1);
    if (racks) u32Set(rackAmountPtr, item * blockCount + j, u32Get(rackAmountPtr, item * blockCount + j) + 1);
    else if (outPtr != 0) u32Set(outPtr, item, u32Get(outPtr, item) + 1);
  }
  return true;
}

function eligible(item: u32, column: u64, total: u64, racks: bool): bool {
  if (owedOf(item, racks) == 0) return false;
  const share: u64 = racks ? <u64>rackTotal(item) : <u64>u32Get(replicaTargetPtr, item);
  return share * column % total != 0;
}

// @ts-ignore: decorator
@inline function owedOf(item: u32, racks: bool): u32 {
  return u32Get(racks ? rackOwedPtr : serverOwedPtr, item);
}

// @ts-ignore: decorator
@inline function setOwed(item: u32, racks: bool, value: u32): void {
  u32Set(racks ? rackOwedPtr : serverOwedPtr, item, value);
}
