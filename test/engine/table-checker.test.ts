/**
 * The independent checker catches each defect on small hand-made tables, so a property
 * test that passes through it means something.
 */
import { describe, expect, it } from 'vitest';
import { type CheckedServer, checkTable, integerQuotas, masterQuotas, partnerBound, partnerPools, rackSpreadPossible, replicaQuotas } from './table-checker.js';
import { countMoves, minimumForCounts, promotionGains, referenceDiff } from './table-moves.js';

const a = 1;
const b = 2;
const c = 3;
const d = 4;

function servers(spec: string): CheckedServer[] {
  return spec.split(' ').map((word) => {
    const [name, rest] = word.split('@');
    const [rack, weight] = rest.split('*');
    return { id: name, rack, weight: weight ? Number(weight) : 1, alive: true };
  });
}

/** rows — a table from copy rows, e.g. rows([a, b], [c, d]) = masters a b, slaves c d. */
function rows(...copies: number[][]): Uint16Array {
  return Uint16Array.from(copies.flat());
}

const fourOnTwoRacks = servers('a@r1 b@r1 c@r2 d@r2');
const good = { bucketCount: 4, copyCount: 2, servers: fourOnTwoRacks, slots: rows([a, b, c, d], [c, d, a, b]) };

describe('checkTable', () => {
  it('finds nothing wrong with a balanced, spread table', () => {
    const result = checkTable(good);
    expect(result).toMatchObject({
      emptySlots: 0,
      slotsOnDeadServers: 0,
      sameServerBuckets: 0,
      rackSpreadShort: 0,
      racksAlive: 2,
      spreadWanted: 2,
      replicas: [2, 2, 2, 2],
      masters: [1, 1, 1, 1],
      replicaDeviationMax: 0,
      masterDeviationMax: 0,
      replicasWithinOne: true,
      mastersWithinOne: true,
    });
    expect(result.partnerSpread?.offenders).toEqual([]);
  });

  it('counts empty slots', () => {
    expect(checkTable({ ...good, slots: rows([a, b, c, d], [c, 0, a, 0]) }).emptySlots).toBe(2);
  });

  it('counts slots on dead servers', () => {
    const someDead = fourOnTwoRacks.map((server) => ({ ...server, alive: server.id !== 'b' }));
    const result = checkTable({ ...good, servers: someDead });
    expect(result.slotsOnDeadServers).toBe(2);
    expect(result.replicaQuota[b - 1]).toBe(0);
  });

  it('counts buckets holding a server twice', () => {
    expect(checkTable({ ...good, slots: rows([a, b, c, d], [a, d, c, b]) }).sameServerBuckets).toBe(2);
  });

  it('counts buckets on fewer racks than min(C, live racks)', () => {
    const result = checkTable({ ...good, slots: rows([a, b, c, d], [b, a, a, b]) });
    expect(result.rackSpreadShort).toBe(2);
    // With rack r2 dead, one rack is all a bucket can span: nothing is short.
    const r2Dead = fourOnTwoRacks.map((server) => ({ ...server, alive: server.rack === 'r1' }));
    expect(checkTable({ ...good, servers: r2Dead, slots: rows([a, b, a, b], [b, a, b, a]) }).rackSpreadShort).toBe(0);
  });

  it('wants every rack in every bucket when C > racks', () => {
    const threeCopies = { bucketCount: 2, copyCount: 3, servers: servers('a@r1 b@r1 c@r1 d@r2') };
    expect(checkTable({ ...threeCopies, slots: rows([a, d], [b, a], [d, b]) }).rackSpreadShort).toBe(0);
    expect(checkTable({ ...threeCopies, slots: rows([a, d], [b, a], [c, b]) }).rackSpreadShort).toBe(1);
  });

  it('measures replica and master deviation from quota', () => {
    // a holds 4 replicas (quota 2) and 2 masters (quota 1); d holds none.
    const result = checkTable({ ...good, slots: rows([a, b, c, a], [c, a, a, b]) });
    expect(result.replicas).toEqual([4, 2, 2, 0]);
    expect(result.replicaDeviationMax).toBe(2);
    expect(result.replicasWithinOne).toBe(false);
    expect(result.masters).toEqual([2, 1, 1, 0]);
    expect(result.mastersWithinOne).toBe(true);
    const masterHeavy = checkTable({
      bucketCount: 6,
      copyCount: 1,
      servers: servers('a@r1 b@r1 c@r2'),
      slots: rows([a, a, a, a, b, c]),
    });
    expect(masterHeavy.masterDeviationMax).toBe(2);
    expect(masterHeavy.mastersWithinOne).toBe(false);
  });

  it('flags a master whose buckets pile up on one partner', () => {
    // a masters 6 buckets, all partnered with c; P = 2 (c, d outside r1) → bound ⌈6/2⌉+1 = 4.
    const piled = { bucketCount: 8, copyCount: 2, servers: fourOnTwoRacks, slots: rows([a, a, a, a, a, a, b, b], [c, c, c, c, c, c, d, d]) };
    const result = checkTable(piled);
    expect(result.partnerSpread?.offenders).toEqual([{ master: 0, mastered: 6, partner: 2, count: 6, bound: 4 }]);
    expect(result.partnerSpread?.worstExcess).toBe(2);
    const spread = { ...piled, slots: rows([a, a, a, a, a, a, b, b], [c, d, c, d, c, d, d, c]) };
    expect(checkTable(spread).partnerSpread?.worstExcess).toBeLessThanOrEqual(0);
  });

  it('reports partner spread only for two copies', () => {
    expect(checkTable({ ...good, copyCount: 1, slots: rows([a, b, c, d]) }).partnerSpread).toBeNull();
  });
});

