/**
 * fenced-publisher — the leader's writes to etcd, each an etcd transaction that applies only
 * while this server holds the office (the fence), so a deposed leader can never publish:
 *
 *   fence  = P/election/<our lease> still has the create revision we were elected with
 *            and P/epoch still holds our epoch
 *   record = fence and head unchanged since we read it ─▶ put records/<n>, put head          (one txn)
 *   snapshot (first version, every `snapshotEvery` versions, a large change, another shape):
 *            fence ─▶ delete snapshots/<n>/ (leftovers of an attempt that never committed)
 *            fence ─▶ put snapshots/<n>/<chunk>, one txn per chunk (each under etcd's request limit)
 *            fence and head unchanged ─▶ put head, delete records ≤ n, delete snapshots < n   (commit)
 *
 * Readers trust only what a head names, so chunks written before the commit are invisible until
 * it. A transaction refused while the fence fails deposes this server (leader-election.ts); one
 * refused because the head moved (our view was stale) re-reads the head and tries once more — and
 * if the head already holds this very table (a try whose answer was lost did land), that is the
 * outcome. A timeout leaves the outcome unknown: the next publication re-reads the head first.
 * Publications run one at a time, in call order. The table is shared with the codec worker
 * first; its checksum, the record's diff and the snapshot are computed there (quorum-codec.ts).
 */
import type { Etcd3 } from 'etcd3';
import { etcdValueBytesMax, quorumRecordBytesMax, quorumSnapshotEveryMax } from '../limits.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import type { GroupHead } from './group-head.js';
import { encodeHead } from './group-head.js';
import type { Leadership } from './leader-election.js';
import type { QuorumCodec } from './quorum-codec.js';
import type { QuorumKeys } from './quorum-keys.js';
import type { SnapshotInfo } from './snapshot-chunks.js';
import { cutChunks } from './snapshot-chunks.js';
import type { CommittedTable } from './table-reader.js';
import { recordRawBytesMax } from './table-reader.js';

/**
 * PublishOutcome — committed in etcd, or why not. 'unavailable' means the outcome is unknown:
 * etcd may still apply a write it had received (fenced as it was then), and followers — this
 * server included — then take that version like any other.
 */
export type PublishOutcome =
  | { ok: true; sequence: number; kind: 'record' | 'snapshot' | 'group.conf' | 'already-committed' }
  | { ok: false; reason: 'not-leader' | 'stale-epoch' | 'deposed' | 'unavailable'; message: string };

/** PublisherOptions — when to snapshot and how big one request may be. */
export interface PublisherOptions {
  /** snapshotEvery — a snapshot at least every this many versions. */
  snapshotEvery: number;
  /** chunkBytesMax — one snapshot chunk (etcdValueBytesMax by default). */
  chunkBytesMax: number;
  /** recordBytesMax — a compressed record larger than this is a snapshot instead. */
  recordBytesMax: number;
  /** requestTimeoutMs — each etcd request's deadline. */
  requestTimeoutMs: number;
}

/** defaultPublisherOptions — a snapshot every 64 versions; records up to quorumRecordBytesMax. */
export const defaultPublisherOptions: Omit<PublisherOptions, 'requestTimeoutMs'> = {
  snapshotEvery: 64,
  chunkBytesMax: etcdValueBytesMax,
  recordBytesMax: quorumRecordBytesMax,
};

/** PublisherDeps — the office, the committed tables, and how to bring one up to date. */
export interface PublisherDeps {
  client: Etcd3;
  keys: QuorumKeys;
  codec: QuorumCodec;
  leadership(): Leadership | null;
  depose(reason: string): void;
  committed(groupName: string): CommittedTable | null;
  /** catchUp — read the group's head now and hold its table; null when the group has no head yet. */
  catchUp(groupName: string): Promise<CommittedTable | null>;
  /** committedHere — a version this server just committed (held, copied to disk, announced). */
  committedHere(committed: CommittedTable): void;
}

type Attempt = { done: PublishOutcome } | { retry: true };

