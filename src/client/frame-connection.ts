/**
 * frame-connection — one outgoing TCP connection speaking tbnet frames, with
 * requests matched to replies by channel id, so many requests can be in flight at once.
 *
 *   request(encode, timeoutMs):  channelId = next id (from 100, never 0 or 0xffffffff)
 *                                socket ← encode(channelId)
 *                                resolve with the first frame that echoes channelId
 *
 * A reply that arrives after its timeout is dropped. A malformed frame, a socket error or the
 * peer closing fails every pending request with a FrameConnectionError and closes the connection;
 * callers open a new one.
 */
import { connect, type Socket } from 'node:net';
import { TairError } from '../errors.js';
import { FrameDecoder, type Frame } from '../protocol/index.js';
import type { ServerAddress } from '../common/server-id.js';
import type { TimerHandle, TimerSource } from '../common/timer-source.js';
import { systemTimers } from '../common/timer-source.js';

/** FrameConnectionError — the connection failed or a reply did not come in time (code ERR_CONNECTION). */
export class FrameConnectionError extends TairError {
  constructor(message: string) {
    super('ERR_CONNECTION', message);
  }
}

const channelIdFirst = 100;
const channelIdLast = 0xfffffffe;

interface Pending {
  resolve(frame: Frame): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

/** FrameConnection — an open connection; create it with `FrameConnection.open`. */
export class FrameConnection {
  /** address — the peer, as `ip:port`. */
  readonly address: string;
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private nextChannelId = channelIdFirst;
  private closedReason: string | null = null;
  private readonly closeListeners: ((reason: string) => void)[] = [];

  private constructor(
    socket: Socket,
    address: string,
    private readonly timers: TimerSource,
  ) {
    this.socket = socket;
    this.address = address;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(`${address}: ${error.message}`));
    socket.on('close', () => this.fail(`${address}: connection closed`));
  }

  /**
   * open — connect to `address` within `connectTimeoutMs` (on `timers`); rejects with
   * FrameConnectionError. `localIp` binds the local end (the pair connects from its own
   * config_server address, the one its peer lets in).
   */
  static open(address: ServerAddress, connectTimeoutMs: number, localIp?: string, timers: TimerSource = systemTimers): Promise<FrameConnection> {
    const text = `${address.ip}:${address.port}`;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.ip, port: address.port, ...(localIp ? { localAddress: localIp } : {}) });
      const timer = timers.setTimeout(() => {
        socket.destroy();
        reject(new FrameConnectionError(`${text}: no connection within ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      socket.once('connect', () => {
        timers.clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new FrameConnection(socket, text, timers));
      });
      socket.once('error', (error) => {
        timers.clearTimeout(timer);
        socket.destroy();
        reject(new FrameConnectionError(`${text}: ${error.message}`));
      });
    });
  }

  /** closed — whether the connection is gone (no request can succeed on it any more). */
  get closed(): boolean {
    return this.closedReason !== null;
  }

  /** pendingCount — requests waiting for their reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** onClose — call `listener` once when the connection closes, with the reason. */
  onClose(listener: (reason: string) => void): void {
    if (this.closedReason !== null) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  /** request — send the frame `encode(channelId)` builds and wait for its reply. */
  request(encode: (channelId: number) => Buffer, timeoutMs: number): Promise<Frame> {
    if (this.closedReason !== null) return Promise.reject(new FrameConnectionError(this.closedReason));
    const channelId = this.takeChannelId();
    const frame = encode(channelId);
    return new Promise((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(channelId);
        reject(new FrameConnectionError(`${this.address}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(channelId, { resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  /** close — close the connection; pending requests fail. */
  close(): void {
    this.fail(`${this.address}: connection closed by us`);
  }

  private takeChannelId(): number {
    const channelId = this.nextChannelId;
    this.nextChannelId = channelId >= channelIdLast ? channelIdFirst : channelId + 1;
    return channelId;
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.fail(`${this.address}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    for (const frame of frames) {
      const pending = this.pending.get(frame.channelId);
      if (!pending) continue;
      this.pending.delete(frame.channelId);
      this.timers.clearTimeout(pending.timer);
      pending.resolve(frame);
    }
  }

  private fail(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.socket.destroy();
    const error = new FrameConnectionError(reason);
    for (const pending of this.pending.values()) {
      this.timers.clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}
