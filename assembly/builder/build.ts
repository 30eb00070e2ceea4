/**
 * build — the full build: from a source table and the live servers to the target table.
 *
 *   source ──keep──▶ kept copies ──fill──▶ every slot ──repair──▶ leftovers placed
 *          ──masters──▶ copy 0 chosen ──partners──▶ C = 2 partner spread ──▶ target
 *
 * Targets come first (targets.ts): whole replica and master counts per live server.
 * Every step only ever places a server below its replica target, so the target table
 * holds exactly the targets when all slots are filled.
 */
import { BuildResult, Outcome, Strategy } from '../outcome';
import { assertShape, rackCountMax, selfChecks } from '../limits';
import { alignedBytes, scratchAlloc, scratchReset } from '../scratch';
import { slotGet, u16Get, u32Get, u32Set, u8Get } from '../layout';
import {
  contextSet, contextSetReplicaRange, contextSetServerArrays, contextSetSpread, masterCountPtr, masterTargetPtr,
  replicaCountPtr, replicaTargetPtr,
  pendingAt, pendingCount, sourceMastersPtr, sourceReplicasPtr, sourcePtr, spreadWanted, strictRacks, targetPtr,
} from './context';
import { computeTargets, targetsScratchBytes } from './targets';
import { countSourceHoldings, keepScratchBytes, keepSourceCopies } from './keep';
import { fillEmptySlots, fillScratchBytes } from './fill';
import { relaxedRepairs, repairSwaps, repairUnfilled } from './repair';
import { chooseMasters, setDecidedMarks } from './masters';
import { allowRoleFlips, partnerSwaps, partnersScratchBytes, spreadPartners } from './partners';
import { chainsScratchBytes } from './master-chains';
import { freshChainsScratchBytes } from './fresh-chains';
import { setRackCaps } from './placement-rules';

/** buildScratchBytes — scratch a build of this shape needs (the host sizes memory with it). */
export function buildScratchBytes(bucketCount: u32, copyCount: u32, serverCount: u32, rackCount: u32): f64 {
  const slotCount = <u64>bucketCount * <u64>copyCount;
  const perServer = alignedBytes((<u64>serverCount + 1) * 4) * 10;
  let bytes = perServer + alignedBytes(slotCount) * 2 + alignedBytes(<u64>bucketCount);
  bytes += targetsScratchBytes(serverCount, rackCount);
  bytes += keepScratchBytes(serverCount, rackCount);
  bytes += fillScratchBytes(slotCount, serverCount);
  bytes += partnersScratchBytes(bucketCount, serverCount, rackCount);
  bytes += chainsScratchBytes(slotCount, serverCount);
  bytes += freshChainsScratchBytes();
  bytes += (<u64>serverCount + 1) * 8 + (<u64>rackCount + 1) * 8 + 2048;
  bytes += (<u64>rackCount + 1) * 8 + 4096;
  return <f64>bytes;
}

/** buildTable — write the target table and BuildResult words; returns the Outcome. */
export function buildTable(
  bucketCount: u32, copyCount: u32, serverCount: u32, rackCount: u32,
  strategy: u32, diffRatioMillionths: u32, seed: u32,
  sourcePtrIn: usize, targetPtrIn: usize, rackPtr: usize, weightPtr: usize, alivePtr: usize,
  scratchPtr: usize, scratchBytes: usize, resultPtr: usize, sourceEmpty: u32,
): u32 {
  assertShape(bucketCount, copyCount, serverCount);
  assert(rackCount >= 1 && rackCount <= rackCountMax, 'rackCount out of range');
  assert(strategy >= <u32>Strategy.Balanced && strategy <= <u32>Strategy.Auto, 'unknown strategy');
  memory.fill(resultPtr, 0, BuildResult.Words << 2);
  // The host leaves an empty source to us, so a worker pays for the zeroing, not its caller.
  if (sourceEmpty != 0) memory.fill(sourcePtrIn, 0, <usize>(bucketCount * copyCount) << 1);
  sourceWasEmpty = sourceEmpty != 0;
  scratchReset(scratchPtr, scratchBytes);
  contextSet(bucketCount, copyCount, serverCount, rackCount, seed, sourcePtrIn, targetPtrIn, rackPtr, weightPtr, alivePtr);
  setRackCaps(0, 0, 0);
  const alive = countAlive(serverCount, alivePtr);
  const racks = countRacks(serverCount, rackCount, alivePtr, rackPtr);
  u32Set(resultPtr, BuildResult.AliveCount, alive);
  u32Set(resultPtr, BuildResult.RackCount, racks);
  if (alive < copyCount) {
    u32Set(resultPtr, BuildResult.Outcome, Outcome.NotEnoughServers);
    return Outcome.NotEnoughServers;
  }
  const used: u32 = strategy == <u32>Strategy.Auto ? autoStrategy(alive, racks, copyCount, diffRatioMillionths, serverCount, rackCount, alivePtr, rackPtr) : strategy;
  u32Set(resultPtr, BuildResult.StrategyUsed, used);
  allocateWorkingArrays(serverCount, bucketCount * copyCount);
  contextSetSpread(alive, racks, false);
  if (sourceEmpty == 0 && !countSourceHoldings()) {
    u32Set(resultPtr, BuildResult.Outcome, Outcome.InvalidSource);
    return Outcome.InvalidSource;
  }
  const feasible = computeTargets(used == Strategy.Rack);
  contextSetSpread(alive, racks, feasible);
  u32Set(resultPtr, <u32>BuildResult.RackSpreadFeasible, feasible ? 1 : 0);
  memory.fill(targetPtr, 0, <usize>(bucketCount * copyCount) << 1);
  setDecidedMarks(scratchAlloc(<usize>bucketCount));
  keepSourceCopies();
  fillEmptySlots(sourceEmpty != 0);
  const stillEmpty = repairUnfilled();
  u32Set(resultPtr, BuildResult.RepairSwaps, repairSwaps);
  if (stillEmpty > 0) {
    u32Set(resultPtr, BuildResult.EmptySlots, stillEmpty);
    u32Set(resultPtr, BuildResult.Outcome, Outcome.Unplaceable);
    return Outcome.Unplaceable;
  }
  chooseMasters();
  allowRoleFlips(sourceEmpty != 0);
  spreadPartners(rackCount);
  u32Set(resultPtr, BuildResult.PartnerSwaps, partnerSwaps);
  writeSummary(resultPtr, bucketCount, copyCount, serverCount, rackCount, alivePtr, rackPtr);
  return Outcome.Ok;
}

