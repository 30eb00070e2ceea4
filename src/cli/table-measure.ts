/**
 * table-measure — judge a bucket table in plain TypeScript, never through engine code,
 * so `tair-cs table` checks the engine instead of repeating it.
 *
 *   slots[copyIndex * bucketCount + bucketIndex] = 1 + server position   (0 = empty)
 *
 * A table is valid when no slot is empty, no bucket holds a server twice, no slot is on a
 * dead server, every live server is within ±1 of its replica and master quota
 * (table-quotas.ts), and buckets fall short of min(C, racks alive) racks only when no
 * balanced table could spread them all (spreadFeasible below).
 */
import { type QuotaBand, masterQuotas, replicaQuotas } from './table-quotas.js';
import { measurePartners, type PartnerSpread } from './table-partners.js';

/** MeasuredServer — a server as the measurement sees it. */
export interface MeasuredServer {
  id: string;
  rack: string;
  weight: number;
  alive: boolean;
}

/** MeasuredTable — a table with the servers its slots refer to. */
export interface MeasuredTable {
  bucketCount: number;
  copyCount: number;
  servers: MeasuredServer[];
  slots: Uint16Array;
}

/** Balance — actual counts over live servers against their quotas. */
export interface Balance {
  min: number;
  max: number;
  /** quotaMin / quotaMax — the smallest floor and the largest ceil of the live servers' quotas. */
  quotaMin: number;
  quotaMax: number;
  /** deviationMax — the largest |count − quota| of a live server. */
  deviationMax: number;
  /** outsideBand — live servers more than 1 away from their quota. */
  outsideBand: number;
}

/** Measurement — everything the CLI reports about a table. */
export interface Measurement {
  valid: boolean;
  violations: {
    sameServer: number;
    rackSpreadShort: number;
    emptySlots: number;
    deadSlots: number;
    replicaBalance: number;
    masterBalance: number;
  };
  replicas: Balance;
  masters: Balance;
  serversAlive: number;
  racksAlive: number;
  /** spreadWanted — min(C, racks alive): racks every bucket should span. */
  spreadWanted: number;
  rackSpreadFeasible: boolean;
  partners: PartnerSpread | null;
  /** perServer — replicas and masters per position, for moves and callers that want detail. */
  replicaCounts: Uint32Array;
  masterCounts: Uint32Array;
  replicaBands: (QuotaBand | null)[];
  masterBands: (QuotaBand | null)[];
}

/** measureTable — count, compare with quotas and decide validity. */
export function measureTable(table: MeasuredTable): Measurement {
  const { bucketCount, copyCount, servers } = table;
  const rackIndex = denseRacks(servers);
  const alive = Uint8Array.from(servers, (server) => (server.alive ? 1 : 0));
  const racksAlive = new Set(servers.filter((server) => server.alive).map((server) => server.rack)).size;
  const spreadWanted = Math.min(copyCount, racksAlive);
  const rows = countRows(table, rackIndex, alive, spreadWanted);
  const replicaBands = replicaQuotas(bucketCount, copyCount, servers);
  const masterBands = masterQuotas(bucketCount, servers);
  const replicas = balance(rows.replicaCounts, replicaBands);
  const masters = balance(rows.masterCounts, masterBands);
  const rackSpreadFeasible = spreadFeasible(bucketCount, copyCount, servers, replicaBands, racksAlive);
  const violations = {
    sameServer: rows.sameServer,
    rackSpreadShort: rows.rackSpreadShort,
    emptySlots: rows.emptySlots,
    deadSlots: rows.deadSlots,
    replicaBalance: replicas.outsideBand,
    masterBalance: masters.outsideBand,
  };
  const valid =
    violations.sameServer === 0 &&
    violations.emptySlots === 0 &&
    violations.deadSlots === 0 &&
    violations.replicaBalance === 0 &&
    violations.masterBalance === 0 &&
    (violations.rackSpreadShort === 0 || !rackSpreadFeasible);
  // Partners of a fully rack-spread table can only be in other racks (table-partners.ts).
  const spreadAcross = racksAlive >= 2 && rows.rackSpreadShort === 0;
  return {
    valid,
    violations,
    replicas,
    masters,
    serversAlive: alive.reduce((sum, flag) => sum + flag, 0),
    racksAlive,
    spreadWanted,
    rackSpreadFeasible,
    partners: copyCount === 2 ? measurePartners(table, rackIndex, spreadAcross) : null,
    replicaCounts: rows.replicaCounts,
    masterCounts: rows.masterCounts,
    replicaBands,
    masterBands,
  };
}

