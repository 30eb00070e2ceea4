/**
 * frame-fuzz — sends fuzz frames (frame-cases.ts) to a real `tair-cs start` from 127.0.0.1, which
 * its configuration makes a NON-allowed source (admin_allow and the peer are other addresses),
 * on `connectionCount` connections at once, and checks after every batch that the process still
 * runs, still answers, and that nothing an outsider must not change has changed (state.ts).
 *
 *   a case is   answered      a reply with its channel id
 *               closed        the server closed the connection (a malformed frame: expected)
 *               dropped       a partial frame: we close after sending it
 *               silent        nothing within 2 s (counted; a hang would show here)
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { FrameCases } from './frame-cases.js';

/** FrameFuzzTally — what the cases met. */
export interface FrameFuzzTally {
  cases: number;
  answered: number;
  closed: number;
  dropped: number;
  silent: number;
  /** bySource — cases per origin: `pcode N` (generated), `captured`, `random bytes`. */
  bySource: Record<string, number>;
  /** byMutation — cases per mutation (`as generated` for none). */
  byMutation: Record<string, number>;
}

const replyWaitMs = 2000;

/** runFrameCases — send `count` cases on `connectionCount` connections; `afterBatch` runs every `batch` cases. */
export async function runFrameCases(
  port: number,
  cases: FrameCases,
  count: number,
  connectionCount: number,
  batch: number,
  afterBatch: (sent: number) => Promise<void>,
): Promise<FrameFuzzTally> {
  const tally: FrameFuzzTally = { cases: 0, answered: 0, closed: 0, dropped: 0, silent: 0, bySource: {}, byMutation: {} };
  const workers = Array.from({ length: connectionCount }, () => new Worker(port));
  try {
    for (let sent = 0; sent < count; ) {
      const size = Math.min(batch, count - sent);
      let next = 0;
      await Promise.all(
        workers.map(async (worker) => {
          while (next < size) {
            next += 1;
            const frame = cases.next();
            const [source, mutation = source === 'random bytes' ? 'random bytes' : 'as generated'] = frame.kind.split(', ');
            tally.bySource[source] = (tally.bySource[source] ?? 0) + 1;
            tally.byMutation[mutation] = (tally.byMutation[mutation] ?? 0) + 1;
            tally[await worker.send(frame.bytes, frame.partial)] += 1;
            tally.cases += 1;
          }
        }),
      );
      sent += size;
      await afterBatch(sent);
    }
  } finally {
    for (const worker of workers) worker.close();
  }
  return tally;
}

/** Worker — one connection, reopened whenever the server closes it. */
class Worker {
  private socket: Socket | null = null;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { channelId: number; done: (outcome: 'answered' | 'closed') => void } | null = null;

  constructor(private readonly port: number) {}

  async send(bytes: Buffer, partial: boolean): Promise<'answered' | 'closed' | 'dropped' | 'silent'> {
    if (partial) {
      const socket = await this.open();
      socket.write(bytes);
      await new Promise((resolve) => setTimeout(resolve, 1));
      socket.destroy();
      return 'dropped';
    }
    this.socket ??= await this.open(true);
    const socket = this.socket;
    const channelId = bytes.length >= 8 ? bytes.readUInt32BE(4) : -1;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        socket.destroy();
        resolve('silent');
      }, replyWaitMs);
      this.waiting = {
        channelId,
        done: (outcome) => {
          clearTimeout(timer);
          this.waiting = null;
          resolve(outcome);
        },
      };
      socket.write(bytes);
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private open(own = false): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: this.port });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
      socket.on('error', () => undefined);
      if (!own) return;
      this.buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => this.receive(chunk));
      socket.on('close', () => {
        if (this.socket === socket) this.socket = null;
        this.waiting?.done('closed');
      });
    });
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 16 && this.buffered.length >= 16 + this.buffered.readInt32BE(12)) {
      const channelId = this.buffered.readUInt32BE(4);
      this.buffered = this.buffered.subarray(16 + this.buffered.readInt32BE(12));
      if (this.waiting?.channelId === channelId) this.waiting.done('answered');
    }
  }
}
