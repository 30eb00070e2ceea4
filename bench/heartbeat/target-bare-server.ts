/**
 * target-bare-server — benchmark child: the floor to compare with. A plain Node TCP server that
 * splits the stream into frames and answers each with one fixed heartbeat reply (only the
 * channel id changes). Everything our server does beyond this is the cost of the config server.
 */
import { createServer } from 'node:net';
import { encodePacketFrame, FrameDecoder, Pcode } from '../../src/protocol/index.js';
import { serveCpuRequests } from './child-ipc.js';
import { freeLocalPort } from './free-port.js';

const fixedReply = encodePacketFrame(0, {
  pcode: Pcode.heartbeatResponse,
  body: {
    clientVersion: 10,
    serverVersion: 10,
    bucketCount: 0,
    copyCount: 0,
    downConfigServerId: 0n,
    transition: { version: 0, dataNeedMove: true, failovering: false, migrating: false },
    tableBlob: Buffer.alloc(0),
    groupName: 'group_1',
    plugins: null,
    pluginsVersion: 10,
    areaCapacityVersion: 10,
    areaQuotas: [],
    migratedInfo: [],
    recoveryServerIds: [],
    recoveryVersion: 0,
  },
});

async function main(): Promise<void> {
  const server = createServer({ noDelay: true }, (socket) => {
    const decoder = new FrameDecoder();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const reply = Buffer.allocUnsafe(fixedReply.length);
        fixedReply.copy(reply);
        reply.writeUInt32BE(frame.channelId, 4);
        socket.write(reply);
      }
    });
  });
  const port = await freeLocalPort();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port, backlog: 4096 }, resolve));
  serveCpuRequests(() => new Promise((resolve) => server.close(() => resolve())));
  process.send?.({ type: 'ready', port });
}

void main();
