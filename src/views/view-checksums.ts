/**
 * view-checksums — the checksums (src/protocol/view-checksum.ts) of every server's view and of the
 * client table, computed once in O(B·C) and then kept up to date per changed row:
 *
 *   row b changes from R to R':   for each server s in R:   view[s] −= hash(b, R)
 *                                 for each server s in R':  view[s] += hash(b, R')
 *                                 table += hash(b, current part of R') − hash(b, current part of R)
 */
import { addHash, rowHashEnd, rowHashSlot, rowHashStart, subtractHash } from '../protocol/view-checksum.js';
import type { IdSpace } from './id-space.js';
import type { ViewTables } from './view-rows-table.js';
import { distinctServers } from './view-rows-table.js';

/** ViewChecksums — see the file comment. */
export class ViewChecksums {
  private views = new Uint32Array(16);
  private tableSum = 0;
  private built = false;
  private distinct = new Uint32Array(16);

  constructor(private readonly ids: IdSpace) {}

  /** stale — must be rebuilt before the next use. */
  get stale(): boolean {
    return !this.built;
  }

  /** invalidate — the tables were replaced. */
  invalidate(): void {
    this.built = false;
  }

  /**
   * builder — every checksum from scratch, O(B·C), in steps: `step(budget)` adds at most `budget`
   * buckets; true once built (the tables must not change meanwhile).
   */
  builder(tables: ViewTables): { step(budget: number): boolean } {
    const width = 2 * tables.copyCount;
    this.views = new Uint32Array(Math.max(16, this.ids.count));
    this.tableSum = 0;
    this.built = false;
    let position = 0;
    return {
      step: (budget: number): boolean => {
        const end = Math.min(tables.bucketCount, position + budget);
        for (let bucketIndex = position; bucketIndex < end; bucketIndex++) this.addRow(bucketIndex, tables.rows, bucketIndex * width, width, 1);
        position = end;
        this.built = position >= tables.bucketCount;
        return this.built;
      },
    };
  }

  /** update — bucket `bucketIndex` went from `before` to `after` (rows at the given offsets); ignored until built. */
  update(bucketIndex: number, before: Uint32Array, beforeOffset: number, after: Uint32Array, afterOffset: number, width: number): void {
    if (!this.built) return;
    this.addRow(bucketIndex, before, beforeOffset, width, -1);
    this.addRow(bucketIndex, after, afterOffset, width, 1);
  }

  /** viewOf — the checksum of server `index`'s view. */
  viewOf(index: number): number {
    return index < this.views.length ? this.views[index] : 0;
  }

  /** table — the checksum of the client table (current copies of every bucket). */
  get table(): number {
    return this.tableSum;
  }

  private addRow(bucketIndex: number, row: Uint32Array, offset: number, width: number, sign: 1 | -1): void {
    const { lo, hi } = this.ids;
    const copyCount = width / 2;
    let state = rowHashStart(bucketIndex);
    for (let i = 0; i < copyCount; i++) state = rowHashSlot(state, lo[row[offset + i]], hi[row[offset + i]]);
    const tableHash = rowHashEnd(state);
    for (let i = copyCount; i < width; i++) state = rowHashSlot(state, lo[row[offset + i]], hi[row[offset + i]]);
    const viewHash = rowHashEnd(state);
    this.tableSum = sign > 0 ? addHash(this.tableSum, tableHash) : subtractHash(this.tableSum, tableHash);
    if (this.distinct.length < width) this.distinct = new Uint32Array(width);
    const found = distinctServers(row, offset, width, this.distinct);
    if (this.views.length < this.ids.count) this.growViews();
    for (let i = 0; i < found; i++) {
      const index = this.distinct[i];
      this.views[index] = sign > 0 ? addHash(this.views[index], viewHash) : subtractHash(this.views[index], viewHash);
    }
  }

  private growViews(): void {
    const grown = new Uint32Array(Math.max(this.views.length * 2, this.ids.count));
    grown.set(this.views);
    this.views = grown;
  }
}
