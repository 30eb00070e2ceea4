/**
 * scenario-format — the lines a scenario transcript prints: what a person checks about a
 * table (moves against the minimum, balance against quota, racks short, partner spread)
 * and, for tiny tables, the table itself. Every figure comes from the independent checker;
 * where the engine's own report disagrees, a line starting with `!!` says so.
 */
import type { BuildReport, ServerSpec, Table } from '../../src/engine/index.js';
import { type TableCheck, checkTable, rackSpreadPossible } from './table-checker.js';
import { countMoves } from './table-moves.js';

/** tableRenderBucketsMax — tables up to this many buckets are drawn in full. */
export const tableRenderBucketsMax = 24;

/** number — a quota for people: whole numbers plain, others with two decimals. */
export function number(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function range(values: number[]): string {
  if (values.length === 0) return '-';
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? number(low) : `${number(low)}..${number(high)}`;
}

function live<T>(servers: ServerSpec[], values: T[]): T[] {
  return values.filter((_, position) => servers[position].alive);
}

/**
 * balanceLines — replicas and masters per live server against their quotas, rack spread,
 * partners; `!!` lines where a promise of the issue is broken (replica balance only when
 * the strategy is known: 'rack' may trade it for spread).
 */
export function balanceLines(table: Table, servers: ServerSpec[], strategyUsed?: 'balanced' | 'rack'): string[] {
  const result = checkTable({ ...table, servers });
  const replicas = `replicas ${range(live(servers, result.replicas))} (quota ${range(live(servers, result.replicaQuota))})`;
  const masters = `masters ${range(live(servers, result.masters))} (quota ${range(live(servers, result.masterQuota))})`;
  const lines = [`balance: ${replicas}, ${masters}`];
  const possible = rackSpreadPossible(table.bucketCount, table.copyCount, servers) ? 'possible' : 'impossible';
  lines.push(`racks: ${result.rackSpreadShort} buckets short of ${result.spreadWanted} racks (full spread with these quotas: ${possible})`);
  if (!result.mastersWithinOne) lines.push(`!! masters off quota by ${number(result.masterDeviationMax)}`);
  const replicasMustBalance = strategyUsed === 'balanced' || (strategyUsed === 'rack' && possible === 'possible');
  if (replicasMustBalance && !result.replicasWithinOne) lines.push(`!! replicas off quota by ${number(result.replicaDeviationMax)}`);
  if (result.sameServerBuckets + result.emptySlots + result.slotsOnDeadServers > 0) {
    lines.push(`!! ${result.sameServerBuckets} buckets with a server twice, ${result.emptySlots} empty slots, ${result.slotsOnDeadServers} on dead servers`);
  }
  lines.push(...partnerLines(result, servers));
  return lines;
}

function partnerLines(result: TableCheck, servers: ServerSpec[]): string[] {
  const spread = result.partnerSpread;
  if (!spread || spread.worstExcess === Number.NEGATIVE_INFINITY) return [];
  if (spread.offenders.length === 0) return ['partners: every master within ⌈m/P⌉+1 per partner'];
  return spread.offenders.map(
    (o) => `partners: ${servers[o.master].id} has ${o.count} of its ${o.mastered} buckets on ${servers[o.partner].id} (bound ${o.bound})`,
  );
}

/** buildLines — a build or rebuild: outcome, moves against the minimum, balance, the table. */
export function buildLines(report: BuildReport, servers: ServerSpec[], source: Table | undefined): string[] {
  if (!report.ok) return [`failed: ${report.outcome}`];
  const lines = [
    `ok: strategy ${report.strategyUsed}; moves: ${report.replicaMoves} replicas (minimum ${report.minimumReplicaMoves}), ` +
      `${report.masterChanges} master changes (minimum ${report.minimumMasterChanges})`,
  ];
  const empty = { ...report.table, slots: new Uint16Array(report.table.slots.length) };
  const counted = countMoves(source ?? empty, report.table);
  if (counted.replicaMoves !== report.replicaMoves || counted.masterChanges !== report.masterChanges) {
    lines.push(`!! the checker counts ${counted.replicaMoves} moves and ${counted.masterChanges} master changes`);
  }
  lines.push(...balanceLines(report.table, servers, report.strategyUsed));
  const result = checkTable({ ...report.table, servers });
  if (report.rackSpreadShort !== result.rackSpreadShort) {
    lines.push(`!! the engine reports ${report.rackSpreadShort} buckets short of racks`);
  }
  if (source && report.unchangedFromSource) lines.push('unchanged from the source');
  lines.push(...renderTable(report.table, servers));
  return lines;
}

/** renderTable — a tiny table drawn copy by copy, with server names (`.` for empty, `name!` for dead). */
export function renderTable(table: Table, servers: ServerSpec[]): string[] {
  if (table.bucketCount > tableRenderBucketsMax) return [];
  const name = (entry: number): string => {
    if (entry === 0) return '.';
    const server = servers[entry - 1];
    return server.alive ? server.id : `${server.id}!`;
  };
  const width = Math.max(2, ...servers.map((server) => server.id.length + 1), String(table.bucketCount - 1).length);
  const cell = (text: string): string => text.padStart(width + 1);
  const header = Array.from({ length: table.bucketCount }, (_, bucket) => cell(String(bucket))).join('');
  const lines = [`  bucket${header}`];
  for (let copyIndex = 0; copyIndex < table.copyCount; copyIndex++) {
    const row = Array.from({ length: table.bucketCount }, (_, bucket) => cell(name(table.slots[copyIndex * table.bucketCount + bucket])));
    lines.push(`  ${copyIndex === 0 ? 'master' : `copy ${copyIndex}`}${row.join('')}`);
  }
  return lines;
}

/** serverLines — one line per server for `stats`: its counts against its quotas. */
export function serverLines(table: Table, servers: ServerSpec[], replicas: Uint32Array, masters: Uint32Array): string[] {
  const result = checkTable({ ...table, servers });
  const lines = servers.map((server, position) => {
    const state = server.alive ? 'alive' : 'down ';
    const weight = server.weight === 1 ? '' : ` weight ${server.weight}`;
    return (
      `  ${server.id}@${server.rack}${weight} ${state}  replicas ${result.replicas[position]} (quota ${number(result.replicaQuota[position])})` +
      `  masters ${result.masters[position]} (quota ${number(result.masterQuota[position])})`
    );
  });
  const agrees = servers.every((_, p) => replicas[p + 1] === result.replicas[p] && masters[p + 1] === result.masters[p]);
  if (!agrees) lines.push('!! the engine counts differently');
  return lines;
}
