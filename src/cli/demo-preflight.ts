/**
 * demo-preflight — before the demo starts anything: every pid file it would write must not name
 * a running process, and every port it would listen on must be free. A second `tair-cs demo`
 * (or `npm start`) beside a running one stops here, before it opens a log or prints "ready".
 */
import { createServer } from 'node:net';
import { livePid } from '../server/pid-file.js';
import type { DemoPlan } from './demo-plan.js';

/** demoPreflight — one sentence per problem; empty when the demo may start. */
export async function demoPreflight(plan: DemoPlan): Promise<string[]> {
  const problems: string[] = [];
  const demo = livePid(plan.demoPidFile);
  if (demo !== null) problems.push(`a demo is running already (pid ${demo}, ${plan.demoPidFile}): stop it with Ctrl-C in its terminal, or kill ${demo}`);
  const processes = [
    { what: 'the config server', pidFile: plan.configServer.pidFile },
    ...plan.dataServers.map((server) => ({ what: `data server ${server.address}`, pidFile: server.pidFile })),
  ];
  for (const { what, pidFile } of processes) {
    const pid = livePid(pidFile);
    if (pid !== null) problems.push(`${what} is running already (pid ${pid}, ${pidFile})`);
  }
  const ports = [
    { what: 'the config server', ip: plan.configServer.ip, port: plan.configServer.port },
    ...(plan.configServer.httpPort === null ? [] : [{ what: 'the status page', ip: plan.configServer.ip, port: plan.configServer.httpPort }]),
    ...plan.dataServers.map((server) => ({ what: `data server ${server.address}`, ip: '127.0.0.1', port: server.port })),
  ];
  for (const { what, ip, port } of ports) {
    const reason = await portTaken(ip, port);
    if (reason !== null) problems.push(`port ${port} (${what}) on ${ip} is taken: ${reason}`);
  }
  return problems;
}

/** portTaken — why `ip:port` cannot be listened on now, or null when it can. */
export function portTaken(ip: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE' ? 'another process listens there' : error.message));
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
