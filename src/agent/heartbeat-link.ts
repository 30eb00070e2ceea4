/**
 * heartbeat-link — the persistent connection from a data server to one config server, one
 * heartbeat (pcode 9 → 104) at a time, as the original's captures show (one connection, beats
 * 1 s apart). A beat while the previous one is still unanswered is skipped; after a failed
 * exchange the connection is reopened at a beat once a backoff with jitter has passed (from one
 * beat interval, doubling, capped at retryDelayMsMax), so data servers do not all come back to a
 * restarted config server in the same second. The connection closing between beats (the config
 * server died) is reported as a failure at once, so the pair's other server hears of it without
 * waiting a beat.
 */
import type { ServerAddress } from '../common/server-id.js';
import { Backoff } from '../common/backoff.js';
import type { TimerSource } from '../common/timer-source.js';
import { FrameConnection } from '../client/frame-connection.js';
import { retryDelayMsMax } from '../limits.js';
import { decodeResponse, encodePacketFrame, Pcode, type HeartbeatRequest, type HeartbeatResponse } from '../protocol/index.js';

/** HeartbeatLinkHandlers — where replies and failures go. */
export interface HeartbeatLinkHandlers {
  /** onResponse — a reply, and the time from writing the request to reading it. */
  onResponse(response: HeartbeatResponse, roundTripMs: number): void;
  onError(reason: string): void;
}

/** HeartbeatLink — heartbeats to one config server. */
export class HeartbeatLink {
  private readonly address: ServerAddress;
  private readonly timeoutMs: number;
  private readonly handlers: HeartbeatLinkHandlers;
  private readonly timers: TimerSource;
  private readonly backoff: Backoff;
  private connection: FrameConnection | null = null;
  private inFlight = false;
  private closed = false;
  private reconnectAtMs = 0;

  constructor(address: ServerAddress, timeoutMs: number, handlers: HeartbeatLinkHandlers, timers: TimerSource, retryBaseMs: number, random?: () => number) {
    this.address = address;
    this.timeoutMs = timeoutMs;
    this.handlers = handlers;
    this.timers = timers;
    this.backoff = new Backoff({ baseMs: retryBaseMs, capMs: retryDelayMsMax, random });
  }

  /** beat — send one heartbeat unless the previous one is still out or a reconnect is not due; true when sent. */
  beat(request: HeartbeatRequest): boolean {
    if (this.inFlight || this.closed) return false;
    if (!this.connection && this.timers.nowMs() < this.reconnectAtMs) return false;
    this.inFlight = true;
    this.exchange(request)
      .then(({ response, roundTripMs }) => {
        this.backoff.reset();
        if (!this.closed) this.handlers.onResponse(response, roundTripMs);
      })
      .catch((error: unknown) => {
        this.connection?.close();
        this.connection = null;
        this.reconnectAtMs = this.timers.nowMs() + this.backoff.next();
        if (!this.closed) this.handlers.onError(error instanceof Error ? error.message : String(error));
      })
      .finally(() => {
        this.inFlight = false;
      });
    return true;
  }

  /** close — close the connection; no more beats. */
  close(): void {
    this.closed = true;
    this.connection?.close();
    this.connection = null;
  }

  private async exchange(request: HeartbeatRequest): Promise<{ response: HeartbeatResponse; roundTripMs: number }> {
    if (!this.connection || this.connection.closed) {
      const connection = await FrameConnection.open(this.address, this.timeoutMs, undefined, this.timers);
      this.connection = connection;
      if (this.closed) connection.close();
      connection.onClose((reason) => {
        if (this.closed || this.inFlight || this.connection !== connection) return;
        this.connection = null;
        this.handlers.onError(reason);
      });
    }
    const sentMs = this.timers.nowMs();
    const frame = await this.connection.request((channelId) => encodePacketFrame(channelId, { pcode: Pcode.heartbeatRequest, body: request }), this.timeoutMs);
    const packet = decodeResponse(frame.pcode, frame.body);
    if (packet.pcode !== Pcode.heartbeatResponse) throw new Error(`answered a heartbeat with pcode ${packet.pcode}`);
    return { response: packet.body, roundTripMs: this.timers.nowMs() - sentMs };
  }
}
