/**
 * tcp-listener — the TCP side of the config server: one FrameDecoder per connection, limits on
 * everything a peer controls, and a malformed frame closes that connection only.
 *
 *   socket ──chunks──▶ FrameDecoder ──frames──▶ handler.handle(connection, frame)
 *      │                   └─ ProtocolError (magic, length, oversized) ─▶ log reason, close this socket
 *      └─ over the connection limit / idle 15 min / reply backlog over limit ─▶ closed
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { Logger } from 'pino';
import { ProtocolError } from '../errors.js';
import type { Frame } from '../protocol/index.js';
import { FrameDecoder } from '../protocol/index.js';

/** ListenerLimits — what one peer may cost. */
export interface ListenerLimits {
  connectionCountMax: number;
  requestBodyBytesMax: number;
  /** writeBacklogBytesMax — replies queued for a peer that does not read; past it, the peer is dropped. */
  writeBacklogBytesMax: number;
  idleTimeoutMs: number;
}

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

  constructor(
    private readonly socket: Socket,
    private readonly limits: ListenerLimits,
    private readonly logger: Logger,
  ) {
    this.remoteIp = socket.remoteAddress ?? '';
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
  }

  /** isOpen — false once closed by either side. */
  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /** send — queue a frame; a peer that lets replies pile up past the limit is dropped. */
  send(frame: Buffer): void {
    if (!this.isOpen) return;
    this.socket.write(frame);
    if (this.socket.writableLength > this.limits.writeBacklogBytesMax) {
      this.close(`peer does not read: ${this.socket.writableLength} reply bytes queued`);
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

/** TcpListener — accepts connections and feeds their frames to a handler. */
export class TcpListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly handler: FrameHandler,
    private readonly limits: ListenerLimits,
    private readonly logger: Logger,
  ) {
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
    return this.sockets.size;
  }

  /** close — stop accepting and drop every connection. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }

  private accept(socket: Socket): void {
    if (this.sockets.size >= this.limits.connectionCountMax) {
      this.logger.warn({ event: 'connection-refused', remote: socket.remoteAddress }, `over ${this.limits.connectionCountMax} connections; refusing one`);
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    const connection = new Connection(socket, this.limits, this.logger);
    const decoder = new FrameDecoder({ bodyBytesMax: this.limits.requestBodyBytesMax });
    socket.setTimeout(this.limits.idleTimeoutMs, () => connection.close('idle'));
    socket.on('data', (chunk: Buffer) => this.receive(connection, decoder, chunk));
    socket.on('error', () => connection.markClosed());
    socket.on('close', () => {
      connection.markClosed();
      this.sockets.delete(socket);
    });
  }

  private receive(connection: Connection, decoder: FrameDecoder, chunk: Buffer): void {
    if (!connection.isOpen) return;
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
    }
  }
}
