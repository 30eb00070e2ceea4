/**
 * fill-flow — fill the empty slots of a rebuild as one transportation problem.
 *
 * Which servers may fill an empty slot depends only on what its bucket holds: buckets that
 * hold the same (a type: same holders, or for many servers the same racks held as often, and
 * the same number of empty slots) are interchangeable. So the fill is a small max-flow:
 *
 *   source ─n·e─▶ type ─≤ n─▶ server (≤ 64 live servers) or rack ─deficit─▶ sink
 *
 * with n the type's buckets and e their empty slots; an arc exists where the placement rules
 * allow it (placement-rules.ts, on one bucket of the type). It places as many units as any
 * placement without extra moves could; what it cannot goes to repair. Rounds of arcs, each
 * only carrying what the earlier could not: servers first within about their share of the
 * type (so the servers replacing one survivor's lost copies are spread), then any allowed;
 * racks that cannot all spread (not strict) last get arcs that give up spread.
 * This file builds the types and the network and runs the flow; fill-place.ts then gives each
 * type's buckets their servers or racks from what the flow carried.
 *
 *   type key: servers mode  mask of live-server positions held (u64)
 *             racks mode    mask of racks held (C ≤ R) or 4-bit count per rack (C > R, R < 8)
 */
import { SearchPass } from '../outcome';
import {
  aliveCount, alivePtr, bucketCount, copyCount, pendingAt, pendingCount, rackCount, rackOf, racksAlive, serverCount, strictRacks, targetPtr,
} from './context';
import { bucketTypesScratchBytes, typeAdd, typeCount, typeFirst, typeKeyB, typeSize, typesMax, typesReset } from './bucket-types';
import { canPlace, rackMayTake } from './placement-rules';
import { isDecided } from './masters';
import { roomReset } from './open-masters';
import { flowArc, flowArcTo, flowClose, flowEnd, flowFirstArc, flowNextArc, flowOn, flowOpen, flowReset, flowRun } from './flow';
import { sequenceLength, unitAt } from './unit-sequence';
import { rackNodesPlan, rackNodesScratchBytes, typeArc } from './fill-rack-nodes';
import { countStarved, lowNeed, starvedOf, starvedUnits, supplyLayer, supplyLayers, supplyMax } from './supply';
import { openFlag, placeBegin, placeFromFlow, splitUnitsByRack } from './fill-place';
import { budgetFillFlowFixed, budgetFillFlowPerSlot, passBudget, stepsAdd, steps } from './budget';
import { scratchAlloc } from '../scratch';
import { slotGet, u32Add, u32Get, u32Set, u8Get } from '../layout';

/** flowTargetsMax — live servers (servers mode) or racks (racks mode) a type key can hold. */
export const flowTargetsMax: u32 = 64;

let serversMode = false;
let targetCount: u32 = 0;
let targetOfPtr: usize = 0;
let serverAtPtr: usize = 0;
let supplyPtr: usize = 0;
let bucketTypePtr: usize = 0;

/** flowServersMode — whether the last fillByFlow decided servers (not only racks). */
export function flowServersMode(): bool {
  return serversMode;
}

/** fillFlowScratchBytes — scratch fillByFlow needs. */
export function fillFlowScratchBytes(bucketCount: u32, copyCount: u32, serverCount: u32, rackCount: u32, units: u64): u64 {
  const types = <u64>typesMax;
  const targets = <u64>flowTargetsMax + 1;
  // Rack nodes (fill-rack-nodes.ts): at most one per type and target, one arc each.
  const arcs = targets * (supplyLayers + 1) + types * (targets * 5 + 1);
  const nodes = 2 + targets + types + types * targets;
  return bucketTypesScratchBytes() + types * 4 * 2 + <u64>bucketCount * 4 * 2 + <u64>bucketCount * <u64>copyCount * 2 +
    units * 2 + (<u64>serverCount + 1) * 4 * 3 + (<u64>rackCount + 2) * 4 * 3 + nodes * 4 * 5 + arcs * 2 * 4 * 3 +
    (types * targets + 1) * 4 * 2 + 1024 + rackNodesScratchBytes(typesMax, flowTargetsMax, rackCount);
}

