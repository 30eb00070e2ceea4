/**
 * table-quotas — each live server's fair share of a table, computed exactly and without
 * engine code, so the CLI can judge the engine's tables independently.
 *
 *   replica quota  q(s) = B·C·w(s)/Σw, capped at B (one copy per bucket); capped servers
 *                  drop out and the rest share what is left by weight (water-filling)
 *   master quota   m(s) = B·w(s)/Σw
 *
 * Quotas are rationals num/den held in BigInt: B·C·Σw reaches 2^26·2^36, past what a double
 * holds exactly, and floor/ceil must be exact for a ±1 judgement.
 *
 *   q = 383.625  →  floor 383, ceil 384, band 383..384   (within ±1 of q)
 *   q = 250      →  floor 250, ceil 250, band 249..251
 */

/** QuotaBand — one server's quota and the whole counts within ±1 of it. */
export interface QuotaBand {
  /** value — the quota as a double, for display and deviation. */
  value: number;
  floor: number;
  ceil: number;
  /** low / high — ceil(q − 1) and floor(q + 1), clamped to 0..cap: the counts within ±1. */
  low: number;
  high: number;
}

/** QuotaServer — what a quota depends on. */
export interface QuotaServer {
  weight: number;
  alive: boolean;
}

/** replicaQuotas — replica bands per position (null for dead servers). */
export function replicaQuotas(bucketCount: number, copyCount: number, servers: QuotaServer[]): (QuotaBand | null)[] {
  const cap = BigInt(bucketCount);
  const bands: (QuotaBand | null)[] = servers.map(() => null);
  const open = servers
    .map((server, position) => ({ position, weight: BigInt(server.weight), alive: server.alive }))
    .filter((entry) => entry.alive)
    .sort((a, b) => (a.weight > b.weight ? -1 : a.weight < b.weight ? 1 : a.position - b.position));
  let total = BigInt(bucketCount) * BigInt(copyCount);
  let weightTotal = open.reduce((sum, entry) => sum + entry.weight, 0n);
  let next = 0;
  // Heaviest first: once the heaviest open server fits under the cap, every lighter one does.
  while (next < open.length && total * open[next].weight > cap * weightTotal) {
    bands[open[next].position] = band(cap, 1n, cap);
    total -= cap;
    weightTotal -= open[next].weight;
    next++;
  }
  for (; next < open.length; next++) {
    bands[open[next].position] = band(total * open[next].weight, weightTotal, cap);
  }
  return bands;
}

/** masterQuotas — master bands per position (null for dead servers). */
export function masterQuotas(bucketCount: number, servers: QuotaServer[]): (QuotaBand | null)[] {
  const weightTotal = servers.reduce((sum, server) => (server.alive ? sum + BigInt(server.weight) : sum), 0n);
  const cap = BigInt(bucketCount);
  return servers.map((server) => (server.alive ? band(BigInt(bucketCount) * BigInt(server.weight), weightTotal, cap) : null));
}

function band(numerator: bigint, denominator: bigint, cap: bigint): QuotaBand {
  const floor = numerator / denominator;
  const exact = floor * denominator === numerator;
  const ceil = exact ? floor : floor + 1n;
  const low = exact ? floor - 1n : floor;
  const high = exact ? floor + 1n : ceil;
  return {
    value: Number(numerator) / Number(denominator),
    floor: Number(floor),
    ceil: Number(ceil),
    low: Number(low < 0n ? 0n : low),
    high: Number(high > cap ? cap : high),
  };
}