function allocateWorkingArrays(serverCount: u32, slotCount: u32): void {
  const perServer = <usize>(serverCount + 1) << 2;
  contextSetReplicaRange(scratchAlloc(perServer), scratchAlloc(perServer));
  contextSetServerArrays(
    scratchAlloc(perServer), scratchAlloc(perServer), scratchAlloc(perServer), scratchAlloc(perServer),
    scratchAlloc(perServer), scratchAlloc(perServer), scratchAlloc(perServer), scratchAlloc(perServer),
    scratchAlloc(<usize>slotCount),
  );
}

function countAlive(serverCount: u32, alivePtr: usize): u32 {
  let alive: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) if (u8Get(alivePtr, server) != 0) alive++;
  return alive;
}

function countRacks(serverCount: u32, rackCount: u32, alivePtr: usize, rackPtr: usize): u32 {
  const seenPtr = scratchAlloc(<usize>rackCount + 1);
  let racks: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const rack = u16Get(rackPtr, server);
    assert(rack < rackCount, 'rack index out of range');
    if (load<u8>(seenPtr + rack) == 0) racks++;
    store<u8>(seenPtr + rack, 1);
  }
  return racks;
}

// The original's rule: rack-aware when the biggest rack is not too far
// from the rest, ratio = |S − 2·biggest| / biggest ≤ _build_diff_ratio (and < 1).
function autoStrategy(
  alive: u32, racks: u32, copyCount: u32, diffRatioMillionths: u32,
  serverCount: u32, rackCount: u32, alivePtr: usize, rackPtr: usize,
): u32 {
  if (racks <= 1 || alive < copyCount) return Strategy.Balanced;
  const sizesPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  let biggest: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const rack = u16Get(rackPtr, server);
    const size = u32Get(sizesPtr, rack) + 1;
    u32Set(sizesPtr, rack, size);
    if (size > biggest) biggest = size;
  }
  const ratio = Math.abs(<f64>alive - 2.0 * <f64>biggest) / <f64>biggest;
  const limit = <f64>diffRatioMillionths / 1e6;
  return ratio <= limit && ratio <= 0.9999 ? Strategy.Rack : Strategy.Balanced;
}

// One pass over the finished table: moves against the source and spread violations.
// A row equal to its source row was accepted whole by the keep pass (live, distinct, and
// spread when racks are strict), so only changed rows need the full look.
let sourceWasEmpty = false;

