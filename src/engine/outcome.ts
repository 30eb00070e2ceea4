/**
 * outcome — the engine's named results, mirrored from assembly/outcome.ts
 * (test/engine/module.test.ts checks both sides agree).
 */

/** Outcome — what an engine operation achieved. */
export const Outcome = {
  ok: 0,
  notEnoughServers: 1,
  bucketLost: 2,
  unplaceable: 3,
  invalidSource: 4,
} as const;
export type OutcomeCode = (typeof Outcome)[keyof typeof Outcome];

/** outcomeName — the name of an outcome code, for messages. */
export function outcomeName(code: number): string {
  const entry = Object.entries(Outcome).find(([, value]) => value === code);
  return entry ? entry[0] : `unknown(${code})`;
}

/** Strategy — the original's `_build_strategy` numbers. */
export const Strategy = {
  balanced: 1,
  rack: 2,
  auto: 3,
} as const;
export type StrategyName = keyof typeof Strategy;

/** BuildResultWord — word offsets of the build summary (assembly BuildResult). */
export const BuildResultWord = {
  outcome: 0,
  strategyUsed: 1,
  replicaMoves: 2,
  masterChanges: 3,
  minimumReplicaMoves: 4,
  minimumMasterChanges: 5,
  rackSpreadShort: 6,
  rackSpreadFeasible: 7,
  emptySlots: 8,
  sameServer: 9,
  repairSwaps: 10,
  partnerSwaps: 11,
  aliveCount: 12,
  rackCount: 13,
  unchangedFromSource: 14,
  stepsLow: 16,
  stepsHigh: 17,
  budgetSpent: 18,
  partnerExcessMax: 19,
  rackShortBound: 20,
  words: 24,
} as const;

/** SearchPass — the searches of a build that run under a step budget (bits of the budgetSpent word). */
export const SearchPass = {
  design: 1,
  fillFlow: 2,
  fill: 4,
  repair: 8,
  masters: 16,
  partners: 32,
} as const;

/** spentPassNames — the names of the searches whose bits are set in a budgetSpent word. */
export function spentPassNames(bits: number): string[] {
  return Object.entries(SearchPass)
    .filter(([, bit]) => (bits & bit) !== 0)
    .map(([name]) => name);
}

/** QuickResultWord — word offsets of the quick-table summary (assembly QuickResult). */
export const QuickResultWord = {
  outcome: 0,
  promotions: 1,
  clearedSlots: 2,
  lostBuckets: 3,
  words: 4,
} as const;