/**
 * fillByFlow — fill the pending buckets' empty slots; the slots it could not fill go to
 * unfilledPtr and their count is returned, the units left over to the front of the unit
 * sequence (leftoverCount, fill-place.ts). Returns −1, changing nothing, when the shape is beyond it.
 */
export function fillByFlow(unfilledPtr: usize): i64 {
  serversMode = aliveCount <= flowTargetsMax;
  if (!serversMode && (racksAlive <= 1 || rackCount > flowTargetsMax)) return -1;
  // Racks mode with C > R keys a 4-bit count per rack index.
  if (!serversMode && copyCount > racksAlive && rackCount * 4 > 64) return -1;
  allocate();
  mapTargets();
  if (!classify()) return -1;
  countStarved();
  if (!serversMode) {
    splitUnitsByRack(supplyPtr);
    roomReset(serverCount);
  }
  const flowed = solve();
  return placeFromFlow(unfilledPtr, flowed, targetCount, flowTargetsMax, bucketTypePtr, typeNode(0), targetNode(0));
}

function allocate(): void {
  targetOfPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  serverAtPtr = scratchAlloc(<usize>(flowTargetsMax + 1) << 2);
  supplyPtr = scratchAlloc(<usize>(flowTargetsMax + 1) << 2);
  bucketTypePtr = scratchAlloc(<usize>(pendingCount + 1) << 2);
  placeBegin(serversMode, serverAtPtr);
  typesReset();
}

// Targets are the live servers (position 0..) or the racks; supply = their deficit.
function mapTargets(): void {
  targetCount = serversMode ? 0 : rackCount;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const target = serversMode ? targetCount++ : rackOf(server);
    u32Set(targetOfPtr, server, target);
    if (serversMode) u32Set(serverAtPtr, target, server);
  }
  for (let k: u32 = 0; k < sequenceLength; k++) u32Add(supplyPtr, u32Get(targetOfPtr, unitAt(k)), 1);
  stepsAdd(<u64>serverCount + <u64>sequenceLength);
}

// Key of a pending bucket; its empty slots come out through lastEmpty.
let lastEmpty: u32 = 0;

function bucketKey(bucket: u32): u64 {
  let key: u64 = 0;
  lastEmpty = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server == 0) {
      lastEmpty++;
      continue;
    }
    const target = <u64>u32Get(targetOfPtr, server);
    if (serversMode || copyCount <= racksAlive) key |= <u64>1 << target;
    else key += <u64>1 << (target * 4);
  }
  return key;
}

function classify(): bool {
  for (let k: u32 = 0; k < pendingCount; k++) {
    const bucket = pendingAt(k);
    const key = bucketKey(bucket);
    if (lastEmpty == 0) {
      u32Set(bucketTypePtr, k, 0xffffffff);
      continue;
    }
    // Buckets whose master is open are their own types (starved servers go there first).
    const type = typeAdd(key, lastEmpty | (isDecided(bucket) ? 0 : openFlag), bucket);
    if (type == 0xffffffff) return false;
    u32Set(bucketTypePtr, k, type);
  }
  stepsAdd(<u64>pendingCount * copyCount * 2);
  return true;
}

// @ts-ignore: decorator
@inline function emptyOf(type: u32): u32 {
  return <u32>typeKeyB(type) & 0xff;
}

// @ts-ignore: decorator
@inline function targetNode(target: u32): u32 {
  return 2 + target;
}

// @ts-ignore: decorator
@inline function typeNode(type: u32): u32 {
  return 2 + targetCount + type;
}

// Build and run the network in rounds; returns the total placed.
let looseArcsPtr: usize = 0;
let looseCapacityPtr: usize = 0;
let arcsAdded: u32 = 0;

