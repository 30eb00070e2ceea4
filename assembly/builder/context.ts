/**
 * context — the state of one build, kept in module globals so hot loops take no pointers.
 *
 * Per-server arrays (u32 unless said, indexed 1..S, all in the scratch region):
 *   replicaTarget   slots the server must hold in the target table (exact)
 *   masterTarget    masters it should hold (exact aim); masterLow/masterHigh the allowed range
 *   sourceReplicas  live, non-duplicate slots it holds in the source (what it could keep)
 *   sourceMasters   copy-0 slots among those
 *   replicaCount    slots held in the target so far;   masterCount  masters chosen so far
 * Per-slot arrays (u8, copy-major like the table):
 *   slotState       SlotKept / SlotFresh / 0
 */
import { slotGet, u16Get, u8Get } from '../layout';

/** SlotKept — the slot holds the server it held in the source. */
export const SlotKept: u8 = 1;
/** SlotFresh — the slot was placed by this build (new data for that server). */
export const SlotFresh: u8 = 2;

export let bucketCount: u32 = 0;
export let copyCount: u32 = 0;
export let serverCount: u32 = 0;
export let rackCount: u32 = 0;
export let seed: u32 = 0;
export let sourcePtr: usize = 0;
export let targetPtr: usize = 0;
export let rackPtr: usize = 0;
export let weightPtr: usize = 0;
export let alivePtr: usize = 0;

export let replicaTargetPtr: usize = 0;
/** replicaLowPtr / replicaHighPtr — floor and ceil of each server's replica quota (u32[S+1]). */
export let replicaLowPtr: usize = 0;
export let replicaHighPtr: usize = 0;

/** contextSetReplicaRange — install the replica range arrays. */
export function contextSetReplicaRange(low: usize, high: usize): void {
  replicaLowPtr = low;
  replicaHighPtr = high;
}
export let masterTargetPtr: usize = 0;
export let masterLowPtr: usize = 0;
export let masterHighPtr: usize = 0;
export let sourceReplicasPtr: usize = 0;
export let sourceMastersPtr: usize = 0;
export let replicaCountPtr: usize = 0;
export let masterCountPtr: usize = 0;
export let slotStatePtr: usize = 0;

/** pendingBuckets — buckets left with an empty slot or an open master after the keep pass. */
export let pendingPtr: usize = 0;
export let pendingCount: u32 = 0;

let pendingMarkPtr: usize = 0;

/** pendingReset — point the pending list at a u32[B] region and its marks at a zeroed u8[B] region. */
export function pendingReset(ptr: usize, markPtr: usize): void {
  pendingPtr = ptr;
  pendingMarkPtr = markPtr;
  pendingCount = 0;
}

/** pendingAdd — append a bucket to the pending list (once). */
export function pendingAdd(bucket: u32): void {
  if (load<u8>(pendingMarkPtr + <usize>bucket) != 0) return;
  store<u8>(pendingMarkPtr + <usize>bucket, 1);
  store<u32>(pendingPtr + (<usize>pendingCount << 2), bucket);
  pendingCount++;
}

/** pendingAt — the k-th pending bucket. */
// @ts-ignore: decorator
@inline export function pendingAt(k: u32): u32 {
  return load<u32>(pendingPtr + (<usize>k << 2));
}

/** aliveCount — live servers; racksAlive — racks with a live server. */
export let aliveCount: u32 = 0;
export let racksAlive: u32 = 0;
/** spreadWanted — min(C, racksAlive): distinct racks each bucket should span. */
export let spreadWanted: u32 = 0;
/** strictRacks — the targets allow every bucket its full spread, so placement insists on it. */
export let strictRacks: bool = false;

/** contextSet — install the inputs of a build. */
export function contextSet(
  buckets: u32, copies: u32, servers: u32, racks: u32, buildSeed: u32,
  source: usize, target: usize, rack: usize, weight: usize, alive: usize,
): void {
  bucketCount = buckets;
  copyCount = copies;
  serverCount = servers;
  rackCount = racks;
  seed = buildSeed;
  sourcePtr = source;
  targetPtr = target;
  rackPtr = rack;
  weightPtr = weight;
  alivePtr = alive;
}

/** contextSetServerArrays — install the per-server and per-slot working arrays. */
export function contextSetServerArrays(
  replicaTarget: usize, masterTarget: usize, masterLow: usize, masterHigh: usize,
  sourceReplicas: usize, sourceMasters: usize, replicaCount: usize, masterCount: usize, slotState: usize,
): void {
  replicaTargetPtr = replicaTarget;
  masterTargetPtr = masterTarget;
  masterLowPtr = masterLow;
  masterHighPtr = masterHigh;
  sourceReplicasPtr = sourceReplicas;
  sourceMastersPtr = sourceMasters;
  replicaCountPtr = replicaCount;
  masterCountPtr = masterCount;
  slotStatePtr = slotState;
}

/** contextSetSpread — install the rack facts the placement rules use. */
export function contextSetSpread(alive: u32, racks: u32, strict: bool): void {
  aliveCount = alive;
  racksAlive = racks;
  spreadWanted = copyCount < racks ? copyCount : racks;
  strictRacks = strict;
}

/** rackOf — a server's rack. */
// @ts-ignore: decorator
@inline export function rackOf(server: u32): u32 {
  return u16Get(rackPtr, server);
}

/** isAlive — whether a server may hold copies. */
// @ts-ignore: decorator
@inline export function isAlive(server: u32): bool {
  return u8Get(alivePtr, server) != 0;
}

/** targetAt — the server in a target slot. */
// @ts-ignore: decorator
@inline export function targetAt(copyIndex: u32, bucket: u32): u32 {
  return slotGet(targetPtr, copyIndex * bucketCount + bucket);
}

/** sourceAt — the server in a source slot. */
// @ts-ignore: decorator
@inline export function sourceAt(copyIndex: u32, bucket: u32): u32 {
  return slotGet(sourcePtr, copyIndex * bucketCount + bucket);
}
