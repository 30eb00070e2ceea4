/**
 * connection-pool — one FrameConnection per server id, opened on first use and reopened after
 * it closes. Concurrent callers asking for the same server share one connect attempt.
 */
import { addressFromServerId } from '../common/server-id.js';
import { FrameConnection } from './frame-connection.js';

/** ConnectionPool — connections to data servers, keyed by server id. */
export class ConnectionPool {
  private readonly connectTimeoutMs: number;
  private readonly connections = new Map<bigint, Promise<FrameConnection>>();
  private closed = false;

  constructor(connectTimeoutMs: number) {
    this.connectTimeoutMs = connectTimeoutMs;
  }

  /** connection — an open connection to `serverId` (rejects with FrameConnectionError when it cannot connect). */
  async connection(serverId: bigint): Promise<FrameConnection> {
    if (this.closed) throw new Error('connection pool is closed');
    const existing = this.connections.get(serverId);
    if (existing) {
      const connection = await existing.catch(() => null);
      if (connection && !connection.closed) return connection;
      if (this.connections.get(serverId) === existing) this.connections.delete(serverId);
      else return this.connection(serverId);
    }
    const opening = FrameConnection.open(addressFromServerId(serverId), this.connectTimeoutMs);
    this.connections.set(serverId, opening);
    opening.then(
      (connection) => connection.onClose(() => this.forget(serverId, opening)),
      () => this.forget(serverId, opening),
    );
    return opening;
  }

  /** drop — close the connection to one server (the next use reconnects). */
  drop(serverId: bigint): void {
    const existing = this.connections.get(serverId);
    this.connections.delete(serverId);
    existing?.then(
      (connection) => connection.close(),
      () => undefined,
    );
  }

  /** close — close every connection; the pool cannot be used afterwards. */
  close(): void {
    this.closed = true;
    for (const serverId of [...this.connections.keys()]) this.drop(serverId);
  }

  private forget(serverId: bigint, opening: Promise<FrameConnection>): void {
    if (this.connections.get(serverId) === opening) this.connections.delete(serverId);
  }
}
