/**
 * fake-peer — a scripted stand-in for the other config server of a pair, over real TCP: it answers
 * 1004 with a PairStatus the test sets, pushes (1103) with a code and message the test sets, pulls
 * (1003) with group.conf bytes and "no table", and set-master (1005) with 1.
 */
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { Packet, ServerTablePacket } from '../../../src/protocol/index.js';
import { decodeRequest, encodePacketFrame, FrameDecoder, Pcode, ServerTableType } from '../../../src/protocol/index.js';
import type { PairStatus } from '../../../src/pair/pair-status.js';
import { encodePairStatus, pairStatusType } from '../../../src/pair/pair-status.js';
import { groupConfPacket, tablePacket } from '../../../src/pair/table-transfer.js';

/** FakePeer — see the file comment. */
export class FakePeer {
  status: PairStatus = { entryIndex: 1, role: 'secondary', epoch: 0n, syncToken: 0n, handingOver: false };
  /** pushReply — how pushes are answered; `afterPush` runs once a push has been answered. */
  pushReply = { code: 0, message: '' };
  afterPush: (() => void) | null = null;
  /** hung — read requests but answer none (a stopped process: its port still accepts). */
  hung = false;
  groupConf = Buffer.alloc(0);
  readonly pushes: ServerTablePacket[] = [];
  port = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** start — listen on an ephemeral port (or `port`). */
  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /** stop — close everything. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (this.hung) continue;
        void this.answer(decodeRequest(frame.pcode, frame.body)).then((reply) => {
          if (reply) socket.write(encodePacketFrame(frame.channelId, reply));
          if (frame.pcode === Pcode.serverTable) this.afterPush?.();
        });
      }
    });
  }

  private async answer(packet: ReturnType<typeof decodeRequest>): Promise<Packet | null> {
    switch (packet.pcode) {
      case Pcode.configServerHeartbeat:
        return {
          pcode: Pcode.serverTable,
          body: { modifiedTimeS: 0, type: pairStatusType, groupName: '', originalBytes: 0, data: encodePairStatus(this.status) },
        };
      case Pcode.serverTable:
        this.pushes.push(packet.body);
        return { pcode: Pcode.returnPacket, body: { configVersion: 0, code: this.pushReply.code, message: this.pushReply.message } };
      case Pcode.getServerTableRequest:
        if (packet.body.type === ServerTableType.groupConfig)
          return { pcode: Pcode.serverTable, body: await groupConfPacket({ bytes: this.groupConf, mtimeS: 0 }) };
        return { pcode: Pcode.serverTable, body: await tablePacket(packet.body.groupName, null, 0) };
      case Pcode.setMaster:
        return { pcode: Pcode.returnPacket, body: { configVersion: 0, code: 1, message: '' } };
      default:
        return null;
    }
  }
}
