/**
 * table-checker — an independent judge of bucket tables, in plain TypeScript.
 *
 * It never calls engine code: quotas, rack spread, balance and partner spread are all
 * recomputed here from the inputs, so a test that compares engine output against this
 * file is checking the engine against a second, simpler reading of the issue.
 *
 *   slots[copyIndex * bucketCount + bucketIndex] = 1 + server position   (0 = empty)
 *
 *   replica quota  q(s) = B·C·w(s)/Σw, capped at B, the excess shared by the others by weight
 *   master quota   m(s) = B·w(s)/Σw
 *   partner bound  for master d with m buckets: ⌈m/P⌉ + 1 of them on any one partner (C = 2),
 *                  P = the live servers that may hold d's other copies (see partnerPools)
 */

/** CheckedServer — a server as the checker sees it (same shape as the engine's ServerSpec). */
export interface CheckedServer {
  id: string;
  rack: string;
  weight: number;
  alive: boolean;
}

/** CheckedTable — a table and the servers its slots refer to. */
export interface CheckedTable {
  bucketCount: number;
  copyCount: number;
  servers: CheckedServer[];
  slots: Uint16Array;
}

/** PartnerSpread — the worst partner pile-up of a C = 2 table. */
export interface PartnerSpread {
  /** worstExcess — max over masters of (largest count on one partner − bound); ≤ 0 is within bound. */
  worstExcess: number;
  /** offenders — masters with a partner over the bound (positions are 0-based). */
  offenders: { master: number; mastered: number; partner: number; count: number; bound: number }[];
}

/** TableCheck — everything the checker measured. Per-server arrays are indexed by position. */
export interface TableCheck {
  emptySlots: number;
  slotsOnDeadServers: number;
  sameServerBuckets: number;
  racksAlive: number;
  /** spreadWanted — min(C, racks with live servers). */
  spreadWanted: number;
  rackSpreadShort: number;
  replicas: number[];
  masters: number[];
  replicaQuota: number[];
  masterQuota: number[];
  replicaDeviationMax: number;
  masterDeviationMax: number;
  replicasWithinOne: boolean;
  mastersWithinOne: boolean;
  /** partnerSpread — only for C = 2 tables, else null. */
  partnerSpread: PartnerSpread | null;
}

const epsilon = 1e-9;

/** replicaQuotas — real replica quotas per position (0 for dead servers), water-filled under B. */
export function replicaQuotas(bucketCount: number, copyCount: number, servers: CheckedServer[]): number[] {
  const quotas = servers.map(() => 0);
  const open = new Set(servers.flatMap((server, position) => (server.alive ? [position] : [])));
  let remaining = bucketCount * copyCount;
  for (;;) {
    const weight = [...open].reduce((sum, position) => sum + servers[position].weight, 0);
    if (weight === 0) break;
    const capped = [...open].filter((position) => (remaining * servers[position].weight) / weight > bucketCount + epsilon);
    if (capped.length === 0) {
      for (const position of open) quotas[position] = (remaining * servers[position].weight) / weight;
      break;
    }
    for (const position of capped) {
      quotas[position] = bucketCount;
      remaining -= bucketCount;
      open.delete(position);
    }
  }
  return quotas;
}

/** masterQuotas — real master quotas per position (0 for dead servers). */
export function masterQuotas(bucketCount: number, servers: CheckedServer[]): number[] {
  const weight = servers.reduce((sum, server) => sum + (server.alive ? server.weight : 0), 0);
  return servers.map((server) => (server.alive && weight > 0 ? (bucketCount * server.weight) / weight : 0));
}

/** integerQuotas — whole counts summing to `total`: floors, then +1 by largest fraction, ties by position. */
export function integerQuotas(quotas: number[], total: number): number[] {
  const whole = quotas.map((quota) => Math.floor(quota + epsilon));
  let extra = total - whole.reduce((sum, count) => sum + count, 0);
  const byFraction = quotas
    .map((quota, position) => ({ position, fraction: quota - whole[position] }))
    .filter((item) => item.fraction > epsilon)
    .sort((a, b) => b.fraction - a.fraction || a.position - b.position);
  for (const item of byFraction) {
    if (extra <= 0) break;
    whole[item.position]++;
    extra--;
  }
  return whole;
}

/** liveRacks — the racks that hold at least one live server. */
export function liveRacks(servers: CheckedServer[]): Set<string> {
  return new Set(servers.filter((server) => server.alive).map((server) => server.rack));
}

/**
 * rackSpreadPossible — whether per-server replica counts (default: the integer quotas)
 * leave room for every bucket to span min(C, R) racks. With C ≤ R every rack's total must
 * fit in B (one copy per bucket); with C > R every rack must hold at least B (one copy in
 * every bucket) and at most B·(C−R+1).
 */
export function rackSpreadPossible(bucketCount: number, copyCount: number, servers: CheckedServer[], counts?: ArrayLike<number>): boolean {
  const racks = liveRacks(servers);
  if (racks.size <= 1) return true;
  const perServer = counts ?? integerQuotas(replicaQuotas(bucketCount, copyCount, servers), bucketCount * copyCount);
  const totals = new Map<string, number>([...racks].map((rack) => [rack, 0]));
  servers.forEach((server, position) => {
    if (server.alive) totals.set(server.rack, (totals.get(server.rack) ?? 0) + perServer[position]);
  });
  const low = copyCount > racks.size ? bucketCount : 0;
  const high = copyCount > racks.size ? bucketCount * (copyCount - racks.size + 1) : bucketCount;
  return [...totals.values()].every((total) => total >= low && total <= high);
}

