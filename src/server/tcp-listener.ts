/**
 * tcp-listener — the TCP side of the config server: one FrameDecoder per connection, limits on
 * everything a peer controls, and a malformed frame closes that connection only.
 *
 *   accept ──▶ ConnectionBudget: per address, in total (under the descriptor limit); when full,
 *      │       the largest holder's oldest connection makes room (connection-budget.ts)
 *   socket ──chunks──▶ FrameDecoder ──frames──▶ handler.handle(connection, frame)
 *      │                   └─ ProtocolError (magic, length, oversized) ─▶ log reason, close this socket
 *      ├─ partial frames of all connections over partialFrameBytesTotalMax ─▶ the largest holders closed first
 *      └─ idle 15 min / reply backlog over limit ─▶ closed
 *
 * Writing: a reply is its frame, or pieces of it around a shared table blob, written corked (one
 * writev, no copy). Replies with table content wait for the frames of the same chunk to be
 * answered first (heartbeats before table traffic), and for a peer that stopped reading (more than
 * tableBacklogBytesMax unsent) until it drains; heartbeats check `canTakeTable` and go without
 * their table meanwhile.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { Logger } from 'pino';
import { ProtocolError } from '../errors.js';
import type { Frame } from '../protocol/index.js';
import { FrameDecoder } from '../protocol/index.js';
import { normalizeAddress } from '../security/address-filter.js';
import { ConnectionBudget } from './connection-budget.js';

/** ListenerLimits — what one peer, and all of them together, may cost. */
export interface ListenerLimits {
  connectionCountMax: number;
  /** connectionsPerAddressMax — connections one source address may hold. */
  connectionsPerAddressMax: number;
  /** partialFrameBytesTotalMax — bytes of incomplete frames held for every connection together. */
  partialFrameBytesTotalMax: number;
  requestBodyBytesMax: number;
  /** writeBacklogBytesMax — replies queued for a peer that does not read; past it, the peer is dropped. */
  writeBacklogBytesMax: number;
  /** tableBacklogBytesMax — unsent bytes past which the peer gets no table content until it drains. */
  tableBacklogBytesMax: number;
  idleTimeoutMs: number;
}

/** Reply — a frame, or its pieces in wire order (written corked, nothing copied). */
export type Reply = Buffer | readonly Buffer[];

/** WriteCounters — what the listener has written, over every connection. */
export interface WriteCounters {
  bytesSent: number;
}

/** pendingTableRepliesMax — table replies one connection may have waiting for it to drain; more is a peer that does not read. */
const pendingTableRepliesMax = 64;

/** FrameHandler — answers frames; throwing ProtocolError closes the connection. */
export interface FrameHandler {
  handle(connection: Connection, frame: Frame): void;
}

/** Connection — one peer's socket, as the handlers see it. */
export class Connection {
  readonly remote: string;
  /** remoteIp — the peer's IP as the socket reports it (IPv4 peers of an IPv6 socket as ::ffff:a.b.c.d). */
  readonly remoteIp: string;
  private closed = false;
  /** inBatch — the frames of one chunk are being answered: table replies wait for the end. */
  private inBatch = false;
  private readonly tableReplies: Reply[] = [];
  private drainWaited = false;

  constructor(
    private readonly socket: Socket,
    private readonly limits: ListenerLimits,
    private readonly logger: Logger,
    private readonly counters: WriteCounters = { bytesSent: 0 },
  ) {
    this.remoteIp = socket.remoteAddress ?? '';
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
  }

  /** isOpen — false once closed by either side. */
  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /** send — write a reply now; a peer that lets replies pile up past the limit is dropped. */
  send(reply: Reply): void {
    if (!this.isOpen) return;
    if (Buffer.isBuffer(reply)) {
      this.socket.write(reply);
      this.counters.bytesSent += reply.length;
    } else {
      this.socket.cork();
      for (const piece of reply as readonly Buffer[]) {
        this.socket.write(piece);
        this.counters.bytesSent += piece.length;
      }
      this.socket.uncork();
    }
    if (this.socket.writableLength > this.limits.writeBacklogBytesMax) {
      this.close(`peer does not read: ${this.socket.writableLength} reply bytes queued`);
    }
  }

  /** canTakeTable — whether table content may go to this peer now (it reads what it is sent). */
  canTakeTable(): boolean {
    return this.isOpen && this.socket.writableLength <= this.limits.tableBacklogBytesMax && this.tableReplies.length === 0;
  }

  /**
   * sendTable — a reply with table content: after the other replies of this chunk, and once the
   * peer has drained what it was sent before.
   */
  sendTable(reply: Reply): void {
    if (!this.isOpen) return;
    if (this.tableReplies.length >= pendingTableRepliesMax) {
      this.close(`peer does not read: ${this.tableReplies.length} table replies waiting`);
      return;
    }
    this.tableReplies.push(reply);
    if (!this.inBatch) this.flushTables();
  }

  /** beginBatch / endBatch — around the frames of one chunk (table replies wait for endBatch). */
  beginBatch(): void {
    this.inBatch = true;
  }

  /** endBatch — see beginBatch. */
  endBatch(): void {
    this.inBatch = false;
    this.flushTables();
  }

  private flushTables(): void {
    while (this.tableReplies.length > 0 && this.isOpen) {
      if (this.socket.writableLength > this.limits.tableBacklogBytesMax) {
        if (!this.drainWaited) {
          this.drainWaited = true;
          this.socket.once('drain', () => {
            this.drainWaited = false;
            this.flushTables();
          });
        }
        return;
      }
      this.send(this.tableReplies.shift() as Reply);
    }
  }

