/**
 * fault-proxy — a TCP proxy on 127.0.0.1 that can cut the line without closing it: while cut,
 * bytes in both directions are dropped and connections stay open (a network split, not a crash).
 * Put one between the two config servers; the data servers reach both directly.
 */
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

/** FaultProxy — listens on `port`, forwards to `targetPort`. */
export class FaultProxy {
  cut = false;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  /** start — listen on `port` (0: any free port). */
  static async start(port: number, targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(port, targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  /** stop — close every connection and the listener. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (!this.cut) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!this.cut) client.write(chunk);
    });
  }
}
