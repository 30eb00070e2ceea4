/**
 * load-generator — benchmark child: `connections` simulated data servers, each on its own TCP
 * connection, each sending a heartbeat every `intervalMs`, phases spread evenly over the
 * interval. Like the original's data servers they take the versions the replies carry, so after
 * the first table every reply is the small "nothing new" one.
 *
 *   orchestrator ─start─▶ connect all ─▶ 'connected' ─▶ … every server has version ≥ 10 ─▶ 'settled'
 *   orchestrator ─reset─▶ samples cleared          orchestrator ─report─▶ latencies and counts
 */
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { serverIdFromText } from '../../src/common/server-id.js';
import type { HeartbeatRequest } from '../../src/protocol/index.js';
import { decodeResponse, encodePacketFrame, FrameDecoder, Pcode } from '../../src/protocol/index.js';
import type { ChildMessage } from './child-ipc.js';
import { cpuPercent, summarize } from './stats.js';

interface Simulated {
  socket: Socket;
  request: HeartbeatRequest;
  nextBeatMs: number;
  sentAt: Map<number, number>;
}

interface StartMessage {
  port: number;
  connections: number;
  idPortBase: number;
  intervalMs: number;
}

const connectBatch = 200;
const scheduleTickMs = 5;
let samples: number[] = [];
let sent = 0;
let received = 0;
let nextChannel = 100;
let cpuAtReset = process.cpuUsage();
let wallAtReset = performance.now();
let settled = false;

async function start(message: StartMessage): Promise<Simulated[]> {
  const simulated: Simulated[] = [];
  for (let first = 0; first < message.connections; first += connectBatch) {
    const batch = [];
    for (let index = first; index < Math.min(first + connectBatch, message.connections); index++) {
      batch.push(open(message, index));
    }
    simulated.push(...(await Promise.all(batch)));
  }
  const startMs = performance.now();
  simulated.forEach((server, index) => {
    server.nextBeatMs = startMs + (index / simulated.length) * message.intervalMs;
  });
  setInterval(() => beat(simulated, message.intervalMs), scheduleTickMs);
  return simulated;
}

function open(message: StartMessage, index: number): Promise<Simulated> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: message.port });
    socket.setNoDelay(true);
    const server: Simulated = { socket, request: heartbeatOf(message.idPortBase + index), nextBeatMs: 0, sentAt: new Map() };
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) receive(server, frame.channelId, frame.pcode, frame.body);
    });
    socket.once('connect', () => resolve(server));
    socket.once('error', reject);
  });
}

function heartbeatOf(port: number): HeartbeatRequest {
  return {
    serverFlag: 1,
    serverId: serverIdFromText(`127.0.0.1:${port}`, 0),
    notReady: false,
    transition: { version: 0, dataNeedMove: false, failovering: false, migrating: false },
    configVersion: 0,
    recoveryVersion: 0,
    pullMigratedInfo: false,
    proxyBucketIndexes: [],
    pluginsVersion: 0,
    areaCapacityVersion: 0,
    areaCapacities: [],
    statBytes: Buffer.alloc(0),
  };
}

function beat(simulated: Simulated[], intervalMs: number): void {
  const nowMs = performance.now();
  for (const server of simulated) {
    if (server.nextBeatMs > nowMs) continue;
    server.nextBeatMs += intervalMs;
    const channelId = nextChannel++;
    server.sentAt.set(channelId, performance.now());
    server.socket.write(encodePacketFrame(channelId, { pcode: Pcode.heartbeatRequest, body: server.request }));
    sent += 1;
  }
  if (!settled && simulated.every((server) => server.request.configVersion >= 10)) {
    settled = true;
    process.send?.({ type: 'settled' });
  }
}

function receive(server: Simulated, channelId: number, pcode: number, body: Buffer): void {
  const sentAtMs = server.sentAt.get(channelId);
  if (sentAtMs === undefined) return;
  samples.push(performance.now() - sentAtMs);
  server.sentAt.delete(channelId);
  received += 1;
  const packet = decodeResponse(pcode, body);
  if (packet.pcode !== Pcode.heartbeatResponse) return;
  const reply = packet.body;
  const request = server.request;
  request.pluginsVersion = reply.pluginsVersion;
  request.areaCapacityVersion = reply.areaCapacityVersion;
  if (reply.bucketCount > 0 || reply.serverVersion >= 10) {
    request.configVersion = reply.serverVersion;
    request.transition = { ...request.transition, version: reply.transition.version };
  }
}

process.on('message', (message: ChildMessage) => {
  switch (message.type) {
    case 'start':
      void start(message as unknown as StartMessage).then(
        (simulated) => process.send?.({ type: 'connected', connections: simulated.length }),
        (error: unknown) => process.send?.({ type: 'connected', connections: 0, error: String(error) }),
      );
      break;
    case 'reset':
      samples = [];
      sent = 0;
      received = 0;
      cpuAtReset = process.cpuUsage();
      wallAtReset = performance.now();
      process.send?.({ type: 'reset' });
      break;
    case 'report':
      process.send?.({
        type: 'report',
        latency: summarize(samples),
        samples,
        sent,
        received,
        generatorCpuPercent: cpuPercent(cpuAtReset, process.cpuUsage(), performance.now() - wallAtReset),
      });
      break;
    case 'stop':
      process.exit(0);
  }
});
