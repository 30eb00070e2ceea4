/**
 * migration-rate — how fast a group's migration goes and when it should be done, from samples
 * of "buckets left" taken about once a second:
 *
 *   rate = (left a while ago − left now) / elapsed        over the last windowMs (≥ 1 s of samples)
 *   eta  = left now / rate                                 null until there is a rate
 *   total = the most buckets left seen since the migration began (for a progress bar)
 *
 * More buckets left than the last sample means a new plan (a rebuild): the samples start over.
 * 0 left ends the samples but keeps the total, so the last frame of a migration reads N/N, not
 * 0/0; the next migration's first sample starts a new total.
 */

/** MigrationProgress — what the status shows about a migration's pace. */
export interface MigrationProgress {
  bucketsLeft: number;
  bucketsTotal: number;
  bucketsDone: number;
  ratePerS: number | null;
  etaS: number | null;
}

interface Sample {
  atMs: number;
  left: number;
}

const windowMs = 30_000;
const minimumSpanMs = 1000;

/** MigrationRates — samples per group. */
export class MigrationRates {
  private readonly samples = new Map<string, Sample[]>();
  private readonly totals = new Map<string, number>();

  /** sample — record `left` buckets for a group (0 ends its migration). */
  sample(groupName: string, left: number, nowMs: number): void {
    if (left <= 0) {
      this.samples.delete(groupName);
      return;
    }
    let list = this.samples.get(groupName);
    const last = list?.[list.length - 1];
    if (!list || (last && left > last.left)) {
      list = [];
      this.totals.set(groupName, left);
    }
    if (!last || nowMs - last.atMs >= 250) list.push({ atMs: nowMs, left });
    while (list.length > 2 && nowMs - list[1].atMs > windowMs) list.shift();
    this.samples.set(groupName, list);
    this.totals.set(groupName, Math.max(this.totals.get(groupName) ?? 0, left));
  }

  /** progress — the pace of a group's migration now. */
  progress(groupName: string, left: number, nowMs: number): MigrationProgress {
    this.sample(groupName, left, nowMs);
    const total = Math.max(this.totals.get(groupName) ?? 0, left);
    const list = this.samples.get(groupName) ?? [];
    const first = list[0];
    const spanMs = first ? nowMs - first.atMs : 0;
    const ratePerS = first && spanMs >= minimumSpanMs ? ((first.left - left) * 1000) / spanMs : null;
    const etaS = ratePerS !== null && ratePerS > 0 ? left / ratePerS : null;
    return {
      bucketsLeft: left,
      bucketsTotal: total,
      bucketsDone: total - left,
      ratePerS: ratePerS === null ? null : round(ratePerS),
      etaS: etaS === null ? null : round(etaS),
    };
  }

  /** retain — keep only the groups named (the others are gone). */
  retain(groupNames: ReadonlySet<string>): void {
    for (const name of [...this.samples.keys()]) if (!groupNames.has(name)) this.samples.delete(name);
    for (const name of [...this.totals.keys()]) if (!groupNames.has(name)) this.totals.delete(name);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
