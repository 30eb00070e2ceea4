/**
 * cluster-helpers — in-process reference data servers around a fake config server, on
 * ephemeral ports of 127.0.0.1, for the client and data-server tests.
 */
import { createServer } from 'node:net';
import { pino } from 'pino';
import { DataServer } from '../../src/dataserver/data-server.js';
import { FakeConfigServer } from '../agent/fake-config-server.js';
import { idsOf } from '../agent/test-tables.js';

/** freePorts — `count` ports that were free a moment ago (bound to 0, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** TestCluster — a fake config server and some data servers. */
export interface TestCluster {
  configServer: FakeConfigServer;
  ports: number[];
  ids: bigint[];
  dataServers: Map<number, DataServer>;
  startDataServer(port: number): Promise<DataServer>;
  stop(): Promise<void>;
}

/** startCluster — a fake config server for `groupName` and one data server per port (not started when `start` is false). */
export async function startCluster(groupName: string, serverCount: number, start = true): Promise<TestCluster> {
  const configServer = await new FakeConfigServer(groupName).start();
  const ports = await freePorts(serverCount);
  const dataServers = new Map<number, DataServer>();
  const cluster: TestCluster = {
    configServer,
    ports,
    ids: idsOf(ports),
    dataServers,
    async startDataServer(port: number): Promise<DataServer> {
      const server = new DataServer({
        port,
        configServers: [configServer.address],
        groupName,
        logger: pino({ level: 'silent' }),
        heartbeatIntervalMs: 50,
        migrateStartDelayMs: 20,
        requestTimeoutMs: 1000,
      });
      await server.start();
      dataServers.set(port, server);
      return server;
    },
    async stop(): Promise<void> {
      await Promise.all([...dataServers.values()].map((server) => server.stop()));
      await configServer.stop();
    },
  };
  if (start) for (const port of ports) await cluster.startDataServer(port);
  return cluster;
}

/** waitFor — poll `condition` every 10 ms until true; throws after `timeoutMs` with `what`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
