/**
 * fake-config-server — a small stand-in for the config server, for testing the client, the agent
 * and the reference data server over real TCP on 127.0.0.1. It speaks the real codec and follows
 * the original where these tests look: get_group, heartbeats with the data-server view
 * when the sender's versions differ, migrate finish and completion.
 * The test sets the tables; there is no liveness, no builder.
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  compressTable,
  dataServerView,
  decodeRequest,
  encodePacketFrame,
  FrameDecoder,
  Pcode,
  type HeartbeatRequest,
  type MigrateFinish,
  type RequestPacket,
} from '../../src/protocol/index.js';

/** FakeTables — what the fake serves. */
export interface FakeTables {
  bucketCount: number;
  copyCount: number;
  current: BigUint64Array;
  destination: BigUint64Array;
}

/** FakeConfigServer — one fake config server on an ephemeral port. */
export class FakeConfigServer {
  readonly groupName: string;
  port = 0;
  tables: FakeTables | null = null;
  clientVersion = 1;
  serverVersion = 1;
  transitionVersion = 0;
  /** solitary — answer every heartbeat with versions 1. */
  solitary = false;
  /** downConfigServerId — what heartbeat replies carry as down_slave_config_server. */
  downConfigServerId = 0n;
  /** finishCode — when set, every migrate finish is answered with it and not applied. */
  finishCode: number | null = null;
  /** sendTransitions — send tables when only the transition version differs (as the original does). */
  sendTransitions = true;
  /** completeMigrations — bump the server version once current equals destination. */
  completeMigrations = true;
  /** silent — accept connections but never answer. */
  silent = false;
  readonly heartbeats: HeartbeatRequest[] = [];
  readonly finishes: MigrateFinish[] = [];
  epoch = 0n;
  role: 'primary' | 'secondary' = 'primary';
  /** getGroupRequests — get_group requests answered so far. */
  getGroupRequests = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(groupName: string) {
    this.groupName = groupName;
    this.server = createServer((socket) => this.accept(socket));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** publish — new tables as a rebuild would: both versions bumped, transition reset. */
  publish(tables: FakeTables): void {
    this.tables = { ...tables, current: tables.current.slice(), destination: tables.destination.slice() };
    this.clientVersion = Math.max(10, this.clientVersion + 1);
    this.serverVersion = Math.max(10, this.serverVersion + 1);
    this.transitionVersion = 0;
  }

  /** migrating — current and destination differ. */
  get migrating(): boolean {
    const tables = this.tables;
    return tables !== null && tables.current.some((serverId, slot) => serverId !== tables.destination[slot]);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (this.silent) continue;
        const reply = this.answer(decodeRequest(frame.pcode, frame.body));
        if (reply) socket.write(encodePacketFrame(frame.channelId, reply));
      }
    });
  }

  private answer(packet: RequestPacket): Parameters<typeof encodePacketFrame>[1] | null {
    switch (packet.pcode) {
      case Pcode.getGroupRequest:
        this.getGroupRequests += 1;
        return {
          pcode: Pcode.getGroupResponse,
          body: this.groupResponse(packet.body.configVersion, packet.body.groupName, packet.body.extension !== undefined),
        };
      case Pcode.heartbeatRequest:
        this.heartbeats.push(packet.body);
        return { pcode: Pcode.heartbeatResponse, body: this.heartbeatResponse(packet.body) };
      case Pcode.migrateFinish:
        this.finishes.push(packet.body);
        return { pcode: Pcode.returnPacket, body: { configVersion: 0, code: this.applyFinish(packet.body), message: '' } };
      default:
        return null;
    }
  }

  private groupResponse(knownVersion: number, groupName: string, extended: boolean) {
    const known = groupName === this.groupName && this.tables !== null;
    const sameVersion = knownVersion === this.clientVersion;
    return {
      bucketCount: known ? this.tables!.bucketCount : 0,
      copyCount: known ? this.tables!.copyCount : 0,
      configVersion: known ? this.clientVersion : 0,
      groupParams: [],
      tableBlob: known && !sameVersion ? compressTable(this.tables!.current) : Buffer.alloc(0),
      availableServerIds: [],
      ...(extended ? { extension: { epoch: this.epoch, role: this.role } } : {}),
    };
  }

  private heartbeatResponse(request: HeartbeatRequest) {
    const tables = this.tables;
    const solitary = this.solitary;
    const sendTable =
      !solitary &&
      tables !== null &&
      (request.configVersion !== this.serverVersion || (this.sendTransitions && this.migrating && request.transition.version !== this.transitionVersion));
    return {
      clientVersion: solitary ? 1 : this.clientVersion,
      serverVersion: solitary ? 1 : this.serverVersion,
      bucketCount: sendTable ? tables.bucketCount : 0,
      copyCount: sendTable ? tables.copyCount : 0,
      downConfigServerId: this.downConfigServerId,
      transition: { version: this.transitionVersion, dataNeedMove: false, failovering: false, migrating: this.migrating },
      tableBlob: sendTable ? compressTable(dataServerView(tables.current, tables.destination)) : Buffer.alloc(0),
      groupName: this.groupName,
      plugins: null,
      pluginsVersion: 0,
      areaCapacityVersion: 0,
      areaQuotas: [],
      migratedInfo: [],
      recoveryServerIds: [],
      recoveryVersion: 0,
      ...(request.extension ? { extension: { epoch: this.epoch, role: this.role } } : {}),
    };
  }

  private applyFinish(finish: MigrateFinish): number {
    if (this.finishCode !== null) return this.finishCode;
    const tables = this.tables;
    if (!tables || finish.version !== this.serverVersion) return 1;
    const { bucketCount, copyCount } = tables;
    if (finish.bucketIndex < 0 || finish.bucketIndex >= bucketCount) return 1;
    if (tables.current[finish.bucketIndex] !== finish.serverId) return 0;
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      const slot = copyIndex * bucketCount + finish.bucketIndex;
      tables.current[slot] = tables.destination[slot];
    }
    this.clientVersion++;
    this.transitionVersion++;
    if (this.completeMigrations && !this.migrating) {
      this.clientVersion++;
      this.serverVersion++;
      this.transitionVersion = 0;
    }
    return 0;
  }
}