function writeSummary(
  resultPtr: usize, bucketCount: u32, copyCount: u32, serverCount: u32, rackCount: u32,
  alivePtr: usize, rackPtr: usize,
): void {
  // Every change to the target marks its bucket pending, so other rows equal their source
  // rows, which the keep pass accepted whole (live, distinct, spread when racks are strict).
  const stride = <usize>bucketCount << 1;
  const rowEnd = stride * <usize>copyCount;
  let replicaMoves: u32 = 0;
  let masterChanges: u32 = 0;
  let empty: u32 = 0;
  let sameServer: u32 = 0;
  let spreadShort: u32 = 0;
  let changedRows: u32 = 0;
  // Placements go through canPlace (never a server twice; the full spread when racks are
  // strict), so only relaxed repairs can leave a bucket short; debug builds check it all.
  const checkRows = selfChecks || !strictRacks || relaxedRepairs > 0;
  if (sourceWasEmpty && !checkRows) {
    // A first build from an empty source: every placed copy is a move, every master new.
    writeFirstBuildSummary(resultPtr, bucketCount, copyCount, serverCount, alivePtr);
    return;
  }
  const fromEmpty = sourceWasEmpty;
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
      if (fromEmpty) {
        replicaMoves++;
        if (!checkRows) continue;
      }
      let inSource = false;
      for (let other = base; other < rowEnd; other += stride) {
        if (<u32>load<u16>(sourcePtr + other) == server) inSource = true;
        if (other < at && <u32>load<u16>(targetPtr + other) == server) duplicate = true;
      }
      if (!inSource && !fromEmpty) replicaMoves++;
    }
    if (changed) changedRows++;
    if (duplicate) sameServer++;
    if (checkRows && strictRacks && distinctRacks(bucket, bucketCount, copyCount, rackPtr) < spreadWanted) spreadShort++;
  }
  // Rows kept whole are only short of racks when racks are not strict: count those over all rows.
  if (!strictRacks) {
    for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
      if (distinctRacks(bucket, bucketCount, copyCount, rackPtr) < spreadWanted) spreadShort++;
    }
  }
  u32Set(resultPtr, BuildResult.ReplicaMoves, replicaMoves);
  u32Set(resultPtr, BuildResult.MasterChanges, masterChanges);
  u32Set(resultPtr, BuildResult.MinimumReplicaMoves, minimumMoves(serverCount, bucketCount * copyCount, alivePtr));
  u32Set(resultPtr, BuildResult.MinimumMasterChanges, minimumMasterChanges(serverCount, bucketCount, alivePtr));
  u32Set(resultPtr, BuildResult.EmptySlots, empty);
  u32Set(resultPtr, BuildResult.SameServer, sameServer);
  u32Set(resultPtr, BuildResult.RackSpreadShort, spreadShort);
  u32Set(resultPtr, BuildResult.UnchangedFromSource, changedRows == 0 ? 1 : 0);
  u32Set(resultPtr, BuildResult.Outcome, Outcome.Ok);
  if (selfChecks) checkSummary(bucketCount, copyCount, replicaMoves, masterChanges);
}

function writeFirstBuildSummary(resultPtr: usize, bucketCount: u32, copyCount: u32, serverCount: u32, alivePtr: usize): void {
  let placed: u64 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) placed += u32Get(replicaCountPtr, server);
  let masters: u64 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) masters += u32Get(masterCountPtr, server);
  u32Set(resultPtr, BuildResult.ReplicaMoves, <u32>placed);
  u32Set(resultPtr, BuildResult.MasterChanges, <u32>masters);
  u32Set(resultPtr, BuildResult.MinimumReplicaMoves, minimumMoves(serverCount, bucketCount * copyCount, alivePtr));
  u32Set(resultPtr, BuildResult.MinimumMasterChanges, minimumMasterChanges(serverCount, bucketCount, alivePtr));
  u32Set(resultPtr, BuildResult.EmptySlots, bucketCount * copyCount - <u32>placed);
  u32Set(resultPtr, BuildResult.SameServer, 0);
  u32Set(resultPtr, BuildResult.RackSpreadShort, 0);
  u32Set(resultPtr, BuildResult.UnchangedFromSource, placed == 0 ? 1 : 0);
  u32Set(resultPtr, BuildResult.Outcome, Outcome.Ok);
}

// Debug builds recount moves and master changes over every row: a modification that forgot
// to mark its bucket pending shows up here.
function checkSummary(bucketCount: u32, copyCount: u32, replicaMoves: u32, masterChanges: u32): void {
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

function distinctRacks(bucket: u32, bucketCount: u32, copyCount: u32, rackPtr: usize): u32 {
  let distinct: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server == 0) continue;
    const rack = u16Get(rackPtr, server);
    let first = true;
    for (let earlier: u32 = 0; earlier < copyIndex; earlier++) {
      const other = slotGet(targetPtr, earlier * bucketCount + bucket);
      if (other != 0 && u16Get(rackPtr, other) == rack) first = false;
    }
    if (first) distinct++;
  }
  return distinct;
}

// Every target slot a server fills beyond what it can keep from the source is a move.
function minimumMoves(serverCount: u32, slotCount: u32, alivePtr: usize): u32 {
  let keepable: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    keepable += min(u32Get(replicaTargetPtr, server), u32Get(sourceReplicasPtr, server));
  }
  return slotCount - keepable;
}

function minimumMasterChanges(serverCount: u32, bucketCount: u32, alivePtr: usize): u32 {
  let keepable: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    keepable += min(u32Get(masterTargetPtr, server), u32Get(sourceMastersPtr, server));
  }
  return bucketCount - keepable;
}
