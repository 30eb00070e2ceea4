/**
 * outcome — named results of engine calls, mirrored in src/engine/outcome.ts
 * (test/engine/module.test.ts checks that both sides agree).
 */

/** Outcome — what an operation achieved. */
export const enum Outcome {
  /** Ok — done as asked. */
  Ok = 0,
  /** NotEnoughServers — fewer live servers than copies: nothing was built. */
  NotEnoughServers = 1,
  /** BucketLost — the quick table found a bucket with no live copy (and losing data was not allowed). */
  BucketLost = 2,
  /** Unplaceable — a slot could not be filled (should not happen when S ≥ C). */
  Unplaceable = 3,
  /** InvalidSource — the source table names a server past the server count (nothing was built). */
  InvalidSource = 4,
}

/** Strategy — table builders, numbered as the original's `_build_strategy`. */
export const enum Strategy {
  /** Balanced — replicas and masters balanced first, rack spread as good as balance allows. */
  Balanced = 1,
  /** Rack — rack spread first, balance as good as the racks allow. */
  Rack = 2,
  /** Auto — Rack when the racks are even enough (ratio ≤ _build_diff_ratio), else Balanced. */
  Auto = 3,
}

/** BuildResult — word offsets of the build summary the engine writes at resultPtr (u32 each). */
export const enum BuildResult {
  Outcome = 0,
  StrategyUsed = 1,
  ReplicaMoves = 2,
  MasterChanges = 3,
  MinimumReplicaMoves = 4,
  MinimumMasterChanges = 5,
  RackSpreadShort = 6,
  RackSpreadFeasible = 7,
  EmptySlots = 8,
  SameServer = 9,
  RepairSwaps = 10,
  PartnerSwaps = 11,
  AliveCount = 12,
  RackCount = 13,
  UnchangedFromSource = 14,
  /** StepsLow / StepsHigh — the build's work in steps (u64), published while it runs. */
  StepsLow = 16,
  StepsHigh = 17,
  /** BudgetSpent — a SearchPass bit for every search that stopped at its step budget (0: none). */
  BudgetSpent = 18,
  /** PartnerExcessMax — C = 2: largest partner count past the partner bound (i32; ≤ 0 within). */
  PartnerExcessMax = 19,
  /** RackShortBound — the fewest bucket-racks a table within ±1 of every quota leaves short. */
  RackShortBound = 20,
  Words = 24,
}

/** SearchPass — the searches of a build that run under a step budget (bits of BudgetSpent). */
export const enum SearchPass {
  Design = 1,
  FillFlow = 2,
  Fill = 4,
  Repair = 8,
  Masters = 16,
  Partners = 32,
}

/** ScanResult — layout of the scan result: total, then per copy (count, first bucket or 0xffffffff). */
export const enum ScanResult {
  Total = 0,
  PerCopyBase = 1,
}

/** QuickResult — word offsets of the quick-table summary. */
export const enum QuickResult {
  Outcome = 0,
  Promotions = 1,
  ClearedSlots = 2,
  LostBuckets = 3,
  Words = 4,
}