describe('quotas', () => {
  it('shares B·C by weight', () => {
    expect(replicaQuotas(12, 2, servers('a@r1 b@r1*2 c@r2*3'))).toEqual([4, 8, 12]);
    expect(masterQuotas(12, servers('a@r1 b@r1*2 c@r2*3'))).toEqual([2, 4, 6]);
  });

  it('caps a replica quota at B and shares the excess among the others', () => {
    // Raw quotas 16.7, 1.67, 1.67 for B = 10: a is capped at 10, b and c split the other 10.
    expect(replicaQuotas(10, 2, servers('a@r1*10 b@r1 c@r2'))).toEqual([10, 5, 5]);
  });

  it('gives dead servers nothing', () => {
    const list = servers('a@r1 b@r1 c@r2').map((server) => ({ ...server, alive: server.id !== 'c' }));
    expect(replicaQuotas(6, 1, list)).toEqual([3, 3, 0]);
    expect(masterQuotas(6, list)).toEqual([3, 3, 0]);
  });

  it('turns real quotas into whole counts with the same total', () => {
    expect(integerQuotas([10 / 3, 10 / 3, 10 / 3], 10)).toEqual([4, 3, 3]);
    expect(integerQuotas([1.2, 2.7, 3.1], 7)).toEqual([1, 3, 3]);
  });
});

describe('rackSpreadPossible', () => {
  it('with C ≤ racks, needs every rack to fit within B', () => {
    const even = servers('a@r1 b@r1 c@r2 d@r2');
    expect(rackSpreadPossible(8, 2, even)).toBe(true);
    // Racks of 5 and 3 with C = 2: the big rack's share is 1.25·B.
    const uneven = servers('a@r1 b@r1 c@r1 d@r1 e@r1 f@r2 g@r2 h@r2');
    expect(rackSpreadPossible(8, 2, uneven)).toBe(false);
    expect(rackSpreadPossible(8, 2, uneven, [2, 2, 1, 1, 2, 3, 3, 2])).toBe(true);
  });

  it('with C > racks, needs every rack within [B, B·(C−R+1)]', () => {
    expect(rackSpreadPossible(4, 3, servers('a@r1 b@r1 c@r2 d@r2'))).toBe(true);
    expect(rackSpreadPossible(4, 3, servers('a@r1 b@r2 c@r2 d@r2'))).toBe(false);
    expect(rackSpreadPossible(4, 3, servers('a@r1*3 b@r2 c@r2 d@r2'))).toBe(true);
  });

  it('is always possible with a single live rack', () => {
    expect(rackSpreadPossible(4, 3, servers('a@r1 b@r1 c@r1'))).toBe(true);
  });
});

