/**
 * original-data-server — a data server that behaves like the original Tair one toward a pair:
 * no extension trailer, heartbeats to both config servers every `intervalMs`, replies applied
 * by the original's rule (entry #0's always, entry #1's while entry #0 is
 * flagged down by a down_slave_config_server), migrate-finish sent when the test says so, to the
 * entry it follows. It migrates nothing by itself, so a test holds a migration half done.
 */
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { ConfigServerPair } from '../../../src/agent/config-server-pair.js';
import { serverIdFromText } from '../../../src/common/server-id.js';
import { originalHeartbeat } from '../../helpers/original-heartbeat.js';
import type { HeartbeatRequest, HeartbeatResponse, ResponsePacket } from '../../../src/protocol/index.js';
import { decodeResponse, encodePacketFrame, FrameDecoder, inflateTable, Pcode } from '../../../src/protocol/index.js';
import { needsMigration } from '../../../src/cluster/migration-plan.js';
import { exchange, openSocket } from '../../server/helpers/config-server-process.js';

/** OriginalDataServer — see the file comment. */
export class OriginalDataServer {
  readonly id: string;
  readonly serverId: bigint;
  serverVersion = 0;
  transitionVersion = 0;
  migrating = false;
  bucketCount = 0;
  current = new BigUint64Array(0);
  destination = new BigUint64Array(0);
  /** applied — server versions of the tables applied, in order. */
  readonly applied: number[] = [];
  private readonly pair: ConfigServerPair;
  private listener: Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly sockets: (Socket | null)[];
  private readonly waiting = new Map<number, (packet: ResponsePacket) => void>();
  private readonly busy: boolean[];
  private channel = 1000;

  constructor(
    private readonly configServerPorts: number[],
    readonly port: number,
    private readonly intervalMs = 200,
  ) {
    this.id = `127.0.0.1:${port}`;
    this.serverId = serverIdFromText(this.id, 0);
    this.pair = new ConfigServerPair(configServerPorts.map((csPort) => serverIdFromText(`127.0.0.1:${csPort}`, 0)));
    this.sockets = configServerPorts.map(() => null);
    this.busy = configServerPorts.map(() => false);
  }

  /** start — listen (so liveness probes find it) and heartbeat from now on. */
  async start(): Promise<void> {
    this.listener = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => this.listener?.listen(this.port, '127.0.0.1', resolve));
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    this.beat();
  }

  /** kill — silent and closed, as a dead process. */
  async kill(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const socket of this.sockets) socket?.destroy();
    await new Promise<void>((resolve) => (this.listener ? this.listener.close(() => resolve()) : resolve()));
    this.listener = null;
  }

  /** activeIndex — the config server it follows (and sends finishes to). */
  get activeIndex(): number {
    return this.pair.activeIndex();
  }

  /** bucketsToMigrate — buckets it masters whose data still has to move. */
  bucketsToMigrate(): number[] {
    const values = new Map<bigint, number>([[0n, 0]]);
    const valueOf = (id: bigint) => values.get(id) ?? (values.set(id, values.size), values.size - 1);
    const current = Uint32Array.from(this.current, valueOf);
    const destination = Uint32Array.from(this.destination, valueOf);
    const buckets: number[] = [];
    for (let bucketIndex = 0; bucketIndex < this.bucketCount; bucketIndex++) {
      if (this.current[bucketIndex] === this.serverId && needsMigration(current, destination, bucketIndex, this.bucketCount)) buckets.push(bucketIndex);
    }
    return buckets;
  }

  /** sendFinish — a migrate-finish to config server `entryIndex` (default: the one it follows); the reply code. */
  async sendFinish(bucketIndex: number, entryIndex = this.activeIndex): Promise<number> {
    const socket = await openSocket(this.configServerPorts[entryIndex]);
    try {
      const reply = await exchange(
        socket,
        { pcode: Pcode.migrateFinish, body: { version: this.serverVersion, serverId: this.serverId, bucketIndex } },
        this.channel++,
      );
      if (reply.pcode !== Pcode.returnPacket) throw new Error(`finish answered with pcode ${reply.pcode}`);
      return reply.body.code;
    } finally {
      socket.destroy();
    }
  }

  private beat(): void {
    this.configServerPorts.forEach((_port, entryIndex) => {
      if (this.busy[entryIndex]) return;
      this.busy[entryIndex] = true;
      this.heartbeat(entryIndex)
        .then((response) => this.absorb(entryIndex, response))
        .catch(() => {
          this.sockets[entryIndex]?.destroy();
          this.sockets[entryIndex] = null;
        })
        .finally(() => {
          this.busy[entryIndex] = false;
        });
    });
  }

  private async heartbeat(entryIndex: number): Promise<HeartbeatResponse> {
    let socket = this.sockets[entryIndex];
    if (!socket || socket.destroyed) {
      socket = await openSocket(this.configServerPorts[entryIndex]);
      this.sockets[entryIndex] = socket;
      const decoder = new FrameDecoder();
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          const waiter = this.waiting.get(frame.channelId);
          this.waiting.delete(frame.channelId);
          waiter?.(decodeResponse(frame.pcode, frame.body));
        }
      });
    }
    const channelId = this.channel++;
    const reply = await new Promise<ResponsePacket>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(channelId);
        reject(new Error('no heartbeat reply within 2 s'));
      }, 2000);
      this.waiting.set(channelId, (packet) => {
        clearTimeout(timer);
        resolve(packet);
      });
      socket.write(encodePacketFrame(channelId, { pcode: Pcode.heartbeatRequest, body: this.request() }));
    });
    if (reply.pcode !== Pcode.heartbeatResponse) throw new Error(`heartbeat answered with pcode ${reply.pcode}`);
    return reply.body;
  }

  private request(): HeartbeatRequest {
    return originalHeartbeat(this);
  }

  private absorb(entryIndex: number, response: HeartbeatResponse): void {
    this.pair.note(entryIndex, response.downConfigServerId);
    if (!this.pair.isApplied(entryIndex) || response.serverVersion < 10 || response.tableBlob.length === 0) return;
    const slotCount = response.bucketCount * response.copyCount;
    const view = inflateTable(response.tableBlob, 2 * slotCount);
    this.bucketCount = response.bucketCount;
    this.current = view.slice(0, slotCount);
    this.destination = view.slice(slotCount);
    this.serverVersion = response.serverVersion;
    this.transitionVersion = response.transition.version;
    this.migrating = response.transition.migrating;
    this.applied.push(response.serverVersion);
  }
}
