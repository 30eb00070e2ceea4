/**
 * event-ring — the most recent operator events (servers down and up, rebuilds, migrations,
 * admin commands), newest last, at most `capacity`; older ones live on in the log.
 *
 *   push ─▶ [ e1 e2 … eN ] ─▶ e1 dropped when full
 */
import type { Notice } from '../cluster/index.js';

/** StatusEvent — one event as the status API shows it. */
export interface StatusEvent {
  /** seq — increases by one per event, so a poller can ask for what is new. */
  seq: number;
  /** time — ISO-8601 wall-clock time it happened. */
  time: string;
  level: Notice['level'];
  event: string;
  group: string | null;
  server: string | null;
  message: string;
}

/** EventRing — see the file comment. */
export class EventRing {
  private readonly events: StatusEvent[] = [];
  private nextSeq = 1;

  constructor(private readonly capacity: number) {}

  /** push — record a notice now. */
  push(notice: Notice, nowMs: number = Date.now()): void {
    this.events.push({
      seq: this.nextSeq++,
      time: new Date(nowMs).toISOString(),
      level: notice.level,
      event: notice.event,
      group: notice.group ?? null,
      server: notice.server ?? null,
      message: notice.message,
    });
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
  }

  /** list — the events kept, oldest first (copies). */
  list(): StatusEvent[] {
    return this.events.map((event) => ({ ...event }));
  }
}
