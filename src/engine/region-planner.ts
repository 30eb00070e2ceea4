/**
 * region-planner — lay out one call's regions in linear memory and make it big enough.
 *
 * Regions are 16-byte aligned from the engine's heap base. The memory only grows here,
 * between calls: growing during a call would detach the views the host holds.
 */

const pageBytes = 65_536;

/** RegionPlanner — a bump layout for one engine call. */
export class RegionPlanner {
  private next: number;
  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.next = align(base);
  }

  /** reserve — the offset of a new region of `bytes` bytes. */
  reserve(bytes: number): number {
    const at = this.next;
    this.next = align(at + Math.max(bytes, 0));
    return at;
  }

  /** commit — grow the memory to hold every region reserved so far. */
  commit(): void {
    const needed = this.next;
    const have = this.memory.buffer.byteLength;
    if (needed <= have) return;
    const pages = Math.ceil((needed - have) / pageBytes);
    if (have / pageBytes + pages > 65_536) {
      throw new RangeError(`engine memory of ${needed} bytes is over the 4 GiB Wasm limit`);
    }
    this.memory.grow(pages);
  }
}

function align(offset: number): number {
  return Math.ceil(offset / 16) * 16;
}
