/**
 * build-rules — the promises about a full build, as a list of broken rules.
 *
 * Each rule is judged by the independent checker (never by engine code) and returns a
 * short sentence when broken, so a failing property shows every broken rule at once:
 *
 *   sound      ok, no empty slot, no slot on a dead server, no server twice in a bucket
 *   agreement  the engine's own report (sameServer, rackSpreadShort, moves, minimum) matches the checker
 *   masters    every live server within ±1 of its master quota
 *   replicas   within ±1 of the replica quota (rack strategy: when the quotas leave room to spread)
 *   spread     rack strategy: every bucket on min(C, R) racks; balanced: when the counts allow it
 *   partners   C = 2, first builds with equal weights on one rack or racks of equal size: no
 *              partner holds more than ⌈m/P⌉ + 1 of a master's m buckets (the guarantee the
 *              engine states; elsewhere — weights, uneven racks, rebuilds that keep copies in
 *              place — the bound may be out of reach, and the engine reports the excess, which
 *              the agreement rule checks)
 */
import type { BuildReport, ServerSpec, Table } from '../../src/engine/index.js';
import { check } from './clusters.js';
import { rackSpreadPossible, type TableCheck } from './table-checker.js';
import { countMoves, minimumForCounts } from './table-moves.js';

/** BuildCase — what was asked of the engine. */
export interface BuildCase {
  bucketCount: number;
  copyCount: number;
  servers: ServerSpec[];
  source?: Table;
}

/** rules — the rule names, in the order the file comment lists them. */
export const rules = ['sound', 'agreement', 'masters', 'replicas', 'spread', 'partners'] as const;
/** Rule — one promise of the issue. */
export type Rule = (typeof rules)[number];
/** RuleBreaks — per rule, what broke (empty lists when the rule holds). */
export type RuleBreaks = Record<Rule, string[]>;

/** ruleBreaks — every rule the report breaks, and the checker's view of its table. */
export function ruleBreaks(report: BuildReport, input: BuildCase): { breaks: RuleBreaks; check: TableCheck } {
  const breaks: RuleBreaks = { sound: [], agreement: [], masters: [], replicas: [], spread: [], partners: [] };
  const result = check(report.table, input.servers);
  if (!report.ok) {
    breaks.sound.push(`build failed: ${report.outcome}`);
    return { breaks, check: result };
  }
  const { bucketCount, copyCount, servers } = input;
  if (result.emptySlots > 0) breaks.sound.push(`${result.emptySlots} empty slots`);
  if (result.slotsOnDeadServers > 0) breaks.sound.push(`${result.slotsOnDeadServers} slots on dead servers`);
  if (result.sameServerBuckets > 0) breaks.sound.push(`${result.sameServerBuckets} buckets hold a server twice`);
  breaks.agreement.push(...agreementBreaks(report, input, result));
  if (!result.mastersWithinOne) breaks.masters.push(`masters off quota by ${result.masterDeviationMax.toFixed(2)}`);
  const replicasMustBalance = report.strategyUsed === 'balanced' || rackSpreadPossible(bucketCount, copyCount, servers);
  if (replicasMustBalance && !result.replicasWithinOne) {
    breaks.replicas.push(`replicas off quota by ${result.replicaDeviationMax.toFixed(2)}`);
  }
  const spreadMustHold = report.strategyUsed === 'rack' || rackSpreadPossible(bucketCount, copyCount, servers, result.replicas);
  if (spreadMustHold && result.rackSpreadShort > 0) {
    breaks.spread.push(`${result.rackSpreadShort} buckets short of ${result.spreadWanted} racks (${report.strategyUsed})`);
  }
  if (partnersGuaranteed(input) && result.partnerSpread && result.partnerSpread.worstExcess > 0) {
    const worst = result.partnerSpread.offenders.reduce((x, y) => (y.count - y.bound > x.count - x.bound ? y : x));
    breaks.partners.push(`${worst.count} of ${worst.mastered} buckets of one master on one partner (bound ${worst.bound})`);
  }
  return { breaks, check: result };
}

/** allBreaks — the broken rules' sentences in one list. */
export function allBreaks(report: BuildReport, input: BuildCase): string[] {
  return Object.values(ruleBreaks(report, input).breaks).flat();
}

function agreementBreaks(report: BuildReport, input: BuildCase, result: TableCheck): string[] {
  const breaks: string[] = [];
  if (report.sameServer !== result.sameServerBuckets || report.emptySlots !== result.emptySlots) {
    breaks.push(`engine reports sameServer ${report.sameServer}, empty ${report.emptySlots}`);
  }
  if (report.rackSpreadShort !== result.rackSpreadShort) {
    breaks.push(`engine reports rackSpreadShort ${report.rackSpreadShort}, checker ${result.rackSpreadShort}`);
  }
  const slotCount = input.bucketCount * input.copyCount;
  const source = input.source ?? { bucketCount: input.bucketCount, copyCount: input.copyCount, slots: new Uint16Array(slotCount) };
  const moves = countMoves(source, report.table);
  if (moves.replicaMoves !== report.replicaMoves || moves.masterChanges !== report.masterChanges) {
    breaks.push(`engine reports ${report.replicaMoves} moves / ${report.masterChanges} master changes, checker ${moves.replicaMoves} / ${moves.masterChanges}`);
  }
  const held = check(source, input.servers).replicas;
  const minimum = minimumForCounts(held, result.replicas, input.servers);
  if (report.minimumReplicaMoves !== minimum) {
    breaks.push(`engine reports minimum ${report.minimumReplicaMoves} moves, the final counts need ${minimum}`);
  }
  if (report.replicaMoves < report.minimumReplicaMoves) breaks.push('fewer moves than the minimum');
  if (input.copyCount === 2 && evenWeights(input.servers) && result.partnerSpread) {
    const worst = Number.isFinite(result.partnerSpread.worstExcess) ? result.partnerSpread.worstExcess : 0;
    if (report.partnerExcessMax !== worst) breaks.push(`engine reports partner excess ${report.partnerExcessMax}, checker ${worst}`);
  }
  if (report.unchangedFromSource !== (input.source !== undefined && moves.replicaMoves === 0 && tablesEqual(source, report.table))) {
    breaks.push(`unchangedFromSource ${report.unchangedFromSource} is wrong`);
  }
  return breaks;
}

/** partnersGuaranteed — a first build with equal weights whose live racks are all the same size. */
export function partnersGuaranteed(input: BuildCase): boolean {
  if (input.source || !evenWeights(input.servers)) return false;
  const sizes = new Map<string, number>();
  for (const server of input.servers) if (server.alive) sizes.set(server.rack, (sizes.get(server.rack) ?? 0) + 1);
  return new Set(sizes.values()).size <= 1;
}

/** evenWeights — whether every live server has the same weight. */
export function evenWeights(servers: ServerSpec[]): boolean {
  return new Set(servers.filter((server) => server.alive).map((server) => server.weight)).size <= 1;
}

/** tablesEqual — same slots, byte for byte. */
export function tablesEqual(x: Table, y: Table): boolean {
  return x.slots.length === y.slots.length && x.slots.every((entry, index) => entry === y.slots[index]);
}
