/**
 * group-view — everything one group serves from its published tables, updated in place per
 * publication in O(changed rows):
 *
 *   publication ──▶ tables (id-space indexes) ──▶ server buckets (per-server index, lazy)
 *                                             ──▶ checksums (per view and of the client table, lazy)
 *                                             ──▶ history (deltas for change sets)
 *                                             ──▶ whole blobs (compressed once per version, shared)
 *
 * A data server that asks for views (extension version 2) gets nothing when it holds the latest
 * version, the changes since its version when they are known and smaller than its view, else its
 * whole view. A client that asks for changes gets them likewise, else the whole table (blob).
 * A publication of whole tables (a load, a copied table) starts the history over.
 *
 * The index and the checksums of whole tables are built in steps of prepareBucketsPerStep buckets
 * (the host runs about 2 ms of them per turn of the event loop: no long stall at a million buckets); until they
 * are, views and changes are not served (peers ask again at their next request) and publications
 * of changed rows wait in a queue. Small tables are prepared at once.
 */
import type { Publication } from '../cluster/index.js';
import type { ViewContent } from '../protocol/index.js';
import { IdSpace } from './id-space.js';
import { tableChanges, viewChanges, wholeView } from './change-sets.js';
import { bucketsIndexer, ServerBuckets } from './server-buckets.js';
import { ViewChecksums } from './view-checksums.js';
import type { VersionPair } from './view-history.js';
import { ViewHistory } from './view-history.js';
import type { ViewTables } from './view-rows-table.js';
import { emptyViewTables, readRow, writeRow } from './view-rows-table.js';
import { type BlobKind, WholeBlobs } from './whole-blobs.js';

/** clientChangeCacheMax — change sets kept per version for clients at different base versions. */
const clientChangeCacheMax = 8;
/** prepareBucketsPerStep — buckets indexed or checksummed per preparation step: about a millisecond of work. */
export const prepareBucketsPerStep = 8192;
/** queuedPublicationsMax — publications that may wait for a preparation; past it the host republishes whole tables. */
const queuedPublicationsMax = 64;

/** Preparation — resumable work over the tables; true once done. */
interface PreparationStep {
  step(budget: number): boolean;
}

/** GroupView — see the file comment. */
export class GroupView {
  readonly groupName: string;
  private ids = new IdSpace();
  private tables: ViewTables;
  private readonly index = new ServerBuckets();
  private checksums: ViewChecksums;
  private readonly history = new ViewHistory();
  private blobsOfVersion: WholeBlobs;
  private readonly clientChanges = new Map<number, ViewContent | null>();
  private hasTableFlag = false;
  private seqPublished = 0;
  private steps: PreparationStep[] = [];
  private queued: Publication[] = [];

  constructor(publication: Publication) {
    this.groupName = publication.groupName;
    this.tables = emptyViewTables(publication.bucketCount, publication.copyCount);
    this.checksums = new ViewChecksums(this.ids);
    this.blobsOfVersion = new WholeBlobs(this.tables, this.ids, 0, []);
    this.publish(publication, ['client', 'dataServer']);
  }

  /** seq — the publication served. */
  get seq(): number {
    return this.seqPublished;
  }

  /** versions — the (server, client) versions of the state served. */
  get versions(): VersionPair {
    return this.history.latest;
  }

  /** bucketCount / copyCount — the table's shape. */
  get bucketCount(): number {
    return this.tables.bucketCount;
  }

  /** copyCount — see bucketCount. */
  get copyCount(): number {
    return this.tables.copyCount;
  }

  /** hasTable — whether a table has been built (an unbuilt group serves no table content). */
  get hasTable(): boolean {
    return this.hasTableFlag;
  }

  /** ready — the index and checksums are built: views and changes can be served. */
  get ready(): boolean {
    return this.steps.length === 0;
  }

  /** prepare — one step of the preparation (at most `budget` buckets); true once ready and the queue applied. */
  prepare(budget = prepareBucketsPerStep): boolean {
    const step = this.steps[0];
    if (step?.step(budget)) this.steps.shift();
    if (this.steps.length > 0) return false;
    // Versions that were never served need no blobs: only the last compresses, as the one before the queue asks.
    const queued = this.queued.splice(0);
    const eager = this.blobsOfVersion.eagerNext();
    for (const [i, publication] of queued.entries()) this.publish(publication, i === queued.length - 1 ? eager : []);
    return this.ready;
  }