// Servers mode takes its supply in layers (supplyLayer: up to the floor, the planned target,
// the ceil, the ±1 band's high end), so targets bend within balance where the racks need it.
function solve(): u64 {
  const layers: u32 = serversMode ? supplyLayers : 1;
  if (!serversMode) {
    starvedRackPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
    for (let server: u32 = 1; server <= serverCount; server++) {
      if (u8Get(alivePtr, server) != 0) u32Add(starvedRackPtr, rackOf(server), starvedUnits(server));
    }
  }
  arcsAdded = 0;
  looseArcsPtr = scratchAlloc(<usize>(typeCount * targetCount + 1) << 2);
  looseCapacityPtr = scratchAlloc(<usize>(typeCount * targetCount + 1) << 2);
  let rackNodes: u32 = 0;
  if (serversMode) {
    const emptiesPtr = scratchAlloc(<usize>(typeCount + 1) << 2);
    for (let type: u32 = 0; type < typeCount; type++) u32Set(emptiesPtr, type, emptyOf(type));
    rackNodes = rackNodesPlan(typeCount, targetCount, serverAtPtr, emptiesPtr, 2 + targetCount + typeCount);
  }
  flowReset(2 + targetCount + typeCount + rackNodes, targetCount * (layers + 1) + typeCount * (targetCount * 4 + 1) + rackNodes);
  for (let target: u32 = 0; target < targetCount; target++) sinkArc(target, 0);
  for (let type: u32 = 0; type < typeCount; type++) flowArc(0, typeNode(type), typeSize(type) * emptyOf(type));
  const limit = steps + passBudget(budgetFillFlowPerSlot, budgetFillFlowFixed);
  let flowed: u64 = 0;
  flowed += placeStarved(limit);
  if (serversMode) {
    for (let type: u32 = 0; type < typeCount; type++) addArcs(type, true, true);
    flowed += flowRun(limit, SearchPass.FillFlow);
  }
  for (let type: u32 = 0; type < typeCount; type++) addArcs(type, true, false);
  flowed += flowRun(limit, SearchPass.FillFlow);
  // Racks that cannot all spread: what every server must reach may give up spread; the
  // layers above it then use the spread-keeping arcs first, the others only for the rest.
  const looseFirst = arcsAdded;
  if (!strictRacks) {
    for (let type: u32 = 0; type < typeCount; type++) addArcs(type, false, false);
    flowed += flowRun(limit, SearchPass.FillFlow);
  }
  const looseEnd = arcsAdded;
  for (let k = looseFirst; k < looseEnd; k++) flowClose(u32Get(looseArcsPtr, k));
  for (let layer: u32 = 1; layer < layers; layer++) {
    // Past the planned targets only when every server reached the low end of its band: else
    // the slots left are for repair, which moves kept copies to bring the short ones up.
    if (layer >= 3 && anyBelowBand()) break;
    for (let target: u32 = 0; target < targetCount; target++) sinkArc(target, layer);
    flowed += flowRun(limit, SearchPass.FillFlow);
  }
  if (looseEnd > looseFirst) {
    for (let k = looseFirst; k < looseEnd; k++) flowOpen(u32Get(looseArcsPtr, k), u32Get(looseCapacityPtr, k));
    flowed += flowRun(limit, SearchPass.FillFlow);
  }
  return flowed;
}

// Starved servers (supply.ts) first take copies in buckets whose master is open.
// (Racks mode: a rack's starved units are its servers' together, starvedRackPtr.)
function placeStarved(limit: u64): u64 {
  let any = false;
  for (let target: u32 = 0; target < targetCount; target++) {
    const starved = starvedTarget(target);
    if (starved == 0) continue;
    flowArc(targetNode(target), 1, starved);
    any = true;
  }
  if (!any) return 0;
  // A starved target's units go to the open types it may fill about in proportion to their
  // size (so, with two copies, its buckets spread over the survivors that need partners).
  const openSizePtr = scratchAlloc(<usize>(targetCount + 1) << 2);
  for (let type: u32 = 0; type < typeCount; type++) {
    if ((<u32>typeKeyB(type) & openFlag) == 0) continue;
    for (let target: u32 = 0; target < targetCount; target++) {
      if (starvedTarget(target) > 0 && allowed(target, typeFirst(type), true)) u32Add(openSizePtr, target, typeSize(type));
    }
  }
  for (let type: u32 = 0; type < typeCount; type++) {
    if ((<u32>typeKeyB(type) & openFlag) == 0) continue;
    const bucket = typeFirst(type);
    for (let target: u32 = 0; target < targetCount; target++) {
      const starved = starvedTarget(target);
      if (starved == 0 || !allowed(target, bucket, true)) continue;
      const openSize = <u64>u32Get(openSizePtr, target);
      const share = (<u64>starved * <u64>typeSize(type) + openSize - 1) / openSize;
      typeArcTo(type, target, min(typeSize(type), <u32>share + 1));
    }
  }
  stepsAdd(<u64>typeCount * targetCount * copyCount * 2);
  return flowRun(limit, SearchPass.FillFlow);
}

