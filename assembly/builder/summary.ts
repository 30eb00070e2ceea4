/**
 * summary — what a finished build reports: moves and master changes against the source,
 * the least of each any table with these counts needs, empty and doubled slots, buckets
 * short of their rack spread and the least possible, and (C = 2) the partner excess.
 *
 * Every change to the target marks its bucket pending, so the other rows equal their source
 * rows, which the keep pass accepted whole (live, distinct, spread when racks are strict):
 * only pending rows need the full look. First builds are summed from the counts.
 */
import { BuildResult, Outcome } from '../outcome';
import { selfChecks } from '../limits';
import {
  alivePtr, bucketCount, copyCount, masterCountPtr, masterHighPtr, masterLowPtr, pendingAt, pendingCount, rackOf, racksAlive,
  replicaCountPtr, serverCount, sourceMastersPtr, sourcePtr, sourceReplicasPtr, spreadWanted,
  strictRacks, targetPtr,
} from './context';
import { rackTotalsPtr, shortBound } from './targets';
import { partnerExcess } from './partner-excess';
import { stepsAdd } from './budget';
import { slotGet, u32Get, u32Set, u8Get } from '../layout';

/** writeSummary — fill the BuildResult words of a finished build. */
export function writeSummary(resultPtr: usize, firstBuild: bool, spreadExact: bool): void {
  if (firstBuild) writeFirstBuildCounts(resultPtr, spreadExact);
  else writeRebuildCounts(resultPtr, spreadExact);
  u32Set(resultPtr, BuildResult.MinimumReplicaMoves, minimumMoves());
  u32Set(resultPtr, BuildResult.MinimumMasterChanges, minimumMasterChanges());
  u32Set(resultPtr, BuildResult.RackShortBound, shortBound);
  store<i32>(resultPtr + (<usize>BuildResult.PartnerExcessMax << 2), copyCount == 2 ? partnerExcess() : 0);
  u32Set(resultPtr, BuildResult.Outcome, Outcome.Ok);
}

// A first build: every placed copy is a move, every master new; spread from the construction.
function writeFirstBuildCounts(resultPtr: usize, spreadExact: bool): void {
  let placed: u64 = 0;
  let masters: u64 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    placed += u32Get(replicaCountPtr, server);
    masters += u32Get(masterCountPtr, server);
  }
  u32Set(resultPtr, BuildResult.ReplicaMoves, <u32>placed);
  u32Set(resultPtr, BuildResult.MasterChanges, <u32>masters);
  u32Set(resultPtr, BuildResult.EmptySlots, bucketCount * copyCount - <u32>placed);
  u32Set(resultPtr, BuildResult.SameServer, 0);
  const short = selfChecks || !spreadExact || racksOutsideSpread() ? countShortBuckets() : 0;
  u32Set(resultPtr, BuildResult.RackSpreadShort, short);
  u32Set(resultPtr, BuildResult.UnchangedFromSource, placed == 0 ? 1 : 0);
}

// Whether some rack total lies outside what a full spread allows (then buckets are short).
function racksOutsideSpread(): bool {
  if (racksAlive <= 1) return false;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const total = load<u64>(rackTotalsPtr + (<usize>rackOf(server) << 3));
    if (copyCount <= racksAlive ? total > <u64>bucketCount : total < <u64>bucketCount) return true;
  }
  return false;
}

/** countShortBuckets — buckets of the target spanning fewer than spreadWanted racks (one pass). */
export function countShortBuckets(): u32 {
  let short: u32 = 0;
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    if (distinctRacks(bucket) < spreadWanted) short++;
  }
  stepsAdd(<u64>bucketCount * copyCount);
  return short;
}