  /** blobs — the whole tables of this version, for original peers and first fetches. */
  get blobs(): WholeBlobs {
    return this.blobsOfVersion;
  }

  /**
   * publish — apply a publication: its changed rows in place, or whole tables (history starts
   * over). Whole blobs of the kinds in `eager` (default: see WholeBlobs.eagerNext) are compressed at once.
   */
  publish(publication: Publication, eager: Iterable<BlobKind> = this.blobsOfVersion.eagerNext()): boolean {
    const { rows } = publication;
    const before = { ...this.versions };
    const sameShape = publication.bucketCount === this.tables.bucketCount && publication.copyCount === this.tables.copyCount;
    if (rows.kind === 'rows' && sameShape && this.ids.full) this.compactIds();
    if (rows.kind === 'rows' && sameShape && !this.ready) {
      if (this.queued.length >= queuedPublicationsMax) return false;
      this.queued.push(publication);
      this.seqPublished = publication.seq;
      return true;
    }
    if (rows.kind === 'rows' && sameShape) {
      this.applyRows(publication, rows.bucketIndexes, rows.rows);
      if (this.index.stale) this.startPreparation(false);
    } else {
      this.replace(publication);
    }
    const unchanged = new Set<BlobKind>();
    if (publication.versions.server === before.server) unchanged.add('dataServer');
    if (publication.versions.client === before.client) unchanged.add('client');
    this.hasTableFlag = publication.hasTable;
    this.seqPublished = publication.seq;
    this.blobsOfVersion = new WholeBlobs(this.tables, this.ids, publication.seq, [...eager], unchanged);
    this.clientChanges.clear();
    return true;
  }

  /**
   * dataServerContent — what server `serverId`, holding the view of (`heldServer`, `heldClient`),
   * needs: null when it holds the latest (and did not ask for it whole), else changes or its view.
   */
  dataServerContent(serverId: bigint, heldServer: number, heldClient: number, fresh: boolean): ViewContent | null {
    if (!this.hasTableFlag || !this.ready) return null;
    const latest = this.history.latest;
    if (!fresh && heldServer === latest.server && heldClient === latest.client) return null;
    const index = this.ids.lookup(serverId);
    const checksum = index > 0 ? this.checksums.viewOf(index) : 0;
    if (!fresh && index > 0) {
      const start = this.history.viewBase(heldServer, heldClient);
      if (start >= 0) {
        const rows = viewChanges(this.history.entries, start, index, this.tables, this.ids, this.index.countOf(index));
        if (rows) return { kind: 'viewChanges', baseServerVersion: heldServer, baseClientVersion: heldClient, checksum, rows };
      }
    }
    const buckets = index > 0 ? this.index.bucketsOf(index) : new Uint32Array(0);
    return { kind: 'view', baseServerVersion: 0, baseClientVersion: 0, checksum, rows: wholeView(buckets, this.tables, this.ids) };
  }

  /** tableChanges — a client at client version `heldClient` gets these changes, or null (send the whole table). */
  tableChanges(heldClient: number): ViewContent | null {
    if (!this.hasTableFlag || !this.ready) return null;
    const cached = this.clientChanges.get(heldClient);
    if (cached !== undefined) return cached;
    const start = this.history.tableBase(heldClient);
    let content: ViewContent | null = null;
    if (start >= 0) {
      const entryCountMax = Math.max(64, this.tables.bucketCount >>> 2);
      const rows = tableChanges(this.history.entries, start, this.tables, this.ids, entryCountMax);
      if (rows) content = { kind: 'tableChanges', baseServerVersion: 0, baseClientVersion: heldClient, checksum: this.checksums.table, rows };
    }
    if (this.clientChanges.size >= clientChangeCacheMax) this.clientChanges.clear();
    this.clientChanges.set(heldClient, content);
    return content;
  }

  /** tableChecksum — the checksum of the whole client table (sent beside a whole blob), or null while preparing. */
  tableChecksum(): number | null {
    return this.ready ? this.checksums.table : null;
  }

