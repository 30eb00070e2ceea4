/**
 * dirty-buckets — which buckets' rows changed since the last record, so a save writes only those:
 *
 *   mark(b)     a row edit (a finished bucket, a hand edit)
 *   markAll()   a whole table replaced (a build, a quick table, convergence, a renumbering): the
 *               next record diffs the tables against the last saved ones, O(B·C), once
 *   take()      the buckets to save (ascending) or 'all', and start over
 *
 * Bounded: past max(4,096, B/8) buckets the set becomes 'all' (a diff is then as cheap).
 */

/** dirtySetFloor — a set of this many buckets is always kept (a diff is cheaper only for large sets). */
const dirtySetFloor = 4096;

/** DirtyBuckets — see the file comment. */
export class DirtyBuckets {
  private readonly set = new Set<number>();
  private all = false;
  private readonly setMax: number;

  constructor(bucketCount: number) {
    this.setMax = Math.max(dirtySetFloor, bucketCount >>> 3);
  }

  /** any — whether anything is marked. */
  get any(): boolean {
    return this.all || this.set.size > 0;
  }

  /** mark — bucket `bucketIndex`'s row changed. */
  mark(bucketIndex: number): void {
    if (this.all) return;
    this.set.add(bucketIndex);
    if (this.set.size > this.setMax) this.markAll();
  }

  /** markAll — any row may have changed. */
  markAll(): void {
    this.all = true;
    this.set.clear();
  }

  /** take — the marked buckets, ascending, or 'all'; clears the marks. */
  take(): Uint32Array | 'all' {
    if (this.all) {
      this.all = false;
      return 'all';
    }
    const marked = Uint32Array.from(this.set).sort();
    this.set.clear();
    return marked;
  }
}
