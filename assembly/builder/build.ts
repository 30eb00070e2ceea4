/**
 * build — the full build: from a source table and the live servers to the target table.
 *
 *   targets ─┬─ nothing to keep ──▶ construct: pair counts (C = 2, pair-design.ts) or the
 *            │                      staircase (staircase.ts) ──▶ masters balanced if needed
 *            └─ a source ─keep──▶ kept copies ─fill──▶ every slot ─repair──▶ leftovers placed
 *                           ──masters──▶ copy 0 chosen ──partners──▶ C = 2 partner spread
 *   ──▶ summary (moves, minimums, spread and its bound, partner excess, steps)
 *
 * Targets come first (targets.ts): whole replica and master counts per live server. Every
 * step only ever places a server below its replica target, so the target table holds exactly
 * the targets when all slots are filled. Work is counted in steps (budget.ts): linear passes
 * plus searches that each stop at their own budget.
 */
import { BuildResult, Outcome, Strategy } from '../outcome';
import { assertShape, rackCountMax, selfChecks } from '../limits';
import { alignedBytes, scratchAlloc, scratchAllocRaw, scratchReset } from '../scratch';
import { u16Get, u32Get, u32Set, u8Get } from '../layout';
import {
  SlotFresh, contextSet, contextSetReplicaRange, contextSetServerArrays, contextSetSpread, masterCountPtr, masterHighPtr,
  masterLowPtr, pendingReset, slotStatePtr, sourceReplicasPtr,
} from './context';
import { computeTargets, targetsReset, targetsScratchBytes } from './targets';
import { countSourceHoldings, keepScratchBytes, keepSourceCopies } from './keep';
import { fillEmptySlots, fillScratchBytes } from './fill';
import { unitSequenceScratchBytes } from './unit-sequence';
import { fillFlowScratchBytes } from './fill-flow';
import { relaxedRepairs, repairSwaps, repairUnfilled } from './repair';
import { balanceMasters, chooseMasters, setDecidedMarks } from './masters';
import { allowRoleFlips, partnerSwaps, partnersScratchBytes, spreadPartners } from './partners';
import { chainsScratchBytes } from './master-chains';
import { freshChainsScratchBytes } from './fresh-chains';
import { setRackCaps } from './placement-rules';
import { buildStaircase, staircaseScratchBytes } from './staircase';
import { blockPlanScratchBytes } from './block-plan';
import { buildPairs, pairDesignScratchBytes } from './pair-design';
import { partnerExcessScratchBytes } from './partner-excess';
import { writeSummary } from './summary';
import { bucketTypesScratchBytes } from './bucket-types';
import { masterFlowScratchBytes } from './master-flow';
import { roleTradesScratchBytes } from './role-trades';
import { budgetReset, budgetSpent, publish, steps, stepsAdd } from './budget';
import { bucketCount as contextBuckets, copyCount as contextCopies, serverCount as contextServers } from './context';

