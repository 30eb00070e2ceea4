import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { masterQuotas, replicaQuotas } from '../../src/cli/table-quotas.js';
import { measureTable, type MeasuredServer } from '../../src/cli/table-measure.js';
import { countMoves } from '../../src/cli/table-moves.js';

function servers(count: number, rackOf: (position: number) => number, weights?: number[]): MeasuredServer[] {
  return Array.from({ length: count }, (_, position) => ({
    id: `s${position}`,
    rack: `r${rackOf(position)}`,
    weight: weights?.[position] ?? 1,
    alive: true,
  }));
}

/** slotsOf — engine form (1 + position, 0 = empty) from rows of positions (-1 = empty). */
function slotsOf(rows: number[][]): Uint16Array {
  return Uint16Array.from(rows.flat(), (position) => position + 1);
}

describe('quotas', () => {
  test('a server whose weighted share passes B is capped and the rest share the excess', () => {
    const bands = replicaQuotas(
      1023,
      3,
      servers(4, () => 0, [100, 1, 1, 1]),
    );
    expect(bands.map((band) => band?.value)).toEqual([1023, 682, 682, 682]);
    expect(bands[1]).toMatchObject({ floor: 682, ceil: 682, low: 681, high: 683 });
  });

  test('dead servers get no quota; the live ones share everything', () => {
    const list = servers(3, () => 0);
    list[1].alive = false;
    expect(replicaQuotas(10, 2, list).map((band) => band?.value ?? null)).toEqual([10, null, 10]);
    expect(masterQuotas(10, list).map((band) => band?.value ?? null)).toEqual([5, null, 5]);
  });

  test('floor and ceil stay exact where doubles would round (B·C·Σw past 2^53)', () => {
    const weights = [999_999, 1_000_000, 999_998];
    const [band] = masterQuotas(
      16_777_215,
      servers(3, () => 0, weights),
    );
    const exact = (16_777_215n * 999_999n) / 2_999_997n;
    expect(band?.floor).toBe(Number(exact));
  });

  test('property: floors and ceils bracket the total, bands bracket the quota', () => {
    const cluster = fc.record({
      bucketCount: fc.integer({ min: 1, max: 1 << 24 }),
      copyCount: fc.integer({ min: 1, max: 8 }),
      weights: fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 40 }),
    });
    fc.assert(
      fc.property(cluster, ({ bucketCount, copyCount, weights }) => {
        const bands = replicaQuotas(
          bucketCount,
          copyCount,
          servers(weights.length, () => 0, weights),
        );
        const live = bands.filter((band) => band !== null);
        const total = Math.min(bucketCount * copyCount, bucketCount * weights.length);
        expect(live.reduce((sum, band) => sum + band.floor, 0)).toBeLessThanOrEqual(total);
        expect(live.reduce((sum, band) => sum + band.ceil, 0)).toBeGreaterThanOrEqual(total);
        for (const band of live) {
          expect(band.ceil).toBeLessThanOrEqual(bucketCount);
          expect(band.low).toBeLessThanOrEqual(band.floor);
          expect(band.high).toBeGreaterThanOrEqual(band.ceil);
          expect(band.ceil - band.floor).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('measureTable', () => {
  test('a spread that balanced racks allow is required; one the sizes forbid is not', () => {
    // Two racks of two, C = 2: every bucket can span both racks at perfect balance.
    const even = measureTable({
      bucketCount: 2,
      copyCount: 2,
      servers: servers(4, (p) => (p < 2 ? 0 : 1)),
      slots: slotsOf([
        [0, 2],
        [1, 3],
      ]),
    });
    expect(even).toMatchObject({ rackSpreadFeasible: true, valid: false, violations: { rackSpreadShort: 2 } });
    // Racks of three and one: the lone server would need all 6 buckets, past its quota of 3 ± 1.
    const lopsided = measureTable({
      bucketCount: 6,
      copyCount: 2,
      servers: servers(4, (p) => (p < 3 ? 0 : 1)),
      slots: slotsOf([
        [0, 1, 2, 3, 0, 1],
        [1, 2, 0, 0, 3, 3],
      ]),
    });
    expect(lopsided).toMatchObject({ rackSpreadFeasible: false, valid: true, violations: { rackSpreadShort: 3 } });
  });

  test('C = 2 partner spread: a master whose buckets all pair with one server is over the bound', () => {
    // s0 masters 6 buckets, all partnered with s1; P = 3 partners → bound ⌈6/3⌉ + 1 = 3.
    const piled = measureTable({
      bucketCount: 6,
      copyCount: 2,
      servers: servers(4, () => 0),
      slots: slotsOf([
        [0, 0, 0, 0, 0, 0],
        [1, 1, 1, 1, 1, 1],
      ]),
    });
    expect(piled.partners).toMatchObject({ worstExcess: 3, serversOverBound: 1, worst: { master: 's0', partner: 's1', count: 6, bound: 3 } });
    const spread = measureTable({
      bucketCount: 6,
      copyCount: 2,
      servers: servers(4, () => 0),
      slots: slotsOf([
        [0, 0, 0, 0, 0, 0],
        [1, 2, 3, 1, 2, 3],
      ]),
    });
    expect(spread.partners).toMatchObject({ serversOverBound: 0 });
    expect(spread.partners?.worstExcess).toBeLessThanOrEqual(0);
  });
});

describe('countMoves', () => {
  test('a server leaving: the minimum is exactly the slots it held', () => {
    const list = servers(3, () => 0);
    const source = slotsOf([
      [0, 1, 2],
      [1, 2, 0],
    ]);
    list[2].alive = false;
    const target = slotsOf([
      [0, 1, 1],
      [1, 0, 0],
    ]);
    const { replicaBands, masterBands } = measureTable({ bucketCount: 3, copyCount: 2, servers: list, slots: target });
    expect(countMoves(3, 2, source, target, replicaBands, masterBands)).toEqual({
      replicas: 2,
      masters: 1,
      minimumReplicas: 2,
      minimumMasters: 1,
    });
  });

  test('a server joining must take at least its lower band, all of it moved', () => {
    const list = servers(3, () => 0);
    const source = slotsOf([[0, 1, 0, 1, 0, 1]]);
    const { replicaBands, masterBands } = measureTable({ bucketCount: 6, copyCount: 1, servers: list, slots: source });
    // Quota 2 each (integer): band 1..3, so a valid table could leave the newcomer with 1.
    expect(countMoves(6, 1, source, source, replicaBands, masterBands)).toMatchObject({ replicas: 0, minimumReplicas: 1 });
  });
});
