/**
 * peer-link — a data server's connection to another data server, for replication and
 * migration. Requests leave in the order `request` is called, even while the connection is
 * still being opened (they wait in a queue), so a migration batch and a later replicated write
 * reach the peer in the order the source applied them.
 */
import { addressFromServerId } from '../common/server-id.js';
import { FrameConnection } from '../client/frame-connection.js';
import { decodeDataReply, encodeDataRequest, type DataReply, type DataRequest } from '../client/data-protocol.js';

interface Queued {
  request: DataRequest;
  resolve(reply: DataReply): void;
  reject(error: Error): void;
}

/** PeerLink — ordered requests to one peer data server. */
export class PeerLink {
  readonly peerId: bigint;
  private readonly timeoutMs: number;
  private connection: FrameConnection | null = null;
  private opening = false;
  private readonly queue: Queued[] = [];
  private closed = false;

  constructor(peerId: bigint, timeoutMs: number) {
    this.peerId = peerId;
    this.timeoutMs = timeoutMs;
  }

  /** request — send now (or as soon as connected, in call order) and wait for the reply. */
  request(request: DataRequest): Promise<DataReply> {
    if (this.closed) return Promise.reject(new Error('peer link closed'));
    if (this.connection && !this.connection.closed && this.queue.length === 0) return this.send(this.connection, request);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.open();
    });
  }

  /** close — fail queued requests and close the connection. */
  close(): void {
    this.closed = true;
    this.connection?.close();
    this.failQueue(new Error('peer link closed'));
  }

  private send(connection: FrameConnection, request: DataRequest): Promise<DataReply> {
    return connection.request((channelId) => encodeDataRequest(channelId, request), this.timeoutMs).then(decodeDataReply);
  }

  private open(): void {
    if (this.opening) return;
    this.opening = true;
    FrameConnection.open(addressFromServerId(this.peerId), this.timeoutMs).then(
      (connection) => {
        this.opening = false;
        if (this.closed) {
          connection.close();
          return;
        }
        this.connection = connection;
        for (const queued of this.queue.splice(0)) this.send(connection, queued.request).then(queued.resolve, queued.reject);
      },
      (error: Error) => {
        this.opening = false;
        this.failQueue(error);
      },
    );
  }

  private failQueue(error: Error): void {
    for (const queued of this.queue.splice(0)) queued.reject(error);
  }
}
