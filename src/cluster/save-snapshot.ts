/**
 * save-snapshot — what one save hands the host: the record to make durable and the publication
 * to serve once it is, both O(changed rows):
 *
 *   marked rows (dirty-buckets.ts) ─┬─ a set ─────────▶ those buckets
 *                                   └─ 'all' ─────────▶ diff against the saved tables, O(B·C)
 *   changed buckets ─▶ record rows (C current, C progress, C destination each), saved tables and
 *                      their hash updated to match
 *                   ─▶ publication rows (C current, C released destination each)
 *
 * Whole tables instead when the history must start over: the record after a failed save or when
 * the store compacts; the publication after a failed save, or when the released part of a
 * migration changed (pause, cap, a new wave: admin/migration-release.ts). And when more than an
 * eighth of the buckets changed, the record carries whole tables (rows would cost the store more
 * than a snapshot); past half of them (a first build) the publication does too (every data server
 * needs its view whole anyway).
 */
import type { GroupState, PublishedGroup } from './group-state.js';
import { snapshotPublished } from './group-state.js';
import type { TableRecord } from './persisted-group-table.js';
import { rehashSlot } from './table-hash.js';
import { syncTables } from './table-sync.js';
import type { Publication } from './types.js';
import { currentWave, isReleaseLimited, releasedDestination } from './admin/migration-release.js';

/** wholeRecordBucketShare — past this share of buckets changed, a record carries whole tables. */
const wholeRecordBucketShare = 1 / 8;
/** wholePublicationBucketShare — past this share, the publication too (the views start over). */
const wholePublicationBucketShare = 1 / 2;

/** SaveSnapshot — a record, the publication after it, and the published state it stands for. */
export interface SaveSnapshot {
  record: TableRecord;
  publication: Publication;
  published: PublishedGroup;
}

/** snapshotForSave — the next record and publication of the group's working state. */
export function snapshotForSave(group: GroupState): SaveSnapshot {
  const { tables, records } = group;
  const marked = tables.dirty.take();
  const changed = marked === 'all' ? takeAll(group) : marked;
  const wide = changed.length > wholeRecordBucketShare * tables.bucketCount;
  const rows = marked === 'all' ? new Uint32Array(0) : takeRows(group, changed);
  const seq = group.publishSeq + 1;
  records.seq += 1;
  const serversChanged = tables.serverListGeneration !== records.serverListGeneration;
  records.serverListGeneration = tables.serverListGeneration;
  const whole = records.wholeNext || wide;
  records.wholeNext = false;
  if (changed.length > wholePublicationBucketShare * tables.bucketCount) records.wholePublicationNext = true;
  const { saved } = records;
  const record: TableRecord = {
    groupName: group.name,
    bucketCount: tables.bucketCount,
    copyCount: tables.copyCount,
    versions: { ...group.versions },
    epoch: group.epoch,
    migrateBlockCount: group.migrateBlockCount,
    configHash: group.configHash,
    seq: records.seq,
    servers: whole || serversChanged ? [...tables.servers] : null,
    tableHash: records.tableHash,
    body: whole
      ? { kind: 'tables', current: saved.current.slice(), progress: saved.progress.slice(), destination: saved.destination.slice() }
      : { kind: 'rows', bucketIndexes: changed, rows: marked === 'all' ? recordRows(group, changed) : rows },
  };
  return { record, publication: publicationFor(group, seq, changed), published: snapshotPublished(group, seq) };
}

/** wholePublication — the group's working tables as a publication of whole tables. */
export function wholePublication(group: GroupState, seq: number): Publication {
  const { tables } = group;
  const current = tables.current.slice();
  group.records.publishedWave = isReleaseLimited(group.operator) ? currentWave(group) : null;
  return {
    ...publicationHeader(group, seq),
    rows: { kind: 'full', current, destination: releasedDestination(group, current, tables.destination).slice() },
  };
}

