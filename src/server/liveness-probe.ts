/**
 * liveness-probe — the TCP connect probe of a silent data server: a server
 * whose port still accepts a connection is given until 2T before it is declared DOWN.
 */
import { connect } from 'node:net';
import { parseServerAddress } from '../common/server-id.js';

/** probeTimeoutMs — the original waited 10 ms; loopback answers far faster, a remote host may not. */
export const probeTimeoutMs = 500;

/**
 * probeServer — true when a TCP connection to `address` (ip:port) opens within the timeout.
 * After a stall of this process the timeout and the connection's completion are both due; timers
 * run before I/O, so the timeout gives up only after one more turn of the event loop has read
 * what is there (else a busy config server would find every silent server unreachable).
 */
export function probeServer(address: string, timeoutMs = probeTimeoutMs): Promise<boolean> {
  const { ip, port } = parseServerAddress(address, 0);
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    let done = false;
    const finish = (reachable: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => setImmediate(() => finish(false)));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
