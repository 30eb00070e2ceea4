/**
 * frame-server — a TCP server speaking tbnet frames: each frame goes to the handler, which
 * answers through `reply` (same channel id). A connection that sends a malformed frame is closed;
 * the others carry on. At most connectionCountMax connections are kept.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { connectionCountMax } from '../limits.js';
import { FrameDecoder, type Frame } from '../protocol/index.js';

/** FrameHandler — handles one frame; `reply` writes a whole frame back on the same connection. */
export type FrameHandler = (frame: Frame, reply: (frameBytes: Buffer) => void) => void;

/** FrameServer — listens on 127.0.0.1 (or the given host) and dispatches frames. */
export class FrameServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly onProblem: (message: string) => void;

  constructor(handler: FrameHandler, onProblem: (message: string) => void) {
    this.onProblem = onProblem;
    this.server = createServer((socket) => this.accept(socket, handler));
  }

  /** listen — start listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** close — stop listening and close every connection. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket, handler: FrameHandler): void {
    if (this.sockets.size >= connectionCountMax) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    const reply = (frameBytes: Buffer): void => {
      if (!socket.destroyed) socket.write(frameBytes);
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        this.onProblem(`closing ${socket.remoteAddress}:${socket.remotePort}: ${(error as Error).message}`);
        socket.destroy();
        return;
      }
      for (const frame of frames) handler(frame, reply);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