/** publicationFor — the rows of `changed` as a publication, or whole tables when the views must start over. */
function publicationFor(group: GroupState, seq: number, changed: Uint32Array): Publication {
  const { records, tables } = group;
  const wave = isReleaseLimited(group.operator) ? currentWave(group) : null;
  if (records.wholePublicationNext || wave !== records.publishedWave) {
    records.wholePublicationNext = false;
    return wholePublication(group, seq);
  }
  const { bucketCount, copyCount, current, destination } = tables;
  const width = 2 * copyCount;
  const rows = new Uint32Array(changed.length * width);
  for (let position = 0; position < changed.length; position++) {
    const bucketIndex = changed[position];
    const released = wave === null || wave.buckets[bucketIndex] === 1;
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      const slot = copyIndex * bucketCount + bucketIndex;
      rows[position * width + copyIndex] = current[slot];
      rows[position * width + copyCount + copyIndex] = released ? destination[slot] : current[slot];
    }
  }
  return { ...publicationHeader(group, seq), rows: { kind: 'rows', baseSeq: group.publishSeq, bucketIndexes: changed, rows } };
}

function publicationHeader(group: GroupState, seq: number): Omit<Publication, 'rows'> {
  const { tables, versions } = group;
  return {
    groupName: group.name,
    seq,
    bucketCount: tables.bucketCount,
    copyCount: tables.copyCount,
    versions: { server: versions.server, client: versions.client },
    hasTable: group.hasTable,
    serverIds: [...tables.serverIds],
  };
}

/** takeRows — the record rows of `changed`; the saved tables and their hash move to them. */
function takeRows(group: GroupState, changed: Uint32Array): Uint32Array {
  const { tables, records } = group;
  const { bucketCount, copyCount } = tables;
  const slotCount = bucketCount * copyCount;
  const width = 3 * copyCount;
  const rows = new Uint32Array(changed.length * width);
  const working = [tables.current, tables.progress, tables.destination];
  const saved = [records.saved.current, records.saved.progress, records.saved.destination];
  let hash = records.tableHash;
  for (let position = 0; position < changed.length; position++) {
    const bucketIndex = changed[position];
    for (let tableIndex = 0; tableIndex < 3; tableIndex++) {
      const from = working[tableIndex];
      const to = saved[tableIndex];
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
        const slot = copyIndex * bucketCount + bucketIndex;
        const value = from[slot];
        rows[position * width + tableIndex * copyCount + copyIndex] = value;
        if (to[slot] === value) continue;
        hash = rehashSlot(hash, tableIndex * slotCount + slot, to[slot], value);
        to[slot] = value;
      }
    }
  }
  records.tableHash = hash;
  return rows;
}

/** recordRows — the record rows of `changed` as the working tables hold them (the saved tables already do). */
function recordRows(group: GroupState, changed: Uint32Array): Uint32Array {
  const { bucketCount, copyCount } = group.tables;
  const width = 3 * copyCount;
  const rows = new Uint32Array(changed.length * width);
  const saved = [group.records.saved.current, group.records.saved.progress, group.records.saved.destination];
  for (let position = 0; position < changed.length; position++) {
    for (let tableIndex = 0; tableIndex < 3; tableIndex++) {
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
        rows[position * width + tableIndex * copyCount + copyIndex] = saved[tableIndex][copyIndex * bucketCount + changed[position]];
      }
    }
  }
  return rows;
}

/** takeAll — every bucket whose row differs between the working and the saved tables (ascending); the saved tables and their hash move to the working ones. */
function takeAll(group: GroupState): Uint32Array {
  const { tables, records } = group;
  const { saved } = records;
  const sync = syncTables(
    [tables.current, tables.progress, tables.destination],
    [saved.current, saved.progress, saved.destination],
    tables.bucketCount,
    records.tableHash,
  );
  records.tableHash = sync.hash;
  return sync.bucketIndexes;
}
