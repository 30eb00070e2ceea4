/**
 * The HTTP surface's budgets with real sockets (every 127.x address is this host, so several
 * source addresses are one bind away): a client that drips its headers is cut at the headers
 * timeout; one address cannot hold more than its share; and when every connection is taken,
 * the address holding the most gives one up, so /healthz still answers.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { request } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import type { HttpRoutes } from '../../src/http/http-server.js';
import { StatusHttpServer } from '../../src/http/http-server.js';

const routes: HttpRoutes = {
  status: () => ({ ok: true }),
  table: () => ({ ok: false as const, status: 404, message: 'none' }),
  metrics: async () => ({ contentType: 'text/plain', text: '' }),
  serving: () => true,
  health: () => ({ server: { status: 'OK' as const }, line: 'HEALTH_OK' }),
};
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(budgets: ConstructorParameters<typeof StatusHttpServer>[2]): Promise<number> {
  const server = new StatusHttpServer(routes, pino({ level: 'silent' }), budgets);
  const { port } = await server.listen('127.0.0.1', 0);
  cleanups.push(() => server.close());
  return port;
}

/** dripper — a connection from `localAddress` that starts a request and sends a header byte every 50 ms. */
async function dripper(port: number, localAddress: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  const timer = setInterval(() => socket.write('a'), 50);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closed.then(() => clearInterval(timer));
  cleanups.push(() => {
    clearInterval(timer);
    socket.destroy();
  });
  return { socket, closed };
}

function healthz(port: number, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', localAddress, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP budgets', () => {
  test('a client dripping its headers is cut at the headers timeout', async () => {
    const port = await startServer({ headersTimeoutMs: 400, requestTimeoutMs: 2000, timeoutCheckMs: 100 });
    const { closed } = await dripper(port, '127.0.0.1');
    await closed;
    expect(await healthz(port, '127.0.0.1')).toBe(200);
  });

  test('one address gets its share; others still get in; when full, the largest holder makes room', async () => {
    const port = await startServer({
      connectionCountMax: 8,
      connectionsPerAddressMax: 4,
      headersTimeoutMs: 60_000,
      requestTimeoutMs: 60_000,
      timeoutCheckMs: 1000,
    });
    const flood = [];
    for (let i = 0; i < 4; i++) flood.push(await dripper(port, '127.0.0.2'));
    const fifth = await dripper(port, '127.0.0.2');
    await fifth.closed;
    for (let i = 0; i < 3; i++) flood.push(await dripper(port, '127.0.0.3'));
    expect(await healthz(port, '127.0.0.4')).toBe(200);
    // 7 held; one more from .3 fills it; then .5 takes the place of .2's oldest.
    flood.push(await dripper(port, '127.0.0.3'));
    expect(await healthz(port, '127.0.0.5')).toBe(200);
    await flood[0].closed;
    expect(flood.slice(1).every(({ socket }) => !socket.destroyed)).toBe(true);
  });
});
