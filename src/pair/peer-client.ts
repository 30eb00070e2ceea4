/**
 * peer-client — one outgoing connection to the other config server, opened on first use and
 * again after any failure. Each kind of traffic gets its own (heartbeats, pushes, pulls and
 * forwarded finishes), so a big table in flight never delays a heartbeat behind it.
 *
 * A request that gets no reply within its timeout fails and closes the connection: with a hung
 * peer (SIGSTOP) the kernel still accepts the connection, so only a real answer counts.
 *
 * The connection leaves from this server's own config_server IP (the peer takes pair messages
 * from that address only), and with admin_secret set every pair request is signed.
 */
import { FrameConnection } from '../client/frame-connection.js';
import type { ServerAddress } from '../common/server-id.js';
import type { Packet, ResponsePacket } from '../protocol/index.js';
import { decodeResponse } from '../protocol/index.js';
import type { RequestSigner } from '../security/request-signer.js';
import { encodeRequestFrame } from '../security/request-signer.js';

/** PeerClientOptions — where to connect from and how to sign. */
export interface PeerClientOptions {
  localIp?: string;
  signer?: RequestSigner | null;
}

/** PeerClient — see the file comment. */
export class PeerClient {
  private connection: Promise<FrameConnection> | null = null;
  private closed = false;

  constructor(
    private readonly address: ServerAddress,
    private readonly options: PeerClientOptions = {},
  ) {}

  /** request — send `packet`, resolve with the decoded reply; rejects on timeout or failure. */
  async request(packet: Packet, timeoutMs: number): Promise<ResponsePacket> {
    const startMs = performance.now();
    const connection = await this.open(timeoutMs);
    try {
      const remainingMs = Math.max(1, timeoutMs - (performance.now() - startMs));
      const signer = this.options.signer ?? null;
      const frame = await connection.request((channelId) => encodeRequestFrame(channelId, packet, signer), remainingMs);
      return decodeResponse(frame.pcode, frame.body);
    } catch (error) {
      this.drop(connection);
      throw error;
    }
  }

  /** close — close the connection; later requests fail. */
  close(): void {
    this.closed = true;
    void this.connection?.then(
      (connection) => connection.close(),
      () => undefined,
    );
    this.connection = null;
  }

  private open(timeoutMs: number): Promise<FrameConnection> {
    if (this.closed) return Promise.reject(new Error('peer client closed'));
    const existing = this.connection;
    if (existing) {
      return existing.then((connection) => {
        if (!connection.closed) return connection;
        if (this.connection === existing) this.connection = null;
        return this.open(timeoutMs);
      });
    }
    const opening = FrameConnection.open(this.address, timeoutMs, this.options.localIp);
    this.connection = opening;
    opening.catch(() => {
      if (this.connection === opening) this.connection = null;
    });
    return opening.then((connection) => {
      if (this.closed) connection.close();
      return connection;
    });
  }

  private drop(connection: FrameConnection): void {
    connection.close();
    void this.connection?.then(
      (current) => {
        if (current === connection) this.connection = null;
      },
      () => undefined,
    );
  }
}