describe('partnerPools', () => {
  const list = servers('a@r1 b@r1 c@r1 d@r2 e@r2');
  const [pa, pb, pc, pd, pe] = [1, 2, 3, 4, 5];

  it('counts the servers outside the rack when every bucket spans two racks', () => {
    const table = { bucketCount: 4, copyCount: 2, servers: list, slots: rows([pa, pb, pd, pe], [pd, pe, pc, pa]) };
    expect(partnerPools(table)).toEqual([2, 2, 2, 3, 3]);
  });

  it('counts every other live server when some bucket sits on one rack', () => {
    const table = { bucketCount: 4, copyCount: 2, servers: list, slots: rows([pa, pb, pd, pe], [pb, pe, pc, pa]) };
    expect(partnerPools(table)).toEqual([4, 4, 4, 4, 4]);
  });

  it('counts only the rack that holds a copy of every bucket, when there is one', () => {
    // r3 holds a copy of all four buckets: r1 and r2 masters can only partner e and f.
    const three = servers('a@r1 c@r2 d@r2 e@r3 f@r3');
    const table = { bucketCount: 4, copyCount: 2, servers: three, slots: rows([1, 2, 3, 1], [4, 5, 4, 5]) };
    expect(partnerPools(table)).toEqual([2, 2, 2, 3, 3]);
  });

  it('bounds a partner by ⌈m/P⌉ + 1', () => {
    expect(partnerBound(7, 2)).toBe(5);
    expect(partnerBound(8, 2)).toBe(5);
    expect(partnerBound(3, 0)).toBe(3);
  });
});

describe('table-moves', () => {
  const source = { bucketCount: 4, copyCount: 2, slots: rows([a, b, c, d], [c, d, a, b]) };

  it('counts replica moves and master changes', () => {
    const target = { ...source, slots: rows([c, b, c, d], [a, a, b, b]) };
    // bucket 0 swaps roles (no data moves), bucket 1 gains a, bucket 2 gains b.
    expect(countMoves(source, target)).toEqual({ replicaMoves: 2, masterChanges: 1 });
    expect(countMoves(source, source)).toEqual({ replicaMoves: 0, masterChanges: 0 });
  });

  it('computes the minimum moves for given counts', () => {
    const list = servers('a@r1 b@r1 c@r2');
    expect(minimumForCounts([3, 3, 0], [2, 2, 2], list)).toBe(2);
  });

  it('follows a dead master to the copy that took over', () => {
    const list = fourOnTwoRacks.map((server) => ({ ...server, alive: server.id !== 'a' }));
    const quick = { ...source, slots: rows([c, b, c, d], [0, d, 0, b]) };
    const gains = promotionGains(source, quick, list);
    expect(gains).toHaveLength(1);
    expect(gains[0].mastered).toBe(1);
    expect([...gains[0].gains]).toEqual([[c - 1, 1]]);
  });

  it('plans migrations as the original counts them', () => {
    const target = { ...source, slots: rows([c, b, c, d], [a, a, b, b]) };
    const plan = referenceDiff(source, target, 4);
    expect(plan.needsMigration).toEqual([true, true, true, false]);
    expect(plan.handOver).toEqual([true, false, false, false]);
    expect(plan.dataMoves).toEqual([false, true, true, false]);
    expect(plan.receivers).toEqual([[], [a], [b], []]);
    expect(plan.perSource).toEqual([0, 1, 1, 1, 0]);
    expect(plan.bucketsToMigrate).toBe(3);
  });
});