let starvedRackPtr: usize = 0;

function starvedTarget(target: u32): u32 {
  return serversMode ? starvedOf(u32Get(serverAtPtr, target)) : u32Get(starvedRackPtr, target);
}

// Servers mode: whether some server's sink arcs carry less than its band's low end needs.
function anyBelowBand(): bool {
  for (let target: u32 = 0; target < targetCount; target++) {
    let carried: u32 = 0;
    for (let arc = flowFirstArc(targetNode(target)); arc != flowEnd; arc = flowNextArc(arc)) {
      if ((arc & 1) == 0 && flowArcTo(arc) == 1) carried += flowOn(arc);
    }
    if (carried < lowNeed(u32Get(serverAtPtr, target))) return true;
  }
  stepsAdd(<u64>targetCount * (typeCount + 8));
  return false;
}

function sinkArc(target: u32, layer: u32): void {
  const capacity = serversMode ? supplyLayer(u32Get(serverAtPtr, target), layer) : u32Get(supplyPtr, target) - starvedTarget(target);
  if (capacity > 0) flowArc(targetNode(target), 1, capacity);
}

// Arcs from a type to the targets its buckets may take: `strict` by the placement rules
// (else any server not in the bucket); `shares` caps each server near its share of the type.
function addArcs(type: u32, strict: bool, shares: bool): void {
  const bucket = typeFirst(type);
  const size = typeSize(type);
  const empty = emptyOf(type);
  let allowedSupply: u64 = 0;
  if (shares) {
    for (let target: u32 = 0; target < targetCount; target++) {
      if (allowed(target, bucket, strict)) allowedSupply += targetSupply(target);
    }
    if (allowedSupply == 0) return;
  }
  for (let target: u32 = 0; target < targetCount; target++) {
    if (targetSupply(target) == 0 || !allowed(target, bucket, strict)) continue;
    // Servers: one copy per bucket; racks: one per bucket when spread must hold, else e.
    let capacity = serversMode || strict ? size : size * empty;
    if (shares) {
      const share = (<u64>size * <u64>empty * <u64>u32Get(supplyPtr, target) + allowedSupply - 1) / allowedSupply;
      capacity = min(capacity, <u32>share + 1);
    }
    const arc = typeArcTo(type, target, capacity);
    if (!strict) {
      u32Set(looseArcsPtr, arcsAdded, arc);
      u32Set(looseCapacityPtr, arcsAdded++, capacity);
    }
  }
  stepsAdd(<u64>targetCount * copyCount * 2);
}

// An arc from a type to a target (servers mode: through the type's rack node where it has one).
function typeArcTo(type: u32, target: u32, capacity: u32): u32 {
  if (!serversMode) return flowArc(typeNode(type), targetNode(target), capacity);
  return typeArc(type, typeNode(type), typeFirst(type), target, targetNode(target), typeSize(type), capacity);
}

// All a target may fill: a server's every layer, a rack's planned deficit.
function targetSupply(target: u32): u32 {
  return serversMode ? supplyMax(u32Get(serverAtPtr, target)) : u32Get(supplyPtr, target);
}

function allowed(target: u32, bucket: u32, strict: bool): bool {
  if (serversMode) return canPlace(u32Get(serverAtPtr, target), bucket, copyCount, strict);
  return rackMayTake(target, bucket, strict);
}
