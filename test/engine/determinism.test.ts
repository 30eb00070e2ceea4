/**
 * Determinism: the same inputs and seed give byte-identical tables — on another engine
 * instance, on the debug build, and whatever order the servers are listed in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, type ServerSpec, type Table } from '../../src/engine/index.js';
import { ruleBreaks } from './build-rules.js';
import { type Cluster, clusterArbitrary, makeServers, withDown } from './clusters.js';

const seed = Number(process.env.ENGINE_PROPERTY_SEED ?? 20_241_125);
const engine = new Engine();
const clusters = clusterArbitrary({ bucketCountMax: 800, serverCountMax: 30, copyCountMax: 4, rackCountMax: 5 });
const strategy = fc.constantFrom('balanced' as const, 'rack' as const, 'auto' as const);

/** The server id in every slot ('' for empty): a table's meaning, independent of listing order. */
function idsPerSlot(table: Table, servers: ServerSpec[]): string[] {
  return Array.from(table.slots, (entry) => (entry === 0 ? '' : servers[entry - 1].id));
}

/** A cluster, a permutation of its listing, and servers to take down for a rebuild. */
const shuffled = clusters.chain((cluster) =>
  fc.record({
    cluster: fc.constant(cluster),
    order: fc.shuffledSubarray(
      cluster.servers.map((_, position) => position),
      {
        minLength: cluster.servers.length,
        maxLength: cluster.servers.length,
      },
    ),
    down: fc.subarray(
      cluster.servers.map((_, position) => position),
      { maxLength: Math.max(0, cluster.servers.length - cluster.copyCount) },
    ),
  }),
);

/** A table over `servers` re-expressed over `servers` listed in `order`. */
function relist(table: Table, order: number[]): Table {
  const newEntry = new Uint16Array(order.length + 1);
  order.forEach((oldPosition, newPosition) => {
    newEntry[oldPosition + 1] = newPosition + 1;
  });
  return { ...table, slots: table.slots.map((entry) => newEntry[entry]) };
}

describe('the same inputs and seed', () => {
  it('give byte-identical tables, on this engine and on a fresh one', () => {
    const fresh = new Engine();
    fc.assert(
      fc.property(clusters, strategy, (cluster, chosen) => {
        const first = engine.build({ ...cluster, strategy: chosen });
        const again = engine.build({ ...cluster, strategy: chosen });
        const elsewhere = fresh.build({ ...cluster, strategy: chosen });
        expect(again.table.slots).toEqual(first.table.slots);
        expect(elsewhere.table.slots).toEqual(first.table.slots);
      }),
      { seed, numRuns: 40 },
    );
  });

  it('give the same table on the debug build (asserts and self-checks on)', () => {
    const debug = new Engine({ variant: 'debug' });
    const small = clusterArbitrary({ bucketCountMax: 200, serverCountMax: 12, copyCountMax: 4, rackCountMax: 4 });
    fc.assert(
      fc.property(small, strategy, (cluster, chosen) => {
        expect(debug.build({ ...cluster, strategy: chosen }).table.slots).toEqual(engine.build({ ...cluster, strategy: chosen }).table.slots);
      }),
      { seed, numRuns: 20 },
    );
  });
});

describe('the order servers are listed in', () => {
  it('does not change a first build (compared by server id per slot)', () => {
    fc.assert(
      fc.property(shuffled, strategy, ({ cluster, order }, chosen) => {
        const listed = order.map((position) => cluster.servers[position]);
        const first = engine.build({ ...cluster, strategy: chosen });
        const other = engine.build({ ...cluster, servers: listed, strategy: chosen });
        expect(idsPerSlot(other.table, listed)).toEqual(idsPerSlot(first.table, cluster.servers));
      }),
      { seed, numRuns: 40 },
    );
  });

  it('does not change a rebuild after servers go down', () => {
    fc.assert(
      fc.property(shuffled, strategy, ({ cluster, order, down }, chosen) => {
        const source = engine.build({ ...cluster, strategy: chosen }).table;
        const servers = withDown(cluster.servers, down);
        const listed = order.map((position) => servers[position]);
        const rebuilt = engine.build({ ...cluster, servers, source, strategy: chosen });
        const relisted = engine.build({ ...cluster, servers: listed, source: relist(source, order), strategy: chosen });
        expect(idsPerSlot(relisted.table, listed)).toEqual(idsPerSlot(rebuilt.table, servers));
      }),
      { seed, numRuns: 40 },
    );
  });
});

describe('different seeds', () => {
  const cluster: Cluster = { bucketCount: 96, copyCount: 3, servers: makeServers([3, 3, 2]), seed: 0 };

  it('may place differently', () => {
    const tables = [1, 2, 3, 4, 5].map((s) => engine.build({ ...cluster, seed: s }).table.slots.join());
    expect(new Set(tables).size).toBeGreaterThan(1);
  });

  it('give tables that keep the same promises', () => {
    fc.assert(
      fc.property(clusters, fc.nat(), fc.nat(), (drawn, seedA, seedB) => {
        for (const s of [seedA, seedB]) {
          const { breaks } = ruleBreaks(engine.build({ ...drawn, seed: s }), drawn);
          expect({ sound: breaks.sound, replicas: breaks.replicas, spread: breaks.spread }).toEqual({ sound: [], replicas: [], spread: [] });
        }
      }),
      { seed, numRuns: 30 },
    );
  });
});
