/**
 * table-reader — the table a head names, read from etcd at the head's revision (one consistent
 * view, whatever is written meanwhile), starting from what this server already holds:
 *
 *   held sequence = head sequence, same checksum ─▶ nothing to read
 *   held sequence ≥ the head's snapshot          ─▶ records held+1 … head
 *   otherwise                                    ─▶ snapshot chunks, then records snapshot+1 … head
 *
 * Every record's own CRC is checked; the records are applied in one batch (one copy of the
 * table), and the result must end with the last record's table checksum, which must be the head's.
 * Records are stored deflated (raw); inflating is capped. Decoding and applying run in the codec
 * worker (quorum-codec.ts); one answer from etcd is at most one snapshot chunk (≤ 1 MiB) or one
 * page of records, so that gRPC's decoding of it stays short too.
 */
import type { Etcd3 } from 'etcd3';
import { quorumRecordBytesMax } from '../limits.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import type { GroupHead } from './group-head.js';
import type { QuorumCodec } from './quorum-codec.js';
import type { QuorumKeys } from './quorum-keys.js';
import type { SnapshotInfo } from './snapshot-chunks.js';

/** recordRawBytesMax — a record's bytes before compression: its changes plus a table header with the largest server list. */
export const recordRawBytesMax = 4 * quorumRecordBytesMax + 2 * 1024 * 1024;
const recordPageSize = 16;
const chunkPageSize = 1;

/** CommittedTable — a group's table as committed in etcd, held by this server. */
export interface CommittedTable {
  groupName: string;
  sequence: number;
  table: PersistedGroupTable;
  tableChecksum: number;
  /** snapshot — the snapshot this version's records build on. */
  snapshot: SnapshotInfo;
  /** headRevision — mod revision of the head this was read at ('0' when loaded from the local copy). */
  headRevision: string;
}

/** readCommittedTable — the table `head` names (see the file comment); a string says why it cannot be trusted. */
export async function readCommittedTable(
  client: Etcd3,
  codec: QuorumCodec,
  keys: QuorumKeys,
  groupName: string,
  head: GroupHead,
  headRevision: string,
  held: CommittedTable | null,
  deadline: () => Date,
): Promise<CommittedTable | string> {
  if (held && held.sequence === head.sequence && held.tableChecksum === head.tableChecksum) {
    return { ...held, snapshot: head.snapshot, headRevision };
  }
  let table: PersistedGroupTable;
  let checksum: number;
  let from: number;
  if (held && held.sequence >= head.snapshot.sequence && held.sequence < head.sequence) {
    table = held.table;
    checksum = held.tableChecksum;
    from = held.sequence;
  } else {
    const chunks = await readChunks(client, keys, groupName, head.snapshot, headRevision, deadline);
    const decoded = await codec.decodeSnapshot(head.snapshot, chunks, groupName);
    if (typeof decoded === 'string') return decoded;
    ({ table, tableChecksum: checksum } = decoded);
    from = head.snapshot.sequence;
  }
  const records: Buffer[] = [];
  for (let start = from + 1; start <= head.sequence; start += recordPageSize) {
    const end = Math.min(head.sequence + 1, start + recordPageSize);
    const page = await client
      .getAll()
      .inRange({ start: keys.record(groupName, start), end: keys.record(groupName, end) })
      .revision(headRevision)
      .options({ deadline: deadline() })
      .exec();
    if (page.kvs.length !== end - start) return `records ${start}..${end - 1} are not all in etcd (found ${page.kvs.length})`;
    for (const kv of page.kvs) records.push(kv.value);
  }
  if (records.length > 0) {
    const applied = await codec.applyRecords(await codec.share(table), records, from + 1, recordRawBytesMax);
    if (typeof applied === 'string') return applied;
    ({ table, tableChecksum: checksum } = applied);
  }
  if (checksum !== head.tableChecksum) return `the table at sequence ${head.sequence} does not match the head's checksum`;
  return { groupName, sequence: head.sequence, table, tableChecksum: checksum, snapshot: head.snapshot, headRevision };
}

async function readChunks(
  client: Etcd3,
  keys: QuorumKeys,
  groupName: string,
  snapshot: SnapshotInfo,
  revision: string,
  deadline: () => Date,
): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for (let start = 0; start < snapshot.chunkCount; start += chunkPageSize) {
    const end = Math.min(snapshot.chunkCount, start + chunkPageSize);
    const page = await client
      .getAll()
      .inRange({ start: keys.snapshotChunk(groupName, snapshot.sequence, start), end: keys.snapshotChunk(groupName, snapshot.sequence, end) })
      .revision(revision)
      .options({ deadline: deadline() })
      .exec();
    for (const kv of page.kvs) chunks.push(kv.value);
  }
  return chunks;
}
