/**
 * The TCP listener's budgets: connections per address and in total (the largest holder makes
 * room), and bytes of incomplete frames across all connections (the largest holders are closed
 * first). Real sockets from several loopback addresses; the budget itself also as a property.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { encodePacketFrame, Pcode } from '../../src/protocol/index.js';
import { ConnectionBudget } from '../../src/server/connection-budget.js';
import type { ListenerLimits } from '../../src/server/tcp-listener.js';
import { TcpListener } from '../../src/server/tcp-listener.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(limits: Partial<ListenerLimits>): Promise<{ listener: TcpListener; port: number }> {
  const echo = {
    handle: (connection: { send(bytes: Buffer): void }, frame: { channelId: number }) =>
      connection.send(encodePacketFrame(frame.channelId, { pcode: Pcode.returnPacket, body: { configVersion: 0, code: 0, message: '' } })),
  };
  const listener = new TcpListener(
    echo as never,
    {
      connectionCountMax: 100,
      connectionsPerAddressMax: 100,
      partialFrameBytesTotalMax: 1 << 20,
      requestBodyBytesMax: 1 << 20,
      writeBacklogBytesMax: 1 << 20,
      tableBacklogBytesMax: 1 << 20,
      idleTimeoutMs: 60_000,
      ...limits,
    },
    pino({ level: 'silent' }),
  );
  const { port } = await listener.listen('127.0.0.1', 0);
  cleanups.push(() => listener.close());
  return { listener, port };
}

async function open(port: number, localAddress: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  cleanups.push(() => socket.destroy());
  return { socket, closed };
}

async function pings(port: number, localAddress: string): Promise<boolean> {
  const { socket } = await open(port, localAddress);
  return new Promise((resolve) => {
    socket.once('data', () => resolve(true));
    socket.once('close', () => resolve(false));
    socket.write(encodePacketFrame(9, { pcode: Pcode.ping, body: { configVersion: 0, value: 0 } }));
  });
}

async function until(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(probe()).toBe(true);
}

describe('TCP listener budgets', () => {
  test('per address and in total: a flood from one address cannot lock out the others', async () => {
    const { listener, port } = await listen({ connectionCountMax: 6, connectionsPerAddressMax: 4 });
    const flood = [];
    for (let i = 0; i < 4; i++) flood.push(await open(port, '127.0.0.2'));
    const extra = await open(port, '127.0.0.2');
    await extra.closed;
    await until(() => listener.connectionCount === 4);
    for (let i = 0; i < 2; i++) await open(port, '127.0.0.3');
    await until(() => listener.connectionCount === 6);
    expect(await pings(port, '127.0.0.4')).toBe(true);
    await flood[0].closed;
    expect(listener.connectionCount).toBeLessThanOrEqual(6);
  });

  test('incomplete frames over the total budget: the largest holders are closed first', async () => {
    const { listener, port } = await listen({ partialFrameBytesTotalMax: 1000 });
    const header = (bodyBytes: number) => {
      const frame = Buffer.alloc(16);
      frame.writeUInt32BE(0x6d426454, 0);
      frame.writeInt32BE(Pcode.ping, 8);
      frame.writeInt32BE(bodyBytes, 12);
      return frame;
    };
    const small = [await open(port, '127.0.0.5'), await open(port, '127.0.0.6')];
    const big = await open(port, '127.0.0.7');
    for (const { socket } of small) socket.write(Buffer.concat([header(5000), Buffer.alloc(300)]));
    await until(() => listener.partialFrameBytes === 632);
    big.socket.write(Buffer.concat([header(5000), Buffer.alloc(500)]));
    await big.closed;
    expect(listener.partialFrameBytes).toBe(632);
    expect(small.every(({ socket }) => !socket.destroyed)).toBe(true);
  });

  test('the budget as a property: never over either limit, and a smaller holder always gets in when full', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('open' as const), address: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.array(event, { maxLength: 200 }), (totalMax, perAddressMax, events) => {
        const budget = new ConnectionBudget<number>(totalMax, perAddressMax);
        const held: { address: string; id: number }[] = [];
        let nextId = 0;
        for (const step of events) {
          if (step.kind === 'close') {
            if (held.length === 0) continue;
            const [gone] = held.splice(step.pick % held.length, 1);
            budget.release(gone.address, gone.id);
            continue;
          }
          const address = `a${step.address}`;
          const counts = new Map<string, number>();
          for (const { address: holder } of held) counts.set(holder, (counts.get(holder) ?? 0) + 1);
          const own = counts.get(address) ?? 0;
          const largest = Math.max(0, ...counts.values());
          const id = nextId++;
          const verdict = budget.admit(address, id);
          if (own < perAddressMax && held.length >= totalMax && largest > own + 1) expect(verdict.admitted).toBe(true);
          if (own >= perAddressMax) expect(verdict.admitted).toBe(false);
          if (verdict.admitted) {
            if (verdict.evicted !== null)
              held.splice(
                held.findIndex((entry) => entry.id === verdict.evicted),
                1,
              );
            held.push({ address, id });
          }
          expect(budget.size).toBe(held.length);
          expect(held.length).toBeLessThanOrEqual(totalMax);
          expect(budget.countOf(address)).toBeLessThanOrEqual(perAddressMax);
        }
      }),
    );
  });
});
