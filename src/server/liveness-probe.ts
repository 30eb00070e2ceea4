/**
 * liveness-probe — the TCP connect probe of a silent data server: a server
 * whose port still accepts a connection is given until 2T before it is declared DOWN.
 */
import { connect } from 'node:net';
import { parseServerAddress } from '../common/server-id.js';

/** probeTimeoutMs — the original waited 10 ms; loopback answers far faster, a remote host may not. */
export const probeTimeoutMs = 500;

/** probeServer — true when a TCP connection to `address` (ip:port) opens within the timeout. */
export function probeServer(address: string, timeoutMs = probeTimeoutMs): Promise<boolean> {
  const { ip, port } = parseServerAddress(address, 0);
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const finish = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
