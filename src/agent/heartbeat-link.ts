/**
 * heartbeat-link — the persistent connection from a data server to one config server, one
 * heartbeat (pcode 9 → 104) at a time, as the original's captures show (one connection, beats
 * 1 s apart). A beat while the previous one is still unanswered is skipped; a failed connection is
 * reopened at the next beat. The connection closing between beats (the config server died) is
 * reported as a failure at once, so the pair's other server hears of it without waiting a beat.
 */
import type { ServerAddress } from '../common/server-id.js';
import { FrameConnection } from '../client/frame-connection.js';
import { decodeResponse, encodePacketFrame, Pcode, type HeartbeatRequest, type HeartbeatResponse } from '../protocol/index.js';

/** HeartbeatLinkHandlers — where replies and failures go. */
export interface HeartbeatLinkHandlers {
  onResponse(response: HeartbeatResponse): void;
  onError(reason: string): void;
}

/** HeartbeatLink — heartbeats to one config server. */
export class HeartbeatLink {
  private readonly address: ServerAddress;
  private readonly timeoutMs: number;
  private readonly handlers: HeartbeatLinkHandlers;
  private connection: FrameConnection | null = null;
  private inFlight = false;
  private closed = false;

  constructor(address: ServerAddress, timeoutMs: number, handlers: HeartbeatLinkHandlers) {
    this.address = address;
    this.timeoutMs = timeoutMs;
    this.handlers = handlers;
  }

  /** beat — send one heartbeat unless the previous one is still out; true when sent. */
  beat(request: HeartbeatRequest): boolean {
    if (this.inFlight || this.closed) return false;
    this.inFlight = true;
    this.exchange(request)
      .then((response) => {
        if (!this.closed) this.handlers.onResponse(response);
      })
      .catch((error: unknown) => {
        this.connection?.close();
        this.connection = null;
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

  private async exchange(request: HeartbeatRequest): Promise<HeartbeatResponse> {
    if (!this.connection || this.connection.closed) {
      const connection = await FrameConnection.open(this.address, this.timeoutMs);
      this.connection = connection;
      if (this.closed) connection.close();
      connection.onClose((reason) => {
        if (this.closed || this.inFlight || this.connection !== connection) return;
        this.connection = null;
        this.handlers.onError(reason);
      });
    }
    const frame = await this.connection.request(
      (channelId) => encodePacketFrame(channelId, { pcode: Pcode.heartbeatRequest, body: request }),
      this.timeoutMs,
    );
    const packet = decodeResponse(frame.pcode, frame.body);
    if (packet.pcode !== Pcode.heartbeatResponse) throw new Error(`answered a heartbeat with pcode ${packet.pcode}`);
    return packet.body;
  }
}
