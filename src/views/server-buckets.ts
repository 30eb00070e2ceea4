/**
 * server-buckets — for each server, the buckets of its view (its index in the current or the
 * destination row), so a whole view or a pull of migrated info costs O(its buckets), not O(B):
 *
 *   built once, O(B·C), in steps of a bounded number of buckets (bucketsIndexer, so a big table
 *   never holds the event loop): offsets[k] .. offsets[k+1] in `buckets`: server k's buckets, ascending
 *   each published change: a bucket entering or leaving a view goes into that server's overlay
 *                          (added / removed); past max(65,536, an eighth of the index) overlay
 *                          entries the index is stale and built again
 *
 *   bucketsOf(k) = (built list − removed) ∪ added, ascending
 */
import type { ViewTables } from './view-rows-table.js';
import { distinctServers } from './view-rows-table.js';

interface Overlay {
  added: Set<number>;
  removed: Set<number>;
}

/** overlayEntriesFloor — the overlay may always hold this many entries before a rebuild. */
const overlayEntriesFloor = 65_536;

/** ServerBuckets — see the file comment. */
export class ServerBuckets {
  private offsets: Uint32Array = new Uint32Array(1);
  private buckets: Uint32Array = new Uint32Array(0);
  private readonly overlays = new Map<number, Overlay>();
  private overlayEntries = 0;
  private built = false;

  /** stale — the index must be rebuilt before its next use (after a whole new table, or a big overlay). */
  get stale(): boolean {
    return !this.built;
  }

  /** invalidate — the tables were replaced: rebuild at the next use. */
  invalidate(): void {
    this.built = false;
    this.overlays.clear();
    this.overlayEntries = 0;
  }

  /** install — take a finished index (bucketsIndexer). */
  install(offsets: Uint32Array, buckets: Uint32Array): void {
    this.offsets = offsets;
    this.buckets = buckets;
    this.overlays.clear();
    this.overlayEntries = 0;
    this.built = true;
  }

  /** enter / leave — server `index` gained or lost bucket `bucketIndex` in its view. */
  enter(index: number, bucketIndex: number): void {
    if (!this.built) return;
    const overlay = this.overlayOf(index);
    if (overlay.removed.delete(bucketIndex)) this.overlayEntries -= 1;
    else this.add(overlay.added, bucketIndex);
  }

  /** leave — see enter. */
  leave(index: number, bucketIndex: number): void {
    if (!this.built) return;
    const overlay = this.overlayOf(index);
    if (overlay.added.delete(bucketIndex)) this.overlayEntries -= 1;
    else this.add(overlay.removed, bucketIndex);
  }

  /** countOf — how many buckets server `index`'s view has (the index must be built). */
  countOf(index: number): number {
    const built = index + 1 < this.offsets.length ? this.offsets[index + 1] - this.offsets[index] : 0;
    const overlay = this.overlays.get(index);
    return overlay ? built - overlay.removed.size + overlay.added.size : built;
  }

  /** bucketsOf — server `index`'s buckets, ascending (the index must be built). */
  bucketsOf(index: number): Uint32Array {
    const start = index + 1 < this.offsets.length ? this.offsets[index] : 0;
    const end = index + 1 < this.offsets.length ? this.offsets[index + 1] : 0;
    const base = this.buckets.subarray(start, end);
    const overlay = this.overlays.get(index);
    if (!overlay || (overlay.added.size === 0 && overlay.removed.size === 0)) return base;
    const added = Uint32Array.from(overlay.added).sort();
    const merged = new Uint32Array(base.length - overlay.removed.size + added.length);
    let count = 0;
    let a = 0;
    for (const bucketIndex of base) {
      while (a < added.length && added[a] < bucketIndex) merged[count++] = added[a++];
      if (!overlay.removed.has(bucketIndex)) merged[count++] = bucketIndex;
    }
    while (a < added.length) merged[count++] = added[a++];
    return merged.subarray(0, count);
  }

  private overlayOf(index: number): Overlay {
    let overlay = this.overlays.get(index);
    if (!overlay) {
      overlay = { added: new Set(), removed: new Set() };
      this.overlays.set(index, overlay);
    }
    return overlay;
  }

  private add(set: Set<number>, bucketIndex: number): void {
    set.add(bucketIndex);
    this.overlayEntries += 1;
    // Bounded: an overlay larger than an eighth of the index is cheaper to fold in by a rebuild.
    if (this.overlayEntries > Math.max(overlayEntriesFloor, this.buckets.length / 8)) this.invalidate();
  }
}

/**
 * bucketsIndexer — builds a ServerBuckets index of `tables` (servers are indexes below
 * `indexCount`) in steps: a counting pass, then a filling pass, `step(budget)` doing at most
 * `budget` buckets of one; true once installed.
 */
export function bucketsIndexer(tables: ViewTables, indexCount: number, into: ServerBuckets): { step(budget: number): boolean } {
  const { bucketCount, copyCount, rows } = tables;
  const width = 2 * copyCount;
  const distinct = new Uint32Array(width);
  const counts = new Uint32Array(indexCount + 1);
  let offsets: Uint32Array | null = null;
  let next: Uint32Array | null = null;
  let buckets: Uint32Array | null = null;
  let position = 0;
  return {
    step(budget: number): boolean {
      const end = Math.min(bucketCount, position + budget);
      if (!offsets) {
        for (let bucketIndex = position; bucketIndex < end; bucketIndex++) {
          const found = distinctServers(rows, bucketIndex * width, width, distinct);
          for (let i = 0; i < found; i++) counts[distinct[i]] += 1;
        }
        position = end;
        if (position < bucketCount) return false;
        offsets = new Uint32Array(indexCount + 1);
        for (let index = 1; index <= indexCount; index++) offsets[index] = offsets[index - 1] + counts[index - 1];
        buckets = new Uint32Array(offsets[indexCount]);
        next = offsets.slice();
        position = 0;
        return false;
      }
      for (let bucketIndex = position; bucketIndex < end; bucketIndex++) {
        const found = distinctServers(rows, bucketIndex * width, width, distinct);
        for (let i = 0; i < found; i++) (buckets as Uint32Array)[(next as Uint32Array)[distinct[i]]++] = bucketIndex;
      }
      position = end;
      if (position < bucketCount) return false;
      into.install(offsets, buckets as Uint32Array);
      return true;
    },
  };
}
