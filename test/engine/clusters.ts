/**
 * clusters — synthetic clusters for the engine tests, and a fast-check generator of them.
 *
 * Ids are zero-padded (`s007`) so listing order equals the engine's canonical (sorted-id)
 * order unless a test shuffles on purpose.
 */
import fc from 'fast-check';
import type { ServerSpec, Table } from '../../src/engine/index.js';
import { type CheckedTable, checkTable, type TableCheck } from './table-checker.js';

/** serverId — the id of synthetic server `position`. */
export function serverId(position: number): string {
  return `s${String(position).padStart(3, '0')}`;
}

/** makeServers — servers filling racks of the given sizes in turn, with optional weights. */
export function makeServers(rackSizes: number[], weights?: number[]): ServerSpec[] {
  const servers: ServerSpec[] = [];
  rackSizes.forEach((size, rack) => {
    for (let k = 0; k < size; k++) {
      const position = servers.length;
      servers.push({ id: serverId(position), rack: `r${rack}`, weight: weights?.[position] ?? 1, alive: true });
    }
  });
  return servers;
}

/** roundRobinServers — `count` servers, server i in rack i mod racks (the CLI's rule). */
export function roundRobinServers(count: number, racks: number): ServerSpec[] {
  return Array.from({ length: count }, (_, position) => ({
    id: serverId(position),
    rack: `r${position % racks}`,
    weight: 1,
    alive: true,
  }));
}

/** withDown — a copy of `servers` with the given positions marked not alive. */
export function withDown(servers: ServerSpec[], positions: Iterable<number>): ServerSpec[] {
  const down = new Set(positions);
  return servers.map((server, position) => (down.has(position) ? { ...server, alive: false } : { ...server }));
}

/** check — run the independent checker on an engine table. */
export function check(table: Table, servers: ServerSpec[]): TableCheck {
  return checkTable(checked(table, servers));
}

/** checked — an engine table as the checker's input. */
export function checked(table: Table, servers: ServerSpec[]): CheckedTable {
  return { bucketCount: table.bucketCount, copyCount: table.copyCount, servers, slots: table.slots };
}

/** Cluster — a random cluster to build a table for. */
export interface Cluster {
  bucketCount: number;
  copyCount: number;
  servers: ServerSpec[];
  seed: number;
}

/** ClusterBounds — ranges for clusterArbitrary. */
export interface ClusterBounds {
  bucketCountMax: number;
  serverCountMax: number;
  copyCountMax: number;
  rackCountMax: number;
}

/** clusterArbitrary — C in 1..copyCountMax, S in C..serverCountMax over 1..rackCountMax racks of random sizes, weights 1..4 or all 1. */
export function clusterArbitrary(bounds: ClusterBounds): fc.Arbitrary<Cluster> {
  return fc
    .record({
      copyCount: fc.integer({ min: 1, max: bounds.copyCountMax }),
      bucketCount: fc.integer({ min: 1, max: bounds.bucketCountMax }),
      rackCount: fc.integer({ min: 1, max: bounds.rackCountMax }),
      extraServers: fc.integer({ min: 0, max: bounds.serverCountMax }),
      rackDraws: fc.array(fc.nat(), { minLength: bounds.serverCountMax, maxLength: bounds.serverCountMax }),
      weighted: fc.boolean(),
      weightDraws: fc.array(fc.integer({ min: 1, max: 4 }), {
        minLength: bounds.serverCountMax,
        maxLength: bounds.serverCountMax,
      }),
      seed: fc.nat(),
    })
    .map((draw) => {
      const serverCount = Math.min(draw.copyCount + draw.extraServers, bounds.serverCountMax);
      // Every rack gets one server, the rest land in racks drawn at random (uneven sizes).
      const servers: ServerSpec[] = Array.from({ length: serverCount }, (_, position) => ({
        id: serverId(position),
        rack: `r${position < draw.rackCount ? position : draw.rackDraws[position] % draw.rackCount}`,
        weight: draw.weighted ? draw.weightDraws[position] : 1,
        alive: true,
      }));
      return { bucketCount: draw.bucketCount, copyCount: draw.copyCount, servers, seed: draw.seed };
    });
}
