/**
 * id-space — the views' own dense numbering of server ids: index k ≥ 1 stands for one u64 id for
 * as long as the group's views live (the cluster renumbers its table values; the views never do),
 * kept as 32-bit halves so hashing and encoding never touch a bigint.
 *
 *   index   0      1        2        …
 *   id      empty  idOf(1)  idOf(2)
 *   lo/hi   0/0    halves   halves
 */
import { serverCountMax } from '../limits.js';

/** IdSpace — see the file comment. */
export class IdSpace {
  private readonly indexOfId = new Map<bigint, number>();
  private ids: bigint[] = [0n];
  private loWords = new Uint32Array(16);
  private hiWords = new Uint32Array(16);

  /** count — indexes in use, the empty index 0 included. */
  get count(): number {
    return this.ids.length;
  }

  /** full — no new id fits (the views start over instead). */
  get full(): boolean {
    return this.ids.length > serverCountMax;
  }

  /** lo / hi — the low and high 32 bits of each index's id (views over growing arrays: read after adding). */
  get lo(): Uint32Array {
    return this.loWords;
  }

  /** hi — see lo. */
  get hi(): Uint32Array {
    return this.hiWords;
  }

  /** idAt — the id of index `index` (0n for 0). */
  idAt(index: number): bigint {
    return this.ids[index];
  }

  /** indexOf — the index of `id`, added when new; 0n is index 0. */
  indexOf(id: bigint): number {
    if (id === 0n) return 0;
    const known = this.indexOfId.get(id);
    if (known !== undefined) return known;
    const index = this.ids.length;
    this.ids.push(id);
    this.indexOfId.set(id, index);
    if (index >= this.loWords.length) this.grow();
    this.loWords[index] = Number(id & 0xffff_ffffn);
    this.hiWords[index] = Number(id >> 32n);
    return index;
  }

  /** lookup — the index of `id`, or −1 when it has none. */
  lookup(id: bigint): number {
    return this.indexOfId.get(id) ?? -1;
  }

  /** mapValues — table value k (serverIds[k − 1]) → index, as an array indexed by k. */
  mapValues(serverIds: readonly bigint[]): Uint32Array {
    const map = new Uint32Array(serverIds.length + 1);
    for (let value = 1; value <= serverIds.length; value++) map[value] = this.indexOf(serverIds[value - 1]);
    return map;
  }

  private grow(): void {
    const capacity = this.loWords.length * 2;
    const lo = new Uint32Array(capacity);
    const hi = new Uint32Array(capacity);
    lo.set(this.loWords);
    hi.set(this.hiWords);
    this.loWords = lo;
    this.hiWords = hi;
  }
}
