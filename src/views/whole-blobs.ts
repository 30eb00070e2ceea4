/**
 * whole-blobs — the whole tables as original peers take them (docs/protocol.md §5), compressed
 * once per published version and shared by every reply (a reply references the blob, never copies it):
 *
 *   client view        zlib(current)                    get_group (1102)
 *   data-server view   zlib(current ‖ destination)      heartbeat (104), original data servers
 *
 * Small tables (≤ eagerSlotCountMax slots) are compressed as soon as they are published — the
 * first version always, later ones when the previous version's blob of that kind was asked for,
 * or could not have been (its version of that kind did not change, so no peer lacked it) —
 * so an original peer gets the table in the very reply it always did, and a group served only to
 * our agents and clients (views and changes) never pays for blobs nobody reads. Otherwise the
 * first request starts the compression on libuv's thread pool and is answered when it is done
 * (get_group) or without the table (a heartbeat; the peer asks again at its next one).
 */
import { deflate } from 'node:zlib';
import { endianness } from 'node:os';
import { promisify } from 'node:util';
import type { IdSpace } from './id-space.js';
import type { ViewTables } from './view-rows-table.js';

const deflateAsync = promisify(deflate);
const hostIsLittleEndian = endianness() === 'LE';
const emptyBlob = Buffer.alloc(0);
/** eagerSlotCountMax — tables of up to 2^20 slots (≤ 16 MiB raw data-server view) are compressed at once. */
export const eagerSlotCountMax = 1 << 20;
/** fastLevelSlotCountMin — from 2^21 slots deflate runs at level 1: 5× faster for ~1.8× the bytes. */
const fastLevelSlotCountMin = 1 << 21;

/** BlobKind — which whole table. */
export type BlobKind = 'client' | 'dataServer';

/** WholeBlobs — the blobs of one published version (a new version gets a new WholeBlobs). */
export class WholeBlobs {
  private readonly ready = new Map<BlobKind, Buffer>();
  private readonly pending = new Map<BlobKind, Promise<Buffer>>();
  /** asked — the kinds some peer asked for (the next version compresses them at once). */
  readonly asked = new Set<BlobKind>();
  /** eager — the kinds compressed at publication. */
  readonly eager: ReadonlySet<BlobKind>;

  // The tables are read when a compression starts (synchronously, into a copy); a WholeBlobs is
  // only asked while its version is the latest, so that is always the version it stands for.
  constructor(
    private readonly tables: ViewTables,
    private readonly ids: IdSpace,
    readonly seq: number,
    eager: Iterable<BlobKind>,
    /** unchanged — the kinds whose version this one kept: no peer lacks them, so none asks. */
    readonly unchanged: ReadonlySet<BlobKind> = new Set(),
  ) {
    this.eager = new Set(tables.bucketCount * tables.copyCount > eagerSlotCountMax ? [] : eager);
    for (const kind of this.eager) void this.compressed(kind).catch(() => undefined);
  }

  /** eagerNext — the kinds the next version compresses at once: asked for, or eager here and never askable. */
  eagerNext(): BlobKind[] {
    const kinds = new Set(this.asked);
    for (const kind of this.eager) if (this.unchanged.has(kind)) kinds.add(kind);
    return [...kinds];
  }

  /** blob — the blob if compressed already; else null, and the compression starts. */
  blob(kind: BlobKind): Buffer | null {
    this.asked.add(kind);
    const blob = this.ready.get(kind);
    if (blob) return blob;
    void this.compressed(kind).catch(() => undefined);
    return null;
  }

  /** whenReady — the blob, compressed on first use. */
  whenReady(kind: BlobKind): Promise<Buffer> {
    this.asked.add(kind);
    return this.compressed(kind);
  }

  private compressed(kind: BlobKind): Promise<Buffer> {
    const blob = this.ready.get(kind);
    if (blob) return Promise.resolve(blob);
    let pending = this.pending.get(kind);
    if (!pending) {
      pending = compress(idWords(this.tables, this.ids, kind), this.tables.bucketCount * this.tables.copyCount).then((compressed) => {
        this.ready.set(kind, compressed);
        this.pending.delete(kind);
        return compressed;
      });
      this.pending.set(kind, pending);
    }
    return pending;
  }
}

/** idWords — the table(s) as little-endian u64 ids (copy-major; current ‖ destination for a data server), or null when all empty. */
function idWords(tables: ViewTables, ids: IdSpace, kind: BlobKind): Buffer | null {
  const { bucketCount, copyCount, rows } = tables;
  const width = 2 * copyCount;
  const columns = kind === 'client' ? copyCount : width;
  const words = new Uint32Array(2 * bucketCount * columns);
  const { lo, hi } = ids;
  let any = 0;
  let out = 0;
  for (let column = 0; column < columns; column++) {
    for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
      const index = rows[bucketIndex * width + column];
      any |= index;
      // u64 little-endian: low half first; a big-endian host writes them swapped, then swaps 8 bytes.
      words[out++] = hostIsLittleEndian ? lo[index] : hi[index];
      words[out++] = hostIsLittleEndian ? hi[index] : lo[index];
    }
  }
  if (any === 0) return null;
  const bytes = Buffer.from(words.buffer);
  return hostIsLittleEndian ? bytes : bytes.swap64();
}

async function compress(raw: Buffer | null, slotCount: number): Promise<Buffer> {
  if (!raw) return emptyBlob;
  return deflateAsync(raw, slotCount >= fastLevelSlotCountMin ? { level: 1 } : {});
}
