/**
 * Bad input and process life: malformed frames close only the connection that sent them while
 * a data server keeps heartbeating; a second server refuses a live pid file; a crash (SIGKILL)
 * loses no acknowledged progress; SIGINT stops cleanly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeFrame, Pcode } from '../../src/protocol/index.js';
import { buildOnce, ConfigServerProcess, exchange, freePort, openSocket, waitFor } from './helpers/config-server-process.js';
import { FakeDataServer } from './helpers/fake-data-server.js';
import { groupConfText } from './helpers/group-conf.js';

let server: ConfigServerProcess;
let dataServers: FakeDataServer[] = [];

beforeAll(async () => {
  buildOnce();
  const ports = [await freePort(), await freePort()];
  server = await ConfigServerProcess.create(groupConfText({ ports, bucketCount: 16 }));
  await server.start();
  dataServers = ports.map((port) => new FakeDataServer({ configServerPort: server.port, port, intervalMs: 100 }));
  for (const ds of dataServers) await ds.start();
  await waitFor(() => dataServers.every((ds) => ds.serverVersion >= 10), 10_000);
});

afterAll(async () => {
  for (const ds of dataServers) await ds.kill();
  await server?.cleanup();
});

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

const header = (pcode: number, bodyBytes: number, magic = 0x6d426454) => {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(magic, 0);
  bytes.writeUInt32BE(7, 4);
  bytes.writeInt32BE(pcode, 8);
  bytes.writeInt32BE(bodyBytes, 12);
  return bytes;
};

describe('malformed frames', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['a wrong magic', Buffer.concat([header(9, 0, 0xdeadbeef)]), /wrong magic/],
    ['an oversized length', header(9, 0x7fff_fff0), /over the limit/],
    ['an unknown pcode', encodeFrame(7, 7777, Buffer.alloc(4)), /unknown pcode 7777/],
    ['a truncated heartbeat body', encodeFrame(7, Pcode.heartbeatRequest, Buffer.alloc(5)), /heartbeat|server_id|bytes/i],
  ];
  for (const [what, bytes, reason] of cases) {
    test(`${what} closes that connection only, with the reason logged`, async () => {
      const [ds1] = dataServers;
      const repliesBefore = ds1.replies.length;
      const bad = await openSocket(server.port);
      bad.on('error', () => undefined);
      bad.write(bytes);
      await closed(bad);
      const logged = await server.waitForLog((line) => line.event === 'connection-closed' && reason.test(String(line.reason)), 3000);
      expect(String(logged.reason)).toMatch(/malformed frame/);
      await waitFor(() => ds1.replies.length > repliesBefore + 1, 3000);
      const good = await openSocket(server.port);
      const pong = await exchange(good, { pcode: Pcode.ping, body: { configVersion: 0, value: 0 } });
      expect(pong.body).toMatchObject({ code: 0 });
      good.destroy();
    });
  }
});

describe('process life', () => {
  test('a second server refuses to start over the live pid file', () => {
    const main = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
    const second = spawnSync(process.execPath, [main, 'start', '--config', server.configPath], { encoding: 'utf8', timeout: 10_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/refusing to start: .*cfgsvr\.pid names process \d+, which is running/);
  });

  test('after a crash (stale pid file) the restart serves the saved versions; SIGINT stops cleanly', async () => {
    const [ds1] = dataServers;
    const before = await server.request({ pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'group_1' } });
    await server.kill9();
    expect(existsSync(join(server.dir, 'cfgsvr.pid'))).toBe(true);
    await server.start();
    const after = await server.request({ pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'group_1' } });
    expect(after.body).toMatchObject({ configVersion: (before.body as { configVersion: number }).configVersion });
    await waitFor(() => ds1.replies.at(-1)?.serverVersion === ds1.serverVersion, 5000);
    expect(await server.stop('SIGINT')).toBe(0);
    expect(existsSync(join(server.dir, 'cfgsvr.pid'))).toBe(false);
  });
});
