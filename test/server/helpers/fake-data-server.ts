/**
 * fake-data-server — a data server that speaks the original wire protocol through our codec:
 * it listens on its own port (so the config server's TCP probe finds it), heartbeats every
 * `intervalMs` on one persistent connection, takes the tables the replies carry, and migrates
 * buckets by sending migrate-finish (1201) on short connections, as the original's do.
 */
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { serverIdFromText } from '../../../src/common/server-id.js';
import { originalHeartbeat } from '../../helpers/original-heartbeat.js';
import type { HeartbeatRequest, HeartbeatResponse, ResponsePacket } from '../../../src/protocol/index.js';
import { decodeResponse, encodePacketFrame, FrameDecoder, inflateTable, Pcode } from '../../../src/protocol/index.js';
import { needsMigration } from '../../../src/cluster/migration-plan.js';

/** FakeDataServerOptions — where the config server is and how often to beat. */
export interface FakeDataServerOptions {
  configServerPort: number;
  port: number;
  intervalMs?: number;
}

/** ReceivedTable — a table a heartbeat reply carried, with its versions. */
export interface ReceivedTable {
  atMs: number;
  clientVersion: number;
  serverVersion: number;
  transitionVersion: number;
  migrating: boolean;
  current: BigUint64Array;
  destination: BigUint64Array;
}

/** FakeDataServer — see the file comment. */
export class FakeDataServer {
  readonly id: string;
  readonly serverId: bigint;
  serverVersion = 0;
  clientVersion = 0;
  transitionVersion = 0;
  bucketCount = 0;
  copyCount = 0;
  /** current / destination — the last tables received, as u64 ids. */
  current = new BigUint64Array(0);
  destination = new BigUint64Array(0);
  /** replies — every heartbeat reply, oldest first. */
  readonly replies: HeartbeatResponse[] = [];
  /** tables — every table received, oldest first. */
  readonly tables: ReceivedTable[] = [];
  notReady = false;
  private listener: Server | null = null;
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnecting = false;
  private nextChannel = 100;
  private readonly waiting = new Map<number, (packet: ResponsePacket) => void>();

  constructor(private readonly options: FakeDataServerOptions) {
    this.id = `127.0.0.1:${options.port}`;
    this.serverId = serverIdFromText(this.id, 0);
  }

  /** start — listen on its port and heartbeat from now on. */
  async start(): Promise<void> {
    this.listener = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => this.listener?.listen(this.options.port, '127.0.0.1', resolve));
    this.socket = await this.openConnection();
    this.beat();
    this.timer = setInterval(() => this.beat(), this.options.intervalMs ?? 1000);
  }

  /** kill — stop heartbeating and close the port, as a dead process would. */
  async kill(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    await new Promise<void>((resolve) => (this.listener ? this.listener.close(() => resolve()) : resolve()));
    this.listener = null;
  }

  /** heartbeatOnce — one heartbeat on the persistent connection; resolves with the reply. */
  async heartbeatOnce(): Promise<HeartbeatResponse> {
    if (!this.socket) throw new Error(`${this.id} is not connected`);
    const packet = await this.request(this.socket, { pcode: Pcode.heartbeatRequest, body: this.heartbeatRequest() });
    if (packet.pcode !== Pcode.heartbeatResponse) throw new Error(`unexpected reply pcode ${packet.pcode}`);
    this.absorb(packet.body);
    return packet.body;
  }

  /** bucketsToMigrate — buckets it masters in its current table that still have to move. */
  bucketsToMigrate(): number[] {
    const buckets: number[] = [];
    const { bucketCount } = this;
    const values = new Map<bigint, number>([[0n, 0]]);
    const valueOf = (id: bigint) => values.get(id) ?? (values.set(id, values.size), values.size - 1);
    const current = Uint32Array.from(this.current, valueOf);
    const destination = Uint32Array.from(this.destination, valueOf);
    for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
      if (this.current[bucketIndex] === this.serverId && needsMigration(current, destination, bucketIndex, bucketCount)) buckets.push(bucketIndex);
    }
    return buckets;
  }

  /** sendFinish — a migrate-finish on a new short connection; resolves with the reply code. */
  async sendFinish(bucketIndex: number, version = this.serverVersion): Promise<number> {
    const socket = await this.openConnection();
    try {
      const packet = await this.request(socket, { pcode: Pcode.migrateFinish, body: { version, serverId: this.serverId, bucketIndex } });
      if (packet.pcode !== Pcode.returnPacket) throw new Error(`unexpected reply pcode ${packet.pcode}`);
      return packet.body.code;
    } finally {
      socket.destroy();
    }
  }

  private heartbeatRequest(): HeartbeatRequest {
    return originalHeartbeat(this);
  }

  private absorb(response: HeartbeatResponse): void {
    this.replies.push(response);
    this.clientVersion = response.clientVersion;
    if (response.bucketCount === 0) return;
    this.bucketCount = response.bucketCount;
    this.copyCount = response.copyCount;
    this.serverVersion = response.serverVersion;
    this.transitionVersion = response.transition.version;
    if (response.tableBlob.length === 0) return;
    const slotCount = response.bucketCount * response.copyCount;
    const view = inflateTable(response.tableBlob, 2 * slotCount);
    this.current = view.slice(0, slotCount);
    this.destination = view.slice(slotCount);
    this.tables.push({
      atMs: Date.now(),
      clientVersion: response.clientVersion,
      serverVersion: response.serverVersion,
      transitionVersion: response.transition.version,
      migrating: response.transition.migrating,
      current: this.current,
      destination: this.destination,
    });
  }

  private beat(): void {
    if (this.reconnecting) return;
    if (!this.socket || this.socket.destroyed) {
      // The config server went away (restart): reconnect, as the original's data servers do.
      this.reconnecting = true;
      this.openConnection()
        .then((socket) => {
          if (this.timer) this.socket = socket;
          else socket.destroy();
        })
        .catch(() => undefined)
        .finally(() => {
          this.reconnecting = false;
        });
      return;
    }
    this.heartbeatOnce().catch(() => undefined);
  }

  private openConnection(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: this.options.configServerPort }, () => resolve(socket));
      socket.once('error', reject);
      socket.on('error', () => undefined);
      const decoder = new FrameDecoder();
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          const waiter = this.waiting.get(frame.channelId);
          this.waiting.delete(frame.channelId);
          waiter?.(decodeResponse(frame.pcode, frame.body));
        }
      });
    });
  }

  private request(socket: Socket, packet: Parameters<typeof encodePacketFrame>[1]): Promise<ResponsePacket> {
    const channelId = this.nextChannel++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(channelId);
        reject(new Error(`${this.id}: no reply to pcode ${packet.pcode} within 5 s`));
      }, 5000);
      this.waiting.set(channelId, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      socket.write(encodePacketFrame(channelId, packet));
    });
  }
}
