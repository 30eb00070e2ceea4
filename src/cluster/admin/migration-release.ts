/**
 * migration-release — what part of a migration data servers are shown: all of it, nothing
 * (paused), or waves of at most N buckets per data server (the operator's cap).
 *
 * Data servers migrate every bucket whose row differs between the current and the destination
 * table of their view, and they only re-plan on a new server version. So the
 * config server steers them through the destination it *publishes*; the real destination stays
 * in the working state and in the table file:
 *
 *   released destination, bucket b =  destination row   if b is in the wave
 *                                     current row       otherwise (nothing to do)
 *
 *   no cap, not paused   the wave is every bucket (the view is the real destination)
 *   paused               the wave is empty: server version ↑ once, data servers stop
 *   cap N                buckets in bucket order while no server (source or receiver) is in N
 *                        already; when every bucket of the wave has finished, server version ↑
 *                        and the next wave is chosen (no copy is ever cancelled mid-way)
 *
 * Finishes are still accepted for any bucket that needs to move (late ones are real progress).
 * Sources with nothing released have their stuck-migration clock held, so a paused or capped
 * migration is never "re-planned as stuck".
 */
import type { ClusterContext } from '../cluster-context.js';
import { notify } from '../cluster-context.js';
import type { GroupState } from '../group-state.js';
import { markChanged } from '../group-state.js';
import { copyRow } from '../group-tables.js';
import { needsMigration } from '../migration-plan.js';
import { bumpVersion } from '../versions.js';

/** MigrationWave — the buckets released under one server version (1 = released). */
export interface MigrationWave {
  serverVersion: number;
  buckets: Uint8Array;
  bucketCount: number;
}

/** OperatorState — a group's operator settings (memory only; a restart clears them). */
export interface OperatorState {
  paused: boolean;
  /** capPerServer — most buckets moving into or out of one data server at a time; null = no cap. */
  capPerServer: number | null;
  wave: MigrationWave | null;
  /** drainNoticed — draining servers already reported as holding nothing. */
  drainNoticed: Set<bigint>;
}

/** createOperatorState — nothing paused, no cap. */
export function createOperatorState(): OperatorState {
  return { paused: false, capPerServer: null, wave: null, drainNoticed: new Set() };
}

/** isReleaseLimited — whether data servers see less than the whole migration. */
export function isReleaseLimited(operator: OperatorState): boolean {
  return operator.paused || operator.capPerServer !== null;
}

/** releasedDestination — the destination data servers are shown (see the file comment). */
export function releasedDestination(group: GroupState, current: Uint32Array, destination: Uint32Array): Uint32Array {
  const { operator } = group;
  if (!isReleaseLimited(operator)) return destination;
  const wave = currentWave(group);
  const released = current.slice();
  const { bucketCount } = group.tables;
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    if (wave.buckets[bucketIndex]) copyRow(destination, released, bucketIndex, bucketCount);
  }
  return released;
}

/** currentWave — the wave of the group's server version, chosen now if it has none yet. */
export function currentWave(group: GroupState): MigrationWave {
  const { operator, versions, tables } = group;
  const wave = operator.wave;
  if (wave && wave.serverVersion === versions.server && wave.bucketCount === tables.bucketCount) return wave;
  operator.wave = { serverVersion: versions.server, buckets: chooseWave(group), bucketCount: tables.bucketCount };
  return operator.wave;
}

/** chooseWave — buckets to release now: none when paused, else in bucket order under the cap. */
function chooseWave(group: GroupState): Uint8Array {
  const { tables, operator } = group;
  const { bucketCount, progress, destination } = tables;
  const buckets = new Uint8Array(bucketCount);
  if (operator.paused) return buckets;
  const cap = operator.capPerServer ?? Number.POSITIVE_INFINITY;
  const load = new Uint32Array(tables.servers.length + 1);
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    if (!needsMigration(progress, destination, bucketIndex, bucketCount)) continue;
    const involved = involvedServers(progress, destination, bucketIndex, bucketCount);
    if (involved.some((value) => load[value] >= cap)) continue;
    for (const value of involved) load[value] += 1;
    buckets[bucketIndex] = 1;
  }
  return buckets;
}

/** involvedServers — the bucket's source (current master) and its receivers (new holders). */
function involvedServers(current: Uint32Array, destination: Uint32Array, bucketIndex: number, bucketCount: number): number[] {
  const involved = [current[bucketIndex]];
  for (let slot = bucketIndex; slot < destination.length; slot += bucketCount) {
    const value = destination[slot];
    if (value === 0 || involved.includes(value)) continue;
    let holds = false;
    for (let held = bucketIndex; held < current.length; held += bucketCount) if (current[held] === value) holds = true;
    if (!holds) involved.push(value);
  }
  return involved;
}

/**
 * tickRelease — hold the stuck clock of sources with nothing released, and move on to the next
 * wave once the current one is done. Runs before the migration check of the same tick.
 */
export function tickRelease(context: ClusterContext, group: GroupState, nowMs: number): void {
  const { operator } = group;
  if (group.migrateBlockCount < 0) {
    operator.wave = null;
    return;
  }
  if (!isReleaseLimited(operator)) return;
  const wave = operator.wave;
  const live = wave && wave.serverVersion === group.versions.server && wave.bucketCount === group.tables.bucketCount ? wave : null;
  const busySources = holdClocks(group, live, nowMs);
  // Without a bucket left to move the migration check converges (or recounts) instead.
  if (!live || operator.paused || busySources > 0 || !anyBucketNeedsMigration(group)) return;
  group.versions.server = bumpVersion(group.versions.server, group.config.minConfigVersion);
  group.transitionVersion = 0;
  markChanged(group);
  notify(context, {
    level: 'info',
    event: 'migration-wave',
    group: group.name,
    message: `migration wave done; releasing the next one (at most ${operator.capPerServer} buckets per data server), server version ${group.versions.server}`,
  });
}

/** holdClocks — a source with no released bucket left is waiting, not stuck; returns the busy sources. */
function holdClocks(group: GroupState, wave: MigrationWave | null, nowMs: number): number {
  const busy = new Set<number>();
  if (wave) {
    const { progress, destination, bucketCount } = group.tables;
    for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
      if (wave.buckets[bucketIndex] && needsMigration(progress, destination, bucketIndex, bucketCount)) busy.add(progress[bucketIndex]);
    }
  }
  for (const [source, progress] of group.migration) if (!busy.has(source)) progress.lastProgressMs = nowMs;
  return busy.size;
}

function anyBucketNeedsMigration(group: GroupState): boolean {
  const { progress, destination, bucketCount } = group.tables;
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    if (needsMigration(progress, destination, bucketIndex, bucketCount)) return true;
  }
  return false;
}

/** releaseChanged — pause, resume or a new cap: data servers must re-plan (server version ↑). */
export function releaseChanged(group: GroupState): void {
  group.operator.wave = null;
  if (!group.hasTable) return;
  group.versions.server = bumpVersion(group.versions.server, group.config.minConfigVersion);
  group.transitionVersion = 0;
  markChanged(group);
}
