/**
 * The liveness probe after a stall: a connection that opened while this process was busy counts,
 * even though its timeout fell due in the same stall.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { probeServer } from '../../src/server/liveness-probe.js';

let listener: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
  listener = null;
});

async function listening(): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  listener = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // a stall: no timer, no I/O callback runs meanwhile
  }
}

describe('liveness probe', () => {
  test('a port that accepts is reachable, even when the probe timed out during a stall of this process', async () => {
    const port = await listening();
    const probe = probeServer(`127.0.0.1:${port}`, 20);
    busyFor(150);
    expect(await probe).toBe(true);
  });

  test('a closed port is unreachable', async () => {
    const port = await listening();
    await new Promise<void>((resolve) => listener?.close(() => resolve()));
    listener = null;
    expect(await probeServer(`127.0.0.1:${port}`, 200)).toBe(false);
  });
});
