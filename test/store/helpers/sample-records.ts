/**
 * sample-records — records between two tables, made independently of the cluster (a plain diff),
 * for store tests.
 */
import type { PersistedGroupTable, TableRecord } from '../../../src/cluster/persisted-group-table.js';
import { tableHashOf } from '../../../src/cluster/table-hash.js';

/** recordBetween — the rows record that takes `previous` to `next` as record `next.recordSeq`. */
export function recordBetween(previous: PersistedGroupTable, next: PersistedGroupTable): TableRecord {
  const { bucketCount, copyCount } = next;
  const changed: number[] = [];
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    let differs = false;
    for (const name of ['current', 'progress', 'destination'] as const) {
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
        const slot = copyIndex * bucketCount + bucketIndex;
        if (previous[name][slot] !== next[name][slot]) differs = true;
      }
    }
    if (differs) changed.push(bucketIndex);
  }
  const rows = changed.flatMap((bucketIndex) =>
    (['current', 'progress', 'destination'] as const).flatMap((name) =>
      Array.from({ length: copyCount }, (_, copyIndex) => next[name][copyIndex * bucketCount + bucketIndex]),
    ),
  );
  const { groupName, versions, epoch, migrateBlockCount, configHash, servers } = next;
  return {
    groupName,
    bucketCount,
    copyCount,
    versions: { ...versions },
    epoch,
    migrateBlockCount,
    configHash,
    seq: next.recordSeq,
    servers: servers.join() === previous.servers.join() ? null : [...servers],
    tableHash: tableHashOf(next.current, next.progress, next.destination),
    body: { kind: 'rows', bucketIndexes: Uint32Array.from(changed), rows: Uint32Array.from(rows) },
  };
}

/** copyAsRecord — a copy of `table` as record `seq`, client version up, for the caller to change. */
function copyAsRecord(table: PersistedGroupTable, seq: number): PersistedGroupTable {
  return {
    ...table,
    versions: { ...table.versions, client: table.versions.client + 1 },
    recordSeq: seq,
    current: table.current.slice(),
    progress: table.progress.slice(),
    destination: table.destination.slice(),
  };
}

/** evolve — `table` as record `seq`: a few slots moved to other servers, versions up. */
export function evolve(table: PersistedGroupTable, seq: number): PersistedGroupTable {
  const next = copyAsRecord(table, seq);
  const serverCount = table.servers.length;
  for (let i = 0; i < 3; i++) {
    const slot = (seq * 7 + i * 13) % next.current.length;
    next.current[slot] = ((next.current[slot] + seq) % serverCount) + 1;
    next.destination[(slot * 3) % next.destination.length] = (seq % serverCount) + 1;
  }
  return next;
}

/** evolveMany — `table` as record `seq` with `count` rows moved (a save after a rebuild or a busy second). */
export function evolveMany(table: PersistedGroupTable, seq: number, count: number): PersistedGroupTable {
  const next = copyAsRecord(table, seq);
  const serverCount = table.servers.length;
  for (let i = 0; i < count; i++) {
    const slot = (seq * 7919 + i * 104_729) % next.current.length;
    next.current[slot] = ((seq + i) % serverCount) + 1;
    next.progress[slot] = next.current[slot];
  }
  return next;
}

/** chainOf — the table at record `seq` of the history that starts at `start` (evolveMany, `count` rows each). */
export function chainOf(start: PersistedGroupTable, seq: number, count: number): PersistedGroupTable {
  let table = start;
  for (let next = start.recordSeq + 1; next <= seq; next++) table = evolveMany(table, next, count);
  return table;
}
