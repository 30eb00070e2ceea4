/**
 * budget — the build's work, counted in deterministic steps, and the budgets of its searches.
 *
 * A step is one unit of work the build can point at: a slot read or written by a linear
 * pass, a candidate server weighed, an arc of a search scanned. Linear passes add their
 * slot count; every search that could run on (repairs, role chains, partner trades, flows)
 * takes a budget from passBudget, checks it as it goes, and stops with the best table so
 * far when it is spent (budgetSpent tells the report). So a whole build does at most
 *
 *   steps ≤ (Σ linear passes + Σ search budgets) · B·C + c
 *         ≤ stepsPerSlotMax · B·C + stepsPerServerMax · (S + R) + stepsFixed      (limits.ts)
 *
 * whatever the input (test/engine/grid-sweep.test.ts asserts it over a grid of shapes).
 * The running count is also published in the result words while the build runs, so a host
 * thread can draw progress from shared memory.
 */
import { BuildResult } from '../outcome';

/** steps — steps taken so far by this build. */
export let steps: u64 = 0;
/** budgetSpent — a bit per search that stopped because its budget ran out (SearchPass). */
export let budgetSpent: u32 = 0;

let slotCount: u64 = 0;
let publishPtr: usize = 0;
let publishedAt: u64 = 0;

/** budgetReset — start counting for a build of `slots` slots; steps are published at resultPtr. */
export function budgetReset(slots: u64, resultPtr: usize): void {
  steps = 0;
  budgetSpent = 0;
  slotCount = slots;
  publishPtr = resultPtr;
  publishedAt = 0;
  publish();
}

/** stepsAdd — count `n` steps of work. */
// @ts-ignore: decorator
@inline export function stepsAdd(n: u64): void {
  steps += n;
}

/**
 * Search budgets: steps per slot (B·C) and fixed, each search's own. Together with the linear
 * passes (under 48 steps per slot) they stay within limits.ts: Σ per slot ≤ stepsPerSlotMax,
 * Σ fixed ≤ stepsFixed.
 *
 *   search          per slot   fixed    why
 *   design          16         2^24     C = 2 pair flow: S ≤ 256 servers, arcs ≤ 4·S²
 *   fillFlow        32         2^22     a rebuild's fill flow: types × targets arcs, a few rounds
 *   fill            8          2^16     the greedy fill's hand-overs of units (O(S) each)
 *   repair          64         2^16     swaps with kept copies, scans of the table from a cursor
 *   mastersFlow     8          2^20     the open masters' flow
 *   mastersTrades   8          2^20     the role-trade flow over servers (pairs ≤ 2^16 arcs)
 *   mastersChains   16         2^16     role chains through the holdings index (O(B·C) each)
 *   partners        16         2^16     partner trades (bounded looks)
 */
export const budgetDesignPerSlot: u32 = 16;
export const budgetDesignFixed: u32 = 1 << 24;
export const budgetFillFlowPerSlot: u32 = 32;
export const budgetFillFlowFixed: u32 = 1 << 22;
export const budgetFillPerSlot: u32 = 8;
export const budgetFillFixed: u32 = 1 << 16;
export const budgetRepairPerSlot: u32 = 64;
export const budgetRepairFixed: u32 = 1 << 16;
export const budgetMastersFlowPerSlot: u32 = 8;
export const budgetMastersFlowFixed: u32 = 1 << 20;
export const budgetMastersTradesPerSlot: u32 = 8;
export const budgetMastersTradesFixed: u32 = 1 << 20;
export const budgetMastersChainsPerSlot: u32 = 16;
export const budgetMastersChainsFixed: u32 = 1 << 16;
export const budgetPartnersPerSlot: u32 = 16;
export const budgetPartnersFixed: u32 = 1 << 16;

/** passBudget — the steps one search may spend: `perSlot`·B·C plus `fixed`. */
export function passBudget(perSlot: u32, fixed: u32): u64 {
  return <u64>perSlot * slotCount + <u64>fixed;
}

/** spent — whether the search `pass` that started with `limit` has run out (and say so). */
// @ts-ignore: decorator
@inline export function spent(limit: u64, pass: u32): bool {
  if (steps < limit) return false;
  budgetSpent |= pass;
  return true;
}

/** publish — write the step count where the host can read it (every 2^18 steps at most). */
export function publish(): void {
  publishedAt = steps;
  const at = publishPtr + (<usize>BuildResult.StepsLow << 2);
  atomic.store<u32>(at, <u32>(steps & 0xffffffff));
  atomic.store<u32>(at + 4, <u32>(steps >>> 32));
}

/** publishSometimes — publish when 2^18 steps passed since the last time (cheap to call often). */
// @ts-ignore: decorator
@inline export function publishSometimes(): void {
  if (steps - publishedAt >= 262_144) publish();
}