/** FencedPublisher — see the file comment. */
export class FencedPublisher {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: PublisherDeps,
    private readonly options: PublisherOptions,
  ) {
    const { snapshotEvery, chunkBytesMax, recordBytesMax } = options;
    if (!(Number.isInteger(snapshotEvery) && snapshotEvery >= 1 && snapshotEvery <= quorumSnapshotEveryMax)) {
      throw new RangeError(`snapshotEvery must be 1..${quorumSnapshotEveryMax} (readers refuse heads further from their snapshot), got ${snapshotEvery}`);
    }
    if (!(chunkBytesMax >= 1 && chunkBytesMax <= etcdValueBytesMax))
      throw new RangeError(`chunkBytesMax must be 1..${etcdValueBytesMax}, got ${chunkBytesMax}`);
    if (!(recordBytesMax >= 1 && recordBytesMax <= etcdValueBytesMax))
      throw new RangeError(`recordBytesMax must be 1..${etcdValueBytesMax}, got ${recordBytesMax}`);
  }

  /** publish — commit `table` (stamped with our epoch) as the group's next version. */
  publish(table: PersistedGroupTable): Promise<PublishOutcome> {
    return this.serially(() => this.publishTable(table));
  }

  /** publishGroupConf — commit group.conf's text, fenced like a table. */
  publishGroupConf(text: string): Promise<PublishOutcome> {
    return this.serially(async () => {
      const lead = this.deps.leadership();
      if (!lead) return notLeader();
      const result = await this.fence(lead).then(this.deps.client.put(this.deps.keys.groupConf).value(text)).options(this.deadline()).commit();
      if (!result.succeeded) return this.refused(lead, 'group.conf');
      return { ok: true, sequence: 0, kind: 'group.conf' };
    });
  }

  private serially(work: () => Promise<PublishOutcome>): Promise<PublishOutcome> {
    const run = this.chain.then(work).catch(
      (error: unknown): PublishOutcome => ({
        ok: false,
        reason: 'unavailable',
        message: `etcd did not answer: ${error instanceof Error ? error.message : String(error)}`,
      }),
    );
    this.chain = run;
    return run;
  }

  private async publishTable(table: PersistedGroupTable): Promise<PublishOutcome> {
    const lead = this.deps.leadership();
    if (!lead) return notLeader();
    if (table.epoch !== lead.epoch) {
      return { ok: false, reason: 'stale-epoch', message: `the table was stamped with epoch ${table.epoch}; this leader's epoch is ${lead.epoch}` };
    }
    const shared = await this.deps.codec.share(table);
    const checksum = await this.deps.codec.checksum(shared);
    for (let attempt = 0; attempt < 2; attempt++) {
      let base = this.deps.committed(table.groupName);
      if (!base || base.headRevision === '0' || attempt > 0) base = await this.deps.catchUp(table.groupName);
      // The same table is the newest version already: our earlier try landed though its answer was lost.
      if (base && base.tableChecksum === checksum && base.table.epoch === table.epoch) {
        return { ok: true, sequence: base.sequence, kind: 'already-committed' };
      }
      const outcome = await this.attempt(lead, shared, checksum, base).catch((error: unknown) => {
        // The outcome is unknown: the next publication reads the head before writing.
        const held = this.deps.committed(table.groupName);
        if (held) held.headRevision = '0';
        throw error;
      });
      if ('done' in outcome) return outcome.done;
    }
    return { ok: false, reason: 'unavailable', message: `the head of group ${table.groupName} kept moving; not published` };
  }

  private async attempt(lead: Leadership, table: PersistedGroupTable, checksum: number, base: CommittedTable | null): Promise<Attempt> {
    const sequence = (base?.sequence ?? 0) + 1;
    const encoded = await this.deps.codec.encode({
      base: base ? await this.deps.codec.share(base.table) : null,
      next: table,
      checksum,
      sequence,
      recordAllowed: base !== null && sequence - base.snapshot.sequence < this.options.snapshotEvery,
      recordRawBytesMax: Math.min(recordRawBytesMax, 4 * this.options.recordBytesMax),
      recordBytesMax: this.options.recordBytesMax,
      chunkBytesMax: this.options.chunkBytesMax,
    });
    if (encoded.kind === 'record') return this.commitRecord(lead, table, checksum, base as CommittedTable, encoded.bytes);
    return this.commitSnapshot(lead, table, checksum, base, { info: encoded.info, chunks: cutChunks(encoded.bytes, this.options.chunkBytesMax) });
  }

  private async commitRecord(lead: Leadership, table: PersistedGroupTable, checksum: number, base: CommittedTable, compressed: Uint8Array): Promise<Attempt> {
    const { client, keys } = this.deps;
    const sequence = base.sequence + 1;
    const head: GroupHead = {
      sequence,
      epoch: table.epoch,
      tableChecksum: checksum,
      versions: { client: table.versions.client, server: table.versions.server },
      snapshot: base.snapshot,
    };
    const result = await this.fence(lead)
      .and(keys.head(table.groupName), 'Mod', '==', base.headRevision)
      .then(client.put(keys.record(table.groupName, sequence)).value(asBuffer(compressed)), client.put(keys.head(table.groupName)).value(encodeHead(head)))
      .options(this.deadline())
      .commit();
    if (!result.succeeded) return this.refusedOrMoved(lead, table.groupName);
    this.deps.committedHere({
      groupName: table.groupName,
      sequence,
      table,
      tableChecksum: checksum,
      snapshot: base.snapshot,
      headRevision: result.header.revision,
    });
    return { done: { ok: true, sequence, kind: 'record' } };
  }

  private async commitSnapshot(
    lead: Leadership,
    table: PersistedGroupTable,
    checksum: number,
    base: CommittedTable | null,
    snapshot: { info: SnapshotInfo; chunks: Uint8Array[] },
  ): Promise<Attempt> {
    const { client, keys } = this.deps;
    const group = table.groupName;
    const sequence = snapshot.info.sequence;
    const clear = await this.fence(lead)
      .then(client.delete().prefix(keys.snapshotPrefix(group, sequence)))
      .options(this.deadline())
      .commit();
    if (!clear.succeeded) return { done: this.refused(lead, `group ${group}`) };
    for (let index = 0; index < snapshot.chunks.length; index++) {
      const put = await this.fence(lead)
        .then(client.put(keys.snapshotChunk(group, sequence, index)).value(asBuffer(snapshot.chunks[index])))
        .options(this.deadline())
        .commit();
      if (!put.succeeded) return { done: this.refused(lead, `group ${group}`) };
    }
    const head: GroupHead = {
      sequence,
      epoch: table.epoch,
      tableChecksum: checksum,
      versions: { client: table.versions.client, server: table.versions.server },
      snapshot: snapshot.info,
    };
    const result = await this.fence(lead)
      .and(keys.head(group), 'Mod', '==', base?.headRevision ?? '0')
      .then(
        client.put(keys.head(group)).value(encodeHead(head)),
        client.delete().inRange({ start: keys.recordsPrefix(group), end: keys.record(group, sequence + 1) }),
        client.delete().inRange({ start: keys.snapshotsPrefix(group), end: keys.snapshotsBefore(group, sequence) }),
      )
      .options(this.deadline())
      .commit();
    if (!result.succeeded) return this.refusedOrMoved(lead, group);
    this.deps.committedHere({
      groupName: group,
      sequence,
      table,
      tableChecksum: checksum,
      snapshot: snapshot.info,
      headRevision: result.header.revision,
    });
    return { done: { ok: true, sequence, kind: 'snapshot' } };
  }

  /** refusedOrMoved — after a refused commit: deposed (the fence failed) or the head moved (retry). */
  private async refusedOrMoved(lead: Leadership, groupName: string): Promise<Attempt> {
    if (await this.fenceHolds(lead)) return { retry: true };
    return { done: this.refused(lead, `group ${groupName}`) };
  }

  private refused(lead: Leadership, what: string): PublishOutcome {
    const reason = `etcd refused our write of ${what}: this server no longer holds the office of epoch ${lead.epoch}`;
    this.deps.depose(reason);
    return { ok: false, reason: 'deposed', message: reason };
  }

  private async fenceHolds(lead: Leadership): Promise<boolean> {
    const check = await this.fence(lead).options(this.deadline()).commit();
    return check.succeeded;
  }

  private fence(lead: Leadership) {
    return this.deps.client.if(lead.candidateKey, 'Create', '==', lead.createRevision).and(this.deps.keys.epoch, 'Value', '==', lead.epoch.toString());
  }

  private deadline(): { deadline: Date } {
    return { deadline: new Date(Date.now() + this.options.requestTimeoutMs) };
  }
}

/** asBuffer — a Buffer over the same bytes (etcd3 copies anything that is not a Buffer). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function notLeader(): PublishOutcome {
  return { ok: false, reason: 'not-leader', message: 'this server is not the leader' };
}