/** denseRacks — rack index per position (racks numbered in order of first appearance). */
export function denseRacks(servers: MeasuredServer[]): Uint16Array {
  const numbers = new Map<string, number>();
  return Uint16Array.from(servers, (server) => {
    let rack = numbers.get(server.rack);
    if (rack === undefined) {
      rack = numbers.size;
      numbers.set(server.rack, rack);
    }
    return rack;
  });
}

interface RowCounts {
  replicaCounts: Uint32Array;
  masterCounts: Uint32Array;
  emptySlots: number;
  deadSlots: number;
  sameServer: number;
  rackSpreadShort: number;
}

// One pass over the buckets; C is at most 8, so the per-bucket pairwise checks are tiny.
function countRows(table: MeasuredTable, rackIndex: Uint16Array, alive: Uint8Array, spreadWanted: number): RowCounts {
  const { bucketCount, copyCount, slots, servers } = table;
  const counts: RowCounts = {
    replicaCounts: new Uint32Array(servers.length),
    masterCounts: new Uint32Array(servers.length),
    emptySlots: 0,
    deadSlots: 0,
    sameServer: 0,
    rackSpreadShort: 0,
  };
  const row = new Int32Array(copyCount);
  const racks = new Int32Array(copyCount);
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    let filled = 0;
    let rackCount = 0;
    let duplicate = false;
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      const slot = slots[copyIndex * bucketCount + bucket];
      if (slot === 0) {
        counts.emptySlots++;
        continue;
      }
      const position = slot - 1;
      counts.replicaCounts[position]++;
      if (copyIndex === 0) counts.masterCounts[position]++;
      if (alive[position] === 0) counts.deadSlots++;
      for (let k = 0; k < filled; k++) if (row[k] === position) duplicate = true;
      row[filled++] = position;
      const rack = rackIndex[position];
      let seen = false;
      for (let k = 0; k < rackCount; k++) if (racks[k] === rack) seen = true;
      if (!seen) racks[rackCount++] = rack;
    }
    if (duplicate) counts.sameServer++;
    if (rackCount < spreadWanted) counts.rackSpreadShort++;
  }
  return counts;
}

function balance(counts: Uint32Array, bands: (QuotaBand | null)[]): Balance {
  const result: Balance = { min: 0, max: 0, quotaMin: 0, quotaMax: 0, deviationMax: 0, outsideBand: 0 };
  let first = true;
  bands.forEach((band, position) => {
    if (!band) return;
    const count = counts[position];
    if (first) {
      Object.assign(result, { min: count, max: count, quotaMin: band.floor, quotaMax: band.ceil });
      first = false;
    }
    result.min = Math.min(result.min, count);
    result.max = Math.max(result.max, count);
    result.quotaMin = Math.min(result.quotaMin, band.floor);
    result.quotaMax = Math.max(result.quotaMax, band.ceil);
    result.deviationMax = Math.max(result.deviationMax, Math.abs(count - band.value));
    if (count < band.low || count > band.high) result.outsideBand++;
  });
  result.deviationMax = Math.round(result.deviationMax * 1000) / 1000;
  return result;
}

/**
 * spreadFeasible — could a table within everyone's replica band span min(C, R) racks in
 * every bucket? Per bucket each rack must hold between lo and hi copies (lo = 1, hi = C−R+1
 * when C ≥ R; else lo = 0, hi = 1), so a rack's total must lie in [lo·B, min(hi, n)·B]
 * (n = its live servers) while also being a sum of its servers' bands. Totals meeting both,
 * summing to B·C, can be laid out bucket by bucket (a transportation problem with bounds).
 */
export function spreadFeasible(bucketCount: number, copyCount: number, servers: MeasuredServer[], bands: (QuotaBand | null)[], racksAlive: number): boolean {
  if (racksAlive <= 1) return true;
  const perBucketLow = copyCount >= racksAlive ? 1 : 0;
  const perBucketHigh = copyCount >= racksAlive ? copyCount - racksAlive + 1 : 1;
  const racks = new Map<string, { low: number; high: number; members: number }>();
  servers.forEach((server, position) => {
    const band = bands[position];
    if (!band) return;
    const rack = racks.get(server.rack) ?? { low: 0, high: 0, members: 0 };
    rack.low += band.low;
    rack.high += band.high;
    rack.members++;
    racks.set(server.rack, rack);
  });
  let lowTotal = 0;
  let highTotal = 0;
  for (const rack of racks.values()) {
    const low = Math.max(rack.low, perBucketLow * bucketCount);
    const high = Math.min(rack.high, Math.min(perBucketHigh, rack.members) * bucketCount);
    if (low > high) return false;
    lowTotal += low;
    highTotal += high;
  }
  const slotCount = bucketCount * copyCount;
  return lowTotal <= slotCount && slotCount <= highTotal;
}
