/**
 * agent-view — the part of a group's tables one data server holds: the rows of the buckets whose
 * current or destination row names it (its view), as the config server sent them, plus the
 * buckets it settled itself (a finish accepted: current row := destination row until the config
 * server's next version says so too).
 *
 *   row of bucket b (2·C ids):  current copies 0..C−1, then destination copies 0..C−1
 *   checksum = Σ row hashes of the rows as sent (view-checksum.ts), kept per change, so a change
 *              set is verified before it is applied and a mismatch asks for the view whole
 *
 * A whole table (a config server without views, or an original one) is cut down to the view.
 */
import type { ViewRowEntry, WholeRows } from '../protocol/index.js';
import { addHash, rowHashOfIds, subtractHash } from '../protocol/index.js';
import type { AgentTables } from './bucket-plan.js';

/** AgentView — see the file comment. */
export class AgentView implements AgentTables {
  private readonly served = new Map<number, BigUint64Array>();
  private readonly settled = new Set<number>();
  private sortedBuckets: number[] | null = null;
  private sum = 0;

  constructor(
    readonly selfId: bigint,
    readonly bucketCount: number,
    readonly copyCount: number,
  ) {}

  /** checksum — of the rows as the config server sent them. */
  get checksum(): number {
    return this.sum;
  }

  /** size — buckets in the view. */
  get size(): number {
    return this.served.size;
  }

  /** fromWhole — the view of `selfId` in a whole data-server table (current ‖ destination, copy-major), O(B·C). */
  static fromWhole(selfId: bigint, bucketCount: number, copyCount: number, table: BigUint64Array): AgentView {
    const view = new AgentView(selfId, bucketCount, copyCount);
    const slotCount = bucketCount * copyCount;
    const width = 2 * copyCount;
    for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
      let named = false;
      for (let slot = bucketIndex; slot < 2 * slotCount && !named; slot += bucketCount) named = table[slot] === selfId;
      if (!named) continue;
      const row = new BigUint64Array(width);
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
        row[copyIndex] = table[copyIndex * bucketCount + bucketIndex];
        row[copyCount + copyIndex] = table[slotCount + copyIndex * bucketCount + bucketIndex];
      }
      view.put(bucketIndex, row);
    }
    return view;
  }

  /** fromRows — a view sent whole (readWholeRows): its rows stay in the decoded array, one view of it per row. */
  static fromRows(selfId: bigint, bucketCount: number, copyCount: number, rows: WholeRows): AgentView {
    const view = new AgentView(selfId, bucketCount, copyCount);
    const width = 2 * copyCount;
    let sum = 0;
    for (let n = 0; n < rows.bucketIndexes.length; n++) {
      view.served.set(rows.bucketIndexes[n], rows.ids.subarray(n * width, (n + 1) * width));
      sum = addHash(sum, rows.rowHashes[n]);
    }
    view.sum = sum;
    view.sortedBuckets = Array.from(rows.bucketIndexes);
    return view;
  }

  /** row — implements AgentTables: the bucket's row as this server serves it, or undefined. */
  row(bucketIndex: number): BigUint64Array | undefined {
    const row = this.served.get(bucketIndex);
    if (!row || !this.settled.has(bucketIndex)) return row;
    const settledRow = row.slice();
    settledRow.copyWithin(0, this.copyCount, 2 * this.copyCount);
    return settledRow;
  }

  /** buckets — implements AgentTables: the view's buckets, ascending. */
  buckets(): readonly number[] {
    this.sortedBuckets ??= [...this.served.keys()].sort((a, b) => a - b);
    return this.sortedBuckets;
  }

  /** applyChanges — apply a change set if it reaches `checksum`: the slots it changed; null (nothing applied) otherwise. */
  applyChanges(entries: readonly ViewRowEntry[], checksum: number): number | null {
    const width = 2 * this.copyCount;
    const next = new Map<number, BigUint64Array | null>();
    let sum = this.sum;
    let slots = 0;
    for (const entry of entries) {
      const old = this.served.get(entry.bucketIndex);
      if (old) sum = subtractHash(sum, rowHashOfIds(entry.bucketIndex, old));
      if (entry.drop) {
        // The slots that named this server changed (to someone else, or empty).
        if (old) for (const id of old) if (id === this.selfId) slots += 1;
        next.set(entry.bucketIndex, null);
        continue;
      }
      // A bucket that enters the view must come whole: there is no row to patch.
      if (!old && entry.mask !== (1 << width) - 1) return null;
      const row = old ? old.slice() : new BigUint64Array(width);
      let taken = 0;
      for (let slot = 0; slot < width; slot++) if ((entry.mask & (1 << slot)) !== 0) row[slot] = entry.ids[taken++];
      sum = addHash(sum, rowHashOfIds(entry.bucketIndex, row));
      next.set(entry.bucketIndex, row);
      slots += entry.ids.length;
    }
    if (sum !== checksum) return null;
    for (const [bucketIndex, row] of next) {
      if (row) this.served.set(bucketIndex, row);
      else this.served.delete(bucketIndex);
    }
    this.sum = sum;
    this.sortedBuckets = null;
    this.forgetSettledThatArrived();
    return slots;
  }

  /** settle — a finish of `bucketIndex` was accepted: its current row is its destination row now. */
  settle(bucketIndex: number): boolean {
    if (!this.served.has(bucketIndex)) return false;
    this.settled.add(bucketIndex);
    return true;
  }

  /** settleAll — carry settled buckets over from the view this one replaces (same server version). */
  settleAll(bucketIndexes: Iterable<number>): void {
    for (const bucketIndex of bucketIndexes) this.settle(bucketIndex);
    this.forgetSettledThatArrived();
  }

  /** clearSettled — a new plan (server version): nothing settled under the old one counts. */
  clearSettled(): void {
    this.settled.clear();
  }

  /** settledBuckets — the buckets settled here and not yet in a version from the config server. */
  settledBuckets(): number[] {
    return [...this.settled];
  }

  private put(bucketIndex: number, row: BigUint64Array): void {
    this.served.set(bucketIndex, row);
    this.sum = addHash(this.sum, rowHashOfIds(bucketIndex, row));
    this.sortedBuckets = null;
  }

  /** Settled buckets whose row as sent already has current = destination need no overlay any more. */
  private forgetSettledThatArrived(): void {
    for (const bucketIndex of [...this.settled]) {
      const row = this.served.get(bucketIndex);
      if (!row || row.subarray(0, this.copyCount).every((id, copyIndex) => id === row[this.copyCount + copyIndex])) this.settled.delete(bucketIndex);
    }
  }
}
