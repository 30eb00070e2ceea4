/**
 * Fencing, in one process against a scripted peer: a primary whose push is refused because the
 * peer knows a newer epoch steps down and never publishes that table (data servers get nothing);
 * it then copies the newer state. Also: heartbeats and get_group while not serving are all zeros.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfigServerConf } from '../../src/config/configserver-conf.js';
import { Pcode } from '../../src/protocol/index.js';
import { ConfigServer } from '../../src/server/config-server.js';
import { exchange, freePort, openSocket, waitFor } from '../server/helpers/config-server-process.js';
import { FakeDataServer } from '../server/helpers/fake-data-server.js';
import { groupConfText } from '../server/helpers/group-conf.js';
import { FakePeer } from './helpers/fake-peer.js';

type LogRecord = Record<string, unknown> & { event?: string };
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** startEntryZero — our server as entry #0 with `peer` as entry #1; the data servers' ports. */
async function startEntryZero(peer: FakePeer): Promise<{ server: ConfigServer; logs: LogRecord[]; port: number; dataPorts: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-fencing-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [port, ...dataPorts] = [await freePort(), await freePort(), await freePort()];
  await writeFile(join(dir, 'group.conf'), groupConfText({ ports: dataPorts, bucketCount: 16, minDataServerCount: 2 }));
  peer.groupConf = await readFile(join(dir, 'group.conf'));
  await writeFile(
    join(dir, 'configserver.conf'),
    [
      '[public]',
      `config_server = 127.0.0.1:${port}`,
      `config_server = 127.0.0.1:${peer.port}`,
      '[configserver]',
      `port = ${port}`,
      `address = 127.0.0.1:${port}`,
      'group_file = group.conf',
      'data_dir = data',
      'log_file = cfgsvr.log',
      'pid_file = cfgsvr.pid',
      'peer_timeout_ms = 400',
      '',
    ].join('\n'),
  );
  const logs: LogRecord[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) });
  const server = new ConfigServer(await loadConfigServerConf(join(dir, 'configserver.conf')), logger, { tickMs: 20, cluster: { settleMs: 200 } });
  await server.start();
  cleanups.push(() => server.stop());
  return { server, logs, port, dataPorts };
}

async function fakePeer(): Promise<FakePeer> {
  const peer = await new FakePeer().start();
  cleanups.push(() => peer.stop());
  return peer;
}

describe('config-server pair: fencing', () => {
  test('a push refused for a newer epoch: step down, the table is never published, the newer state is copied', async () => {
    const peer = await fakePeer();
    peer.pushReply = { code: 1, message: 'stale epoch: this server is at epoch 3' };
    peer.afterPush = () => {
      peer.status = { entryIndex: 1, role: 'primary', epoch: 3n, syncToken: 77n, handingOver: false };
    };
    const { server, logs, port, dataPorts } = await startEntryZero(peer);
    await waitFor(() => logs.find((line) => line.event === 'pair-primary'), 5000);
    const dataServers = dataPorts.map((dataPort) => new FakeDataServer({ configServerPort: port, port: dataPort, intervalMs: 50 }));
    cleanups.push(async () => {
      for (const dataServer of dataServers) await dataServer.kill();
    });
    for (const dataServer of dataServers) await dataServer.start();
    await waitFor(
      () => logs.find((line) => line.event === 'pair-publication-withheld'),
      5000,
      () => logs.map((l) => `${l.time} ${l.event} ${l.msg}`).join('\n'),
    );
    expect(logs.some((line) => line.event === 'pair-step-down')).toBe(true);
    await waitFor(() => logs.find((line) => line.event === 'pair-synced'), 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(logs.filter((line) => line.event === 'published')).toEqual([]);
    for (const dataServer of dataServers) expect(dataServer.tables).toEqual([]);
    expect(peer.pushes.length).toBeGreaterThan(0);
    expect(server.roleInfo()).toEqual({ role: 'secondary', epoch: 3n });
  });

  test('while starting (the peer not heard yet) heartbeats and get_group are answered with zeros', async () => {
    const peer = await fakePeer();
    await peer.stop();
    const { port, dataPorts } = await startEntryZero(peer);
    const dataServer = new FakeDataServer({ configServerPort: port, port: dataPorts[0], intervalMs: 1000 });
    cleanups.push(() => dataServer.kill());
    await dataServer.start();
    const reply = await dataServer.heartbeatOnce();
    expect([reply.serverVersion, reply.clientVersion, reply.bucketCount, reply.tableBlob.length]).toEqual([0, 0, 0, 0]);
    const socket = await openSocket(port);
    try {
      const group = await exchange(socket, {
        pcode: Pcode.getGroupRequest,
        body: { configVersion: 0, groupName: 'group_1', extension: { epoch: 0n, largeTableAccepted: true } },
      });
      expect(group.pcode === Pcode.getGroupResponse && [group.body.bucketCount, group.body.configVersion]).toEqual([0, 0]);
      expect(group.pcode === Pcode.getGroupResponse && group.body.extension).toEqual({ epoch: 0n, role: 'secondary' });
    } finally {
      socket.destroy();
    }
  });
});