  /**
   * migratedInfo — for each bucket `serverId` masters: the bucket, then its C copies: O(its view)
   * from the index (O(B) while the index is being built, a rare pull meanwhile).
   */
  migratedInfo(serverId: bigint): bigint[] {
    const index = this.ids.lookup(serverId);
    if (index <= 0 || !this.hasTableFlag) return [];
    const { bucketCount, copyCount, rows } = this.tables;
    const width = 2 * copyCount;
    const info: bigint[] = [];
    const add = (bucketIndex: number): void => {
      if (rows[bucketIndex * width] !== index) return;
      info.push(BigInt(bucketIndex));
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) info.push(this.ids.idAt(rows[bucketIndex * width + copyIndex]));
    };
    if (this.ready) for (const bucketIndex of this.index.bucketsOf(index)) add(bucketIndex);
    else for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) add(bucketIndex);
    return info;
  }

  private applyRows(publication: Publication, bucketIndexes: Uint32Array, rows: Uint32Array): void {
    const width = 2 * this.tables.copyCount;
    const map = this.ids.mapValues(publication.serverIds);
    const before = new Uint32Array(bucketIndexes.length * width);
    const after = new Uint32Array(bucketIndexes.length * width);
    for (let i = 0; i < after.length; i++) after[i] = map[rows[i]];
    for (let position = 0; position < bucketIndexes.length; position++) {
      const bucketIndex = bucketIndexes[position];
      const offset = position * width;
      readRow(this.tables, bucketIndex, before, offset);
      writeRow(this.tables, bucketIndex, after, offset);
      this.checksums.update(bucketIndex, before, offset, after, offset, width);
      this.updateIndex(bucketIndex, before, after, offset, width);
    }
    const from = this.history.latest;
    this.history.push({ from, to: { ...publication.versions }, bucketIndexes, before, after });
  }

  private updateIndex(bucketIndex: number, before: Uint32Array, after: Uint32Array, offset: number, width: number): void {
    if (this.index.stale) return;
    for (let i = offset; i < offset + width; i++) {
      const server = before[i];
      if (server !== 0 && !includes(after, offset, width, server) && firstAt(before, offset, i, server)) this.index.leave(server, bucketIndex);
    }
    for (let i = offset; i < offset + width; i++) {
      const server = after[i];
      if (server !== 0 && !includes(before, offset, width, server) && firstAt(after, offset, i, server)) this.index.enter(server, bucketIndex);
    }
  }

  private replace(publication: Publication): void {
    this.ids = new IdSpace();
    const { bucketCount, copyCount, rows } = publication;
    const tables = emptyViewTables(bucketCount, copyCount);
    if (rows.kind === 'full') {
      const map = this.ids.mapValues(publication.serverIds);
      const width = 2 * copyCount;
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
        for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
          const slot = copyIndex * bucketCount + bucketIndex;
          tables.rows[bucketIndex * width + copyIndex] = map[rows.current[slot]];
          tables.rows[bucketIndex * width + copyCount + copyIndex] = map[rows.destination[slot]];
        }
      }
    }
    this.tables = tables;
    this.history.reset(publication.versions);
    this.queued = [];
    this.startPreparation(true);
  }

  /** startPreparation — build the index (and with `checksums` the checksums) anew, at once for small tables. */
  private startPreparation(checksums: boolean): void {
    this.index.invalidate();
    const steps: PreparationStep[] = [bucketsIndexer(this.tables, this.ids.count, this.index)];
    if (checksums) {
      this.checksums = new ViewChecksums(this.ids);
      steps.unshift(this.checksums.builder(this.tables));
    }
    this.steps = steps;
    if (this.tables.bucketCount <= prepareBucketsPerStep) while (!this.prepare(Number.POSITIVE_INFINITY));
  }

  /** compactIds — a fresh id space holding only the servers the tables name (ids are never reused otherwise). */
  private compactIds(): void {
    const old = this.ids;
    const ids = new IdSpace();
    const remap = new Uint32Array(old.count);
    for (let index = 1; index < old.count; index++) remap[index] = 0xffff_ffff;
    const { rows } = this.tables;
    for (let slot = 0; slot < rows.length; slot++) {
      const index = rows[slot];
      if (remap[index] === 0xffff_ffff) remap[index] = ids.indexOf(old.idAt(index));
      rows[slot] = remap[index];
    }
    this.ids = ids;
    this.history.reset(this.history.latest);
    this.startPreparation(true);
  }
}

function includes(row: Uint32Array, offset: number, width: number, server: number): boolean {
  for (let i = offset; i < offset + width; i++) if (row[i] === server) return true;
  return false;
}

/** firstAt — whether position `at` holds the first occurrence of `server` in the row (count each server once). */
function firstAt(row: Uint32Array, offset: number, at: number, server: number): boolean {
  for (let i = offset; i < at; i++) if (row[i] === server) return false;
  return true;
}
