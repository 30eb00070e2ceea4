/**
 * free-port — a 127.0.0.1 port nothing listens on right now.
 */
import { createServer } from 'node:net';

/** freeLocalPort — bind port 0, read the port, release it. */
export async function freeLocalPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