/** buildScratchBytes — scratch a build of this shape needs (the host sizes memory with it). */
export function buildScratchBytes(bucketCount: u32, copyCount: u32, serverCount: u32, rackCount: u32): f64 {
  const slotCount = <u64>bucketCount * <u64>copyCount;
  const perServer = alignedBytes((<u64>serverCount + 1) * 4) * 10;
  let bytes = perServer + alignedBytes(slotCount) * 2 + alignedBytes(<u64>bucketCount);
  bytes += targetsScratchBytes(serverCount, rackCount);
  bytes += keepScratchBytes(serverCount, rackCount);
  bytes += fillScratchBytes(slotCount, serverCount) + unitSequenceScratchBytes(slotCount, serverCount, rackCount);
  bytes += fillFlowScratchBytes(bucketCount, copyCount, serverCount, rackCount, slotCount);
  bytes += partnersScratchBytes(bucketCount, serverCount, rackCount);
  bytes += chainsScratchBytes(slotCount, serverCount);
  bytes += freshChainsScratchBytes();
  bytes += staircaseScratchBytes(serverCount, rackCount) + blockPlanScratchBytes(serverCount, rackCount);
  bytes += copyCount == 2 ? pairDesignScratchBytes(serverCount, rackCount) : 0;
  bytes += partnerExcessScratchBytes(bucketCount, serverCount, rackCount) + bucketTypesScratchBytes() * 2;
  bytes += masterFlowScratchBytes(bucketCount, serverCount) + roleTradesScratchBytes(serverCount);
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
  const slotCount = bucketCount * copyCount;
  memory.fill(resultPtr, 0, BuildResult.Words << 2);
  budgetReset(<u64>slotCount, resultPtr);
  // A first build never reads its source (the host leaves it to us); debug builds zero it
  // for the self-checks that compare against it.
  if (sourceEmpty != 0 && selfChecks) memory.fill(sourcePtrIn, 0, <usize>slotCount << 1);
  scratchReset(scratchPtr, scratchBytes);
  targetsReset();
  contextSet(bucketCount, copyCount, serverCount, rackCount, seed, sourcePtrIn, targetPtrIn, rackPtr, weightPtr, alivePtr);
  setRackCaps(0, 0, 0);
  const alive = countAlive(serverCount, alivePtr);
  const racks = countRacks(serverCount, rackCount, alivePtr, rackPtr);
  u32Set(resultPtr, BuildResult.AliveCount, alive);
  u32Set(resultPtr, BuildResult.RackCount, racks);
  if (alive < copyCount) return finish(resultPtr, Outcome.NotEnoughServers);
  const used: u32 = strategy == <u32>Strategy.Auto ? autoStrategy(alive, racks, copyCount, diffRatioMillionths, serverCount, rackCount, alivePtr, rackPtr) : strategy;
  u32Set(resultPtr, BuildResult.StrategyUsed, used);
  allocateWorkingArrays(serverCount, slotCount);
  contextSetSpread(alive, racks, false);
  if (sourceEmpty == 0 && !countSourceHoldings()) return finish(resultPtr, Outcome.InvalidSource);
  const feasible = computeTargets(used == Strategy.Rack);
  contextSetSpread(alive, racks, feasible);
  u32Set(resultPtr, <u32>BuildResult.RackSpreadFeasible, feasible ? 1 : 0);
  publish();
  setDecidedMarks(scratchAlloc(<usize>bucketCount));
  const firstBuild = sourceEmpty != 0 || !anySourceCopy(serverCount);
  let spreadExact = true;
  if (firstBuild) {
    construct(slotCount);
  } else {
    memory.fill(slotStatePtr, 0, <usize>slotCount);
    memory.fill(targetPtrIn, 0, <usize>slotCount << 1);
    stepsAdd(slotCount);
    keepSourceCopies();
    fillEmptySlots();
    const stillEmpty = repairUnfilled();
    u32Set(resultPtr, BuildResult.RepairSwaps, repairSwaps);
    if (stillEmpty > 0) {
      u32Set(resultPtr, BuildResult.EmptySlots, stillEmpty);
      return finish(resultPtr, Outcome.Unplaceable);
    }
    spreadExact = relaxedRepairs == 0;
    chooseMasters();
    allowRoleFlips(false);
    spreadPartners(rackCount);
    u32Set(resultPtr, BuildResult.PartnerSwaps, partnerSwaps);
  }
  writeSummary(resultPtr, firstBuild, spreadExact);
  return finish(resultPtr, Outcome.Ok);
}

// Nothing to keep: lay the table out directly, then balance masters only if the layout missed.
function construct(slotCount: u32): void {
  memory.fill(slotStatePtr, SlotFresh, <usize>slotCount);
  pendingReset(scratchAllocRaw(<usize>contextBuckets << 2), scratchAlloc(<usize>contextBuckets));
  const designed = contextCopies == 2 && buildPairs();
  if (!designed) buildStaircase();
  publish();
  if (mastersOutOfRange()) balanceMasters(0);
  if (contextCopies == 2 && !designed) {
    allowRoleFlips(true);
    spreadPartners(0);
  }
}

function mastersOutOfRange(): bool {
  for (let server: u32 = 1; server <= contextServers; server++) {
    const count = u32Get(masterCountPtr, server);
    if (count < u32Get(masterLowPtr, server) || count > u32Get(masterHighPtr, server)) return true;
  }
  return false;
}

function finish(resultPtr: usize, outcome: u32): u32 {
  u32Set(resultPtr, BuildResult.Outcome, outcome);
  u32Set(resultPtr, BuildResult.BudgetSpent, budgetSpent);
  publish();
  assert(steps == (<u64>u32Get(resultPtr, BuildResult.StepsLow) | (<u64>u32Get(resultPtr, BuildResult.StepsHigh) << 32)));
  return outcome;
}

function anySourceCopy(serverCount: u32): bool {
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u32Get(sourceReplicasPtr, server) > 0) return true;
  }
  return false;
}

function allocateWorkingArrays(serverCount: u32, slotCount: u32): void {
  const perServer = <usize>(serverCount + 1) << 2;
  contextSetReplicaRange(scratchAlloc(perServer), scratchAlloc(perServer));
  contextSetServerArrays(
    scratchAlloc(perServer), scratchAlloc(perServer), scratchAlloc(perServer), scratchAlloc(perServer),
    scratchAlloc(perServer), scratchAlloc(perServer), scratchAlloc(perServer), scratchAlloc(perServer),
    scratchAllocRaw(<usize>slotCount),
  );
}

function countAlive(serverCount: u32, alivePtr: usize): u32 {
  let alive: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) if (u8Get(alivePtr, server) != 0) alive++;
  stepsAdd(serverCount);
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
  stepsAdd(serverCount);
  return racks;
}

// The original's rule: rack-aware when the biggest rack is not too far from the rest,
// ratio = |S − 2·biggest| / biggest ≤ _build_diff_ratio (and < 1).
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
