/**
 * The network lab itself (test/helpers/netns.ts): nodes reach each other and the root namespace
 * from their own addresses; block/unblock partitions two nodes only; cutLink isolates a node from
 * everyone. Runs as root (CI does); elsewhere it is skipped with a loud message.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { NetLab, netLabUnavailable, removeStaleLabs } from '../helpers/netns.js';

const unavailable = netLabUnavailable();
if (unavailable) console.warn(`\n*** SKIPPING network-namespace tests: ${unavailable} ***\n`);

let lab: NetLab;
let rootServer: Server;
let rootSeen: string[] = [];

/** connects — whether `from` (a node) reaches `ip:port` within 700 ms; prints the peer address the far side saw. */
async function connects(from: string, ip: string, port: number): Promise<boolean> {
  const script =
    `const s=require('net').connect({host:'${ip}',port:${port}});const t=setTimeout(()=>{console.log('no');process.exit(0)},700);` +
    `s.on('connect',()=>{console.log('yes');clearTimeout(t);s.destroy()});s.on('error',()=>{console.log('no');clearTimeout(t)})`;
  const { stdout } = await lab.exec(from, process.execPath, ['-e', script]);
  return stdout.trim() === 'yes';
}

/** connectsSoon — `connects`, tried for up to 5 s: a cable plugged back in or a route removed takes a moment to carry. */
async function connectsSoon(from: string, ip: string, port: number): Promise<boolean> {
  for (let attempt = 0; attempt < 7; attempt++) if (await connects(from, ip, port)) return true;
  return false;
}

describe.skipIf(unavailable !== null)('network lab', () => {
  beforeAll(async () => {
    removeStaleLabs('hdn');
    lab = await NetLab.create({ prefix: 'hdn', nodes: ['a', 'b', 'c'] });
    rootServer = createServer((socket) => {
      rootSeen.push(socket.remoteAddress ?? '');
      socket.destroy();
    });
    await new Promise<void>((resolve) => rootServer.listen(0, lab.rootIp, resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => rootServer?.close(() => resolve()));
    lab?.destroy();
  });

  test('nodes reach the root namespace from their own addresses', async () => {
    const { port } = rootServer.address() as { port: number };
    rootSeen = [];
    expect(await connects('a', lab.rootIp, port)).toBe(true);
    expect(await connects('c', lab.rootIp, port)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rootSeen.map((address) => address.replace('::ffff:', ''))).toEqual([lab.ipOf('a'), lab.ipOf('c')]);
  });

  test('block: only the pair is cut, both ways; unblock heals it; cutLink isolates a node from everyone', async () => {
    const { port } = rootServer.address() as { port: number };
    await lab.block('a', 'root');
    expect(await connects('a', lab.rootIp, port)).toBe(false);
    expect(await connects('b', lab.rootIp, port)).toBe(true);
    await lab.unblock('a', 'root');
    expect(await connectsSoon('a', lab.rootIp, port)).toBe(true);
    await lab.cutLink('b');
    expect(await connects('b', lab.rootIp, port)).toBe(false);
    expect(await connects('c', lab.rootIp, port)).toBe(true);
    await lab.healLink('b');
    expect(await connectsSoon('b', lab.rootIp, port)).toBe(true);
  });
});
