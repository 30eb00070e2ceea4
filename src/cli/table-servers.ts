/**
 * table-servers — the synthetic servers of `tair-cs table build` and `rebuild --add`.
 *
 * Server at position i gets the id `ds-<i, 6 digits>`, so ids sort in position order and
 * the engine's canonical order (code-unit sort of ids) is the listing order. Racks:
 *
 *   --racks 3          positions 0 1 2 3 4 5 …  →  rack-0 rack-1 rack-2 rack-0 rack-1 rack-2 …
 *   --rack-sizes 2,3   positions 0 1 2 3 4      →  rack-0 rack-0 rack-1 rack-1 rack-1
 *
 * `--add N` continues with i mod R over the file's racks in order of first appearance, which
 * for a round-robin file is exactly the rule it was built with.
 */
import { InputError } from '../errors.js';
import { serverCountMax } from '../limits.js';

/** TableServer — a server as `tair-cs table` lists it (the engine's ServerSpec). */
export interface TableServer {
  id: string;
  rack: string;
  weight: number;
  alive: boolean;
}

/** RackRule — how synthetic servers are put in racks. */
export type RackRule = { kind: 'round-robin'; rackCount: number } | { kind: 'sizes'; rackSizes: number[] };

/** syntheticServerId — the id of the synthetic server at `position`. */
export function syntheticServerId(position: number): string {
  return `ds-${String(position).padStart(6, '0')}`;
}

/** rackName — the name of rack number `rack`. */
export function rackName(rack: number): string {
  return `rack-${rack}`;
}

/** syntheticServers — `serverCount` live servers placed by `rule`, weighted by `weights` (default 1). */
export function syntheticServers(serverCount: number, rule: RackRule, weights?: number[]): TableServer[] {
  const racks =
    rule.kind === 'round-robin'
      ? Array.from({ length: serverCount }, (_, position) => position % rule.rackCount)
      : rule.rackSizes.flatMap((size, rack) => Array.from({ length: size }, () => rack));
  return racks.map((rack, position) => ({
    id: syntheticServerId(position),
    rack: rackName(rack),
    weight: weights?.[position] ?? 1,
    alive: true,
  }));
}

/** appendServers — `servers` plus `count` new live servers of weight 1, racks continuing i mod R. */
export function appendServers(servers: TableServer[], count: number): TableServer[] {
  if (servers.length + count > serverCountMax) {
    throw new InputError(`--add ${count} makes ${servers.length + count} servers, over the limit of ${serverCountMax}`);
  }
  const rackOrder = [...new Set(servers.map((server) => server.rack))];
  const ids = new Set(servers.map((server) => server.id));
  const added: TableServer[] = [];
  for (let position = servers.length; position < servers.length + count; position++) {
    const id = syntheticServerId(position);
    if (ids.has(id)) throw new InputError(`--add: the new server id ${id} is already in the file`);
    const rack = rackOrder.length > 0 ? rackOrder[position % rackOrder.length] : rackName(0);
    added.push({ id, rack, weight: 1, alive: true });
  }
  return [...servers, ...added];
}