/** partnerBound — ⌈m/P⌉ + 1, the most of a master's m buckets one of P partners may hold. */
export function partnerBound(mastered: number, partners: number): number {
  if (partners <= 0) return mastered;
  return Math.ceil(mastered / partners) + 1;
}

/**
 * partnerPools — P per server position for a C = 2 table: the live servers that may hold the
 * other copy of its buckets. When every bucket spans 2 racks, that is the live servers outside
 * its rack — or, if another rack holds a copy of every bucket (its total is B, forced by the
 * quotas), only that rack's servers. Otherwise every other live server.
 */
export function partnerPools(table: CheckedTable): number[] {
  const { bucketCount, servers, slots } = table;
  const alive = servers.filter((server) => server.alive);
  const rackSize = new Map<string, number>();
  for (const server of alive) rackSize.set(server.rack, (rackSize.get(server.rack) ?? 0) + 1);
  if (!everyBucketSpansTwoRacks(table)) return servers.map(() => alive.length - 1);
  const present = new Map<string, number>();
  for (let slot = 0; slot < 2 * bucketCount; slot++) {
    const entry = slots[slot];
    if (entry !== 0) present.set(servers[entry - 1].rack, (present.get(servers[entry - 1].rack) ?? 0) + 1);
  }
  const everywhere = [...present].filter(([, count]) => count === bucketCount).map(([rack]) => rack);
  return servers.map((server) => {
    const forced = everywhere.find((rack) => rack !== server.rack);
    if (forced !== undefined) return rackSize.get(forced) ?? 0;
    return alive.length - (rackSize.get(server.rack) ?? 0);
  });
}

/** everyBucketSpansTwoRacks — a full C = 2 table whose two copies are always on different racks. */
export function everyBucketSpansTwoRacks(table: CheckedTable): boolean {
  const { bucketCount, copyCount, servers, slots } = table;
  if (copyCount !== 2 || liveRacks(servers).size < 2) return false;
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    const first = slots[bucket];
    const second = slots[bucketCount + bucket];
    if (first === 0 || second === 0 || servers[first - 1].rack === servers[second - 1].rack) {
      return false;
    }
  }
  return true;
}

/** checkTable — measure a table against the rules of the issue. */
export function checkTable(table: CheckedTable): TableCheck {
  const { bucketCount, copyCount, servers, slots } = table;
  const replicas = servers.map(() => 0);
  const masters = servers.map(() => 0);
  const racksAlive = liveRacks(servers).size;
  const spreadWanted = Math.min(copyCount, racksAlive);
  let emptySlots = 0;
  let slotsOnDeadServers = 0;
  let sameServerBuckets = 0;
  let rackSpreadShort = 0;
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    const seen = new Set<number>();
    const racks = new Set<string>();
    let duplicate = false;
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      const entry = slots[copyIndex * bucketCount + bucket];
      if (entry === 0) {
        emptySlots++;
        continue;
      }
      const position = entry - 1;
      replicas[position]++;
      if (copyIndex === 0) masters[position]++;
      if (!servers[position].alive) slotsOnDeadServers++;
      if (seen.has(position)) duplicate = true;
      seen.add(position);
      racks.add(servers[position].rack);
    }
    if (duplicate) sameServerBuckets++;
    if (racks.size < spreadWanted) rackSpreadShort++;
  }
  const replicaQuota = replicaQuotas(bucketCount, copyCount, servers);
  const masterQuota = masterQuotas(bucketCount, servers);
  const replicaDeviationMax = deviationMax(servers, replicas, replicaQuota);
  const masterDeviationMax = deviationMax(servers, masters, masterQuota);
  return {
    emptySlots,
    slotsOnDeadServers,
    sameServerBuckets,
    racksAlive,
    spreadWanted,
    rackSpreadShort,
    replicas,
    masters,
    replicaQuota,
    masterQuota,
    replicaDeviationMax,
    masterDeviationMax,
    replicasWithinOne: replicaDeviationMax <= 1 + epsilon,
    mastersWithinOne: masterDeviationMax <= 1 + epsilon,
    partnerSpread: copyCount === 2 ? partnerSpread(table) : null,
  };
}

function deviationMax(servers: CheckedServer[], counts: number[], quotas: number[]): number {
  let worst = 0;
  servers.forEach((server, position) => {
    if (server.alive) worst = Math.max(worst, Math.abs(counts[position] - quotas[position]));
  });
  return worst;
}

/** partnerSpread — for each live master, its busiest partner (copy 1) against ⌈m/P⌉ + 1. */
export function partnerSpread(table: CheckedTable): PartnerSpread {
  const { bucketCount, servers, slots } = table;
  const pairs = new Map<number, Map<number, number>>();
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    const master = slots[bucket] - 1;
    const partner = slots[bucketCount + bucket] - 1;
    if (master < 0 || partner < 0) continue;
    const row = pairs.get(master) ?? new Map<number, number>();
    row.set(partner, (row.get(partner) ?? 0) + 1);
    pairs.set(master, row);
  }
  const pools = partnerPools(table);
  const result: PartnerSpread = { worstExcess: Number.NEGATIVE_INFINITY, offenders: [] };
  for (const [master, row] of pairs) {
    if (!servers[master].alive) continue;
    const mastered = [...row.values()].reduce((sum, count) => sum + count, 0);
    const bound = partnerBound(mastered, pools[master]);
    for (const [partner, count] of row) {
      result.worstExcess = Math.max(result.worstExcess, count - bound);
      if (count > bound) result.offenders.push({ master, mastered, partner, count, bound });
    }
  }
  return result;
}
