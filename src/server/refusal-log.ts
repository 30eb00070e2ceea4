/**
 * refusal-log — one log line per source, reason and pcode every refusalLogIntervalMs, with the
 * count of refusals not logged since: a flood from one address cannot flood the log, and every
 * refusal is still counted by the metric. The table of sources is bounded (refusalLogKeyCountMax);
 * when full it starts over (at worst a line more).
 */
import type { Logger } from 'pino';
import { pcodeName } from '../protocol/index.js';
import { refusalLogIntervalMs, refusalLogKeyCountMax } from '../limits.js';
import type { Refusal } from './access-guard.js';

/** RefusalLog — see the file comment. */
export class RefusalLog {
  private readonly lastLogged = new Map<string, { atMs: number; suppressedCount: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly nowMs: () => number,
  ) {}

  /** note — log the refusal unless its source was logged recently; true when a line was written. */
  note(refusal: Refusal): boolean {
    const key = `${refusal.remoteIp}|${refusal.reason}|${refusal.pcode}`;
    const nowMs = this.nowMs();
    const last = this.lastLogged.get(key);
    if (last && nowMs - last.atMs < refusalLogIntervalMs) {
      last.suppressedCount += 1;
      return false;
    }
    if (!last && this.lastLogged.size >= refusalLogKeyCountMax) this.lastLogged.clear();
    this.lastLogged.set(key, { atMs: nowMs, suppressedCount: 0 });
    const more = last && last.suppressedCount > 0 ? ` (${last.suppressedCount} more like it since the last line)` : '';
    this.logger.warn(
      { event: 'request-refused', remote: refusal.remoteIp, pcode: refusal.pcode, reason: refusal.reason, suppressed: last?.suppressedCount ?? 0 },
      `refused ${pcodeName(refusal.pcode)} (${refusal.pcode}) from ${refusal.remoteIp}: ${refusal.message}${more}`,
    );
    return true;
  }
}
