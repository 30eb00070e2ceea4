/**
 * types — what callers of the engine pass and get back.
 *
 * A table refers to servers by position: `slots[copyIndex * bucketCount + bucketIndex]`
 * holds 1 + the server's position in the `servers` list that goes with it, 0 for an
 * empty slot. The engine itself uses its own canonical order (sorted ids), so results do
 * not depend on the order servers are listed in.
 */

/** ServerSpec — a data server as the engine sees it. */
export interface ServerSpec {
  /** id — `ip:port` or any stable unique name; fixes the canonical order. */
  id: string;
  /** rack — servers with the same rack name share a rack. */
  rack: string;
  /** weight — relative capacity, a whole number ≥ 1. */
  weight: number;
  /** alive — whether the server may hold copies. */
  alive: boolean;
}

/** Table — a bucket table over some server list (see the file comment). */
export interface Table {
  bucketCount: number;
  copyCount: number;
  /** slots — copy-major, 1 + server position, 0 = empty. */
  slots: Uint16Array;
}

/** BuildInput — a full build's inputs. */
export interface BuildInput {
  bucketCount: number;
  copyCount: number;
  servers: ServerSpec[];
  /** source — the table to start from (moves are counted against it); omit for a first build. */
  source?: Table;
  strategy?: 'balanced' | 'rack' | 'auto';
  /** diffRatio — the original's `_build_diff_ratio`, used by `auto` (default 0.6). */
  diffRatio?: number;
  /** seed — placement among equals; same inputs and seed give the same table. */
  seed?: number;
}

/** BuildReport — what a build achieved. */
export interface BuildReport {
  ok: boolean;
  outcome: string;
  strategyUsed: 'balanced' | 'rack';
  table: Table;
  replicaMoves: number;
  masterChanges: number;
  minimumReplicaMoves: number;
  minimumMasterChanges: number;
  /** rackSpreadShort — buckets spanning fewer than min(C, racks alive) racks (same as rackShortBuckets). */
  rackSpreadShort: number;
  /** rackShortBuckets — buckets short of their rack spread in the built table. */
  rackShortBuckets: number;
  /**
   * rackShortBound — the fewest bucket-racks any table within ±1 of every replica quota leaves
   * short: B·min(C, R) − Σ_racks min(B, Σ of the rack's servers' band highs) (0 if negative).
   */
  rackShortBound: number;
  rackSpreadFeasible: boolean;
  sameServer: number;
  emptySlots: number;
  repairSwaps: number;
  partnerSwaps: number;
  /**
   * partnerExcessMax — C = 2 only (else null): the largest N[d][p] − (⌈m(d)·w(p)/W(d)⌉ + 1) over
   * masters d and partners p (≤ 0: every master's partners within the bound).
   */
  partnerExcessMax: number | null;
  /** steps — the build's work in deterministic steps (≤ stepsPerSlotMax·B·C + stepsPerServerMax·(S+R) + stepsFixed). */
  steps: number;
  /** budgetSpent — a search stopped at its step budget: the table is the best found, maybe short of a goal. */
  budgetSpent: boolean;
  /** spentIn — the searches that stopped at their budget (design, fillFlow, fill, repair, masters, partners). */
  spentIn: string[];
  unchangedFromSource: boolean;
  buildMs: number;
}

/** QuickReport — the quick table and what it did. */
export interface QuickReport {
  ok: boolean;
  outcome: string;
  table: Table;
  promotions: number;
  clearedSlots: number;
  lostBuckets: number;
}

/** ScanReport — slots that force a rebuild. */
export interface ScanReport {
  total: number;
  perCopy: { count: number; firstBucket: number | null }[];
}

/** MigrationPlan — how to get from one table to another. */
export interface MigrationPlan {
  /** bucketsToMigrate — buckets whose master or a slave changes, with a current master to copy from. */
  bucketsToMigrate: number;
  /** flags — per bucket: 1 needs migration, 2 master hand-over, 4 data moves. */
  flags: Uint8Array;
  /** receivers — copy-major like a table: the k-th server of the target row that holds no copy now. */
  receivers: Uint16Array;
  /** perSource — per server position (index 0 unused): buckets it must migrate as current master. */
  perSource: Uint32Array;
}

/** TableStats — what a table gives each server. */
export interface TableStats {
  /** replicas / masters — per server position (index 0 unused). */
  replicas: Uint32Array;
  masters: Uint32Array;
  emptySlots: number;
  sameServer: number;
  rackSpreadShort: number;
  racksAlive: number;
  slotsOnDeadServers: number;
}