function writeRebuildCounts(resultPtr: usize, spreadExact: bool): void {
  const stride = <usize>bucketCount << 1;
  const rowEnd = stride * <usize>copyCount;
  let replicaMoves: u32 = 0;
  let masterChanges: u32 = 0;
  let empty: u32 = 0;
  let sameServer: u32 = 0;
  let spreadShort: u32 = 0;
  let changedRows: u32 = 0;
  const checkRows = selfChecks || !strictRacks || !spreadExact;
  for (let k: u32 = 0; k < pendingCount; k++) {
    const bucket = pendingAt(k);
    const base = <usize>bucket << 1;
    if (load<u16>(targetPtr + base) != load<u16>(sourcePtr + base)) masterChanges++;
    let changed = false;
    let duplicate = false;
    for (let at = base; at < rowEnd; at += stride) {
      const server = <u32>load<u16>(targetPtr + at);
      if (server != <u32>load<u16>(sourcePtr + at)) changed = true;
      if (server == 0) {
        empty++;
        continue;
      }
      let inSource = false;
      for (let other = base; other < rowEnd; other += stride) {
        if (<u32>load<u16>(sourcePtr + other) == server) inSource = true;
        if (other < at && <u32>load<u16>(targetPtr + other) == server) duplicate = true;
      }
      if (!inSource) replicaMoves++;
    }
    if (changed) changedRows++;
    if (duplicate) sameServer++;
    if (checkRows && strictRacks && distinctRacks(bucket) < spreadWanted) spreadShort++;
  }
  stepsAdd(<u64>pendingCount * copyCount * copyCount);
  // Rows kept whole are only short of racks when racks are not strict: count those over all rows.
  if (!strictRacks) spreadShort = countShortBuckets();
  u32Set(resultPtr, BuildResult.ReplicaMoves, replicaMoves);
  u32Set(resultPtr, BuildResult.MasterChanges, masterChanges);
  u32Set(resultPtr, BuildResult.EmptySlots, empty);
  u32Set(resultPtr, BuildResult.SameServer, sameServer);
  u32Set(resultPtr, BuildResult.RackSpreadShort, spreadShort);
  u32Set(resultPtr, BuildResult.UnchangedFromSource, changedRows == 0 ? 1 : 0);
  if (selfChecks) checkSummary(replicaMoves, masterChanges);
}

// Debug builds recount moves and master changes over every row: a modification that forgot
// to mark its bucket pending shows up here.
function checkSummary(replicaMoves: u32, masterChanges: u32): void {
  let moves: u32 = 0;
  let changes: u32 = 0;
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    if (slotGet(targetPtr, bucket) != slotGet(sourcePtr, bucket)) changes++;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
      if (server == 0) continue;
      let inSource = false;
      for (let other: u32 = 0; other < copyCount; other++) {
        if (slotGet(sourcePtr, other * bucketCount + bucket) == server) inSource = true;
      }
      if (!inSource) moves++;
    }
  }
  assert(moves == replicaMoves && changes == masterChanges, 'summary missed a changed bucket');
}

function distinctRacks(bucket: u32): u32 {
  let distinct: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server == 0) continue;
    const rack = rackOf(server);
    let first = true;
    for (let earlier: u32 = 0; earlier < copyIndex; earlier++) {
      const other = slotGet(targetPtr, earlier * bucketCount + bucket);
      if (other != 0 && rackOf(other) == rack) first = false;
    }
    if (first) distinct++;
  }
  return distinct;
}

// Every target slot a server fills beyond what it can keep from the source is a move (with
// the counts the table ended with: the least any table with these counts needs).
function minimumMoves(): u32 {
  let keepable: u64 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    keepable += min(u32Get(replicaCountPtr, server), u32Get(sourceReplicasPtr, server));
  }
  return <u32>(<u64>bucketCount * <u64>copyCount - keepable);
}

// Masters: the least over every count a server may end with (its allowed range), not only
// the counts this table has: each server keeps min(low, held) roles for sure, and the roles
// the others must still take go first to servers that hold more than their low end.
function minimumMasterChanges(): u32 {
  let keepable: u64 = 0;
  let assigned: u64 = 0;
  let useful: u64 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const held = <u64>u32Get(sourceMastersPtr, server);
    const low = <u64>u32Get(masterLowPtr, server);
    const high = <u64>u32Get(masterHighPtr, server);
    keepable += min(low, held);
    assigned += low;
    if (held > low) useful += min(held, high) - low;
  }
  keepable += min(assigned < <u64>bucketCount ? <u64>bucketCount - assigned : 0, useful);
  return <u32>(<u64>bucketCount - keepable);
}