  /** close — drop the connection, logging why. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.warn({ event: 'connection-closed', remote: this.remote, reason }, `closing connection from ${this.remote}: ${reason}`);
    this.socket.destroy();
  }

  /** markClosed — the peer went away. */
  markClosed(): void {
    this.closed = true;
  }
}

/** Peer — one accepted connection and what it holds. */
interface Peer {
  socket: Socket;
  address: string;
  connection: Connection;
  decoder: FrameDecoder;
  /** partialBytes — bytes of an incomplete frame its decoder holds. */
  partialBytes: number;
}

const refusalLogIntervalMs = 10_000;

/** TcpListener — accepts connections and feeds their frames to a handler. */
export class TcpListener {
  private readonly server: Server;
  private readonly peers = new Set<Peer>();
  private readonly budget: ConnectionBudget<Peer>;
  /** holding — peers with a partial frame buffered (the only candidates when over the byte budget). */
  private readonly holding = new Set<Peer>();
  private partialBytes = 0;
  private refusedCount = 0;
  private lastRefusalLogMs = Number.NEGATIVE_INFINITY;
  /** counters — bytes written to every connection since start. */
  readonly counters: WriteCounters = { bytesSent: 0 };

  constructor(
    private readonly handler: FrameHandler,
    private readonly limits: ListenerLimits,
    private readonly logger: Logger,
  ) {
    this.budget = new ConnectionBudget(limits.connectionCountMax, limits.connectionsPerAddressMax);
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** listen — bind `host:port`; resolves with the bound address. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, backlog: 4096 }, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** connectionCount — open connections. */
  get connectionCount(): number {
    return this.peers.size;
  }

  /** partialFrameBytes — bytes of incomplete frames held for all connections now. */
  get partialFrameBytes(): number {
    return this.partialBytes;
  }

  /** close — stop accepting and drop every connection. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const peer of this.peers) peer.socket.destroy();
    return closed;
  }

  private accept(socket: Socket): void {
    const address = normalizeAddress(socket.remoteAddress ?? '?');
    const peer: Peer = {
      socket,
      address,
      connection: new Connection(socket, this.limits, this.logger, this.counters),
      decoder: new FrameDecoder({ bodyBytesMax: this.limits.requestBodyBytesMax }),
      partialBytes: 0,
    };
    const verdict = this.budget.admit(address, peer);
    if (!verdict.admitted) {
      this.noteRefused(address, verdict.reason);
      socket.destroy();
      return;
    }
    verdict.evicted?.connection.close(`making room for ${address}: this address holds the most connections of all`);
    this.peers.add(peer);
    const { connection } = peer;
    socket.setTimeout(this.limits.idleTimeoutMs, () => connection.close('idle'));
    socket.on('data', (chunk: Buffer) => this.receive(peer, chunk));
    socket.on('error', () => connection.markClosed());
    socket.on('close', () => {
      connection.markClosed();
      this.forget(peer);
    });
  }

  private forget(peer: Peer): void {
    this.peers.delete(peer);
    this.budget.release(peer.address, peer);
    this.setPartial(peer, 0);
  }

  private receive(peer: Peer, chunk: Buffer): void {
    const { connection, decoder } = peer;
    if (!connection.isOpen) return;
    connection.beginBatch();
    try {
      for (const frame of decoder.push(chunk)) {
        this.handler.handle(connection, frame);
        if (!connection.isOpen) return;
      }
    } catch (error) {
      if (error instanceof ProtocolError) {
        connection.close(`malformed frame: ${error.message}`);
        return;
      }
      this.logger.error({ event: 'handler-failed', remote: connection.remote, err: error }, 'request handler failed; closing that connection');
      connection.close('internal error');
      return;
    } finally {
      connection.endBatch();
    }
    this.setPartial(peer, decoder.bufferedBytes);
    if (this.partialBytes > this.limits.partialFrameBytesTotalMax) this.shedPartialFrames();
  }

  private setPartial(peer: Peer, bytes: number): void {
    this.partialBytes += bytes - peer.partialBytes;
    peer.partialBytes = bytes;
    if (bytes > 0) this.holding.add(peer);
    else this.holding.delete(peer);
  }

  /** shedPartialFrames — close the connections holding the most partial-frame bytes until under the budget. */
  private shedPartialFrames(): void {
    const budget = this.limits.partialFrameBytesTotalMax;
    // Each round closes one connection, so this runs at most once per connection holding bytes.
    while (this.partialBytes > budget && this.holding.size > 0) {
      let largest: Peer | null = null;
      for (const peer of this.holding) if (!largest || peer.partialBytes > largest.partialBytes) largest = peer;
      if (!largest) return;
      largest.connection.close(`holds ${largest.partialBytes} bytes of an incomplete frame while all connections together hold more than ${budget}`);
      this.setPartial(largest, 0);
    }
  }

  private noteRefused(address: string, reason: string): void {
    this.refusedCount += 1;
    const nowMs = performance.now();
    if (nowMs - this.lastRefusalLogMs < refusalLogIntervalMs) return;
    this.lastRefusalLogMs = nowMs;
    this.logger.warn(
      { event: 'connection-refused', remote: address, reason, refusedSinceLastLine: this.refusedCount },
      `refusing connections (${this.refusedCount} since the last line), e.g. from ${address}: ${reason}`,
    );
    this.refusedCount = 0;
  }
}
