/**
 * The pair on a manual clock (no fixed sleeps, src/common/clock.ts): our server is entry #1, a
 * scripted entry #0 is primary. The peer timeout is counted in clock time, so the test says
 * exactly when a hung primary is replaced however slow the machine is: never before
 * peer_timeout_ms (1500, the default) of silence, and within one tick after it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfigServerConf } from '../../src/config/configserver-conf.js';
import { ConfigServer } from '../../src/server/config-server.js';
import { freePort, waitFor } from '../server/helpers/config-server-process.js';
import { groupConfText } from '../server/helpers/group-conf.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { FakePeer } from './helpers/fake-peer.js';

type LogRecord = Record<string, unknown> & { event?: string };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function secondaryOf(peer: FakePeer, clock: ManualClock): Promise<{ server: ConfigServer; logs: LogRecord[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-pair-clock-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [port, ...dataPorts] = [await freePort(), await freePort(), await freePort()];
  await writeFile(join(dir, 'group.conf'), groupConfText({ ports: dataPorts, bucketCount: 16 }));
  peer.groupConf = await readFile(join(dir, 'group.conf'));
  await writeFile(
    join(dir, 'configserver.conf'),
    [
      '[public]',
      `config_server = 127.0.0.1:${peer.port}`,
      `config_server = 127.0.0.1:${port}`,
      '[configserver]',
      `port = ${port}`,
      `address = 127.0.0.1:${port}`,
      'group_file = group.conf',
      'data_dir = data',
      '',
    ].join('\n'),
  );
  const logs: LogRecord[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) });
  const server = new ConfigServer(await loadConfigServerConf(join(dir, 'configserver.conf')), logger, { clock, tickMs: 100 });
  await server.start();
  cleanups.push(() => server.stop());
  return { server, logs };
}

describe('the pair on a manual clock', () => {
  test('a hung primary is replaced after exactly the peer timeout of silence, counted in clock time', async () => {
    const clock = new ManualClock();
    const peer = await new FakePeer().start();
    cleanups.push(() => peer.stop());
    peer.status = { entryIndex: 0, role: 'primary', epoch: 0n, syncToken: 5n, handingOver: false };
    const { server, logs } = await secondaryOf(peer, clock);
    const logged = (event: string) => logs.find((line) => line.event === event);
    // One tick sends the heartbeat; the answer and the pull are real I/O: wait for them, clock still.
    await clock.advance(100);
    await waitFor(() => logged('pair-peer'), 10_000);
    await clock.advance(100);
    await waitFor(() => logged('pair-synced'), 10_000);
    expect(server.roleInfo()).toEqual({ role: 'secondary', epoch: 0n });
    peer.hung = true;
    await clock.advance(1100);
    expect(logged('pair-primary')).toBeUndefined();
    await clock.advance(600);
    const took = await waitFor(() => logged('pair-primary'), 10_000);
    expect(took).toMatchObject({ epoch: '1', newEpoch: true });
    // The decision came at the first pair tick (every 93 ms here) after 1500 ms without an answer.
    expect(Number(took?.peerSilentMs)).toBeGreaterThanOrEqual(1500);
    expect(Number(took?.peerSilentMs)).toBeLessThanOrEqual(1500 + 100);
    expect(server.roleInfo()).toEqual({ role: 'primary', epoch: 1n });
  });
});
