/**
 * table-partners — how evenly each server's partner copies spread in a C = 2 table.
 *
 * With two copies, when a server dies each of its m masters is promoted on the one server
 * holding the bucket's other copy. The issue asks that no survivor gains more than
 * ⌈m/P⌉ + 1 of them, P = live servers allowed to hold the other copies (those outside the
 * master's rack when copies are rack-spread), so the build must spread partners that way.
 * With weights, partner p's fair share is m·w(p)/W (W = weight of the allowed servers):
 *
 *   master d ──m buckets──▶ partners p1 p2 … pP, each holding at most ⌈m·w(p)/W⌉ + 1
 */
import type { MeasuredTable } from './table-measure.js';

/** PartnerSpread — the worst pile-up of one server's partner copies on another. */
export interface PartnerSpread {
  /** worstExcess — max over live masters and partners of (count − bound); ≤ 0 is within bound. */
  worstExcess: number;
  /** serversOverBound — live masters with some partner above the bound. */
  serversOverBound: number;
  /** worst — the master and partner of the worst excess (null when no master has partners). */
  worst: { master: string; masters: number; partner: string; count: number; bound: number } | null;
}

/** measurePartners — partner spread of a C = 2 table; `spreadAcross` means partners must be in other racks. */
export function measurePartners(table: MeasuredTable, rackIndex: Uint16Array, spreadAcross: boolean): PartnerSpread {
  const { servers } = table;
  const grouped = groupByMaster(table);
  const rackWeight = new Map<number, number>();
  let weightTotal = 0;
  servers.forEach((server, position) => {
    if (!server.alive) return;
    weightTotal += server.weight;
    rackWeight.set(rackIndex[position], (rackWeight.get(rackIndex[position]) ?? 0) + server.weight);
  });
  const result: PartnerSpread = { worstExcess: Number.NEGATIVE_INFINITY, serversOverBound: 0, worst: null };
  const perPartner = new Uint32Array(servers.length);
  for (let master = 0; master < servers.length; master++) {
    const start = grouped.offsets[master];
    const end = grouped.offsets[master + 1];
    if (!servers[master].alive || end === start) continue;
    const excluded = spreadAcross ? (rackWeight.get(rackIndex[master]) ?? 0) : servers[master].weight;
    const allowedWeight = Math.max(weightTotal - excluded, 1);
    for (let k = start; k < end; k++) perPartner[grouped.partners[k]]++;
    let over = false;
    for (let k = start; k < end; k++) {
      const partner = grouped.partners[k];
      const count = perPartner[partner];
      if (count === 0) continue;
      perPartner[partner] = 0;
      const bound = Math.ceil(((end - start) * servers[partner].weight) / allowedWeight) + 1;
      if (count > bound) over = true;
      if (count - bound > result.worstExcess) {
        result.worstExcess = count - bound;
        result.worst = {
          master: servers[master].id,
          masters: grouped.masterCounts[master],
          partner: servers[partner].id,
          count,
          bound,
        };
      }
    }
    if (over) result.serversOverBound++;
  }
  if (result.worst === null) result.worstExcess = 0;
  return result;
}

interface Grouped {
  /** offsets[master] .. offsets[master + 1] — that master's entries in `partners`. */
  offsets: Uint32Array;
  partners: Uint32Array;
  masterCounts: Uint32Array;
}

// A counting sort of the buckets by master, keeping each bucket's partner position.
function groupByMaster(table: MeasuredTable): Grouped {
  const { bucketCount, servers, slots } = table;
  const masterCounts = new Uint32Array(servers.length);
  const offsets = new Uint32Array(servers.length + 1);
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    const master = slots[bucket];
    const partner = slots[bucketCount + bucket];
    if (master === 0) continue;
    masterCounts[master - 1]++;
    if (partner !== 0 && partner !== master) offsets[master]++;
  }
  for (let position = 0; position < servers.length; position++) offsets[position + 1] += offsets[position];
  const partners = new Uint32Array(offsets[servers.length]);
  const cursor = offsets.slice(0, servers.length);
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    const master = slots[bucket];
    const partner = slots[bucketCount + bucket];
    if (master === 0 || partner === 0 || partner === master) continue;
    partners[cursor[master - 1]++] = partner - 1;
  }
  return { offsets, partners, masterCounts };
}
