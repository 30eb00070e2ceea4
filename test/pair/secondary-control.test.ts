/**
 * pcode 1500 (edit _server_list) on a pair: the secondary refuses it (code 11, "send it to the
 * primary") and leaves its group.conf alone — the original applied it to its own copy, which the
 * primary's next push then overwrote; the primary applies it and the secondary gets the edit.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serverIdFromText } from '../../src/common/server-id.js';
import { DataServerControlCode, Pcode } from '../../src/protocol/index.js';
import { buildOnce, freePort } from '../server/helpers/config-server-process.js';
import { groupConfText } from '../server/helpers/group-conf.js';
import { eventually, PairProcesses, waitForEvent } from './helpers/pair-processes.js';

let pair: PairProcesses;

beforeAll(async () => {
  buildOnce();
  const ports = [await freePort(), await freePort(), await freePort()];
  pair = await PairProcesses.create({ groupConf: groupConfText({ ports, bucketCount: 16 }), peerTimeoutMs: 600 });
  for (const server of pair.servers) await server.start();
  await waitForEvent(pair.servers[1], 'pair-synced', 10_000);
});

afterAll(async () => {
  await pair?.cleanup();
});

describe('data-server control (1500) in a pair', () => {
  test('the secondary refuses it and changes nothing; the primary applies it and the secondary follows', async () => {
    const [primary, secondary] = pair.servers;
    const added = serverIdFromText('127.0.0.1:5999', 0);
    const before = readFileSync(secondary.groupConfPath, 'utf8');
    const refused = await secondary.request({ pcode: Pcode.dataServerControlRequest, body: { serverIds: [added], op: 0, groupName: 'group_1' } });
    expect(refused).toEqual({ pcode: Pcode.dataServerControlResponse, body: { codes: [DataServerControlCode.notPrimary] } });
    expect(readFileSync(secondary.groupConfPath, 'utf8')).toBe(before);
    await waitForEvent(secondary, 'server-list-edit-refused', 5000);
    const applied = await primary.request({ pcode: Pcode.dataServerControlRequest, body: { serverIds: [added], op: 0, groupName: 'group_1' } });
    expect(applied).toEqual({ pcode: Pcode.dataServerControlResponse, body: { codes: [DataServerControlCode.ok] } });
    await eventually(
      async () => readFileSync(secondary.groupConfPath, 'utf8').includes('127.0.0.1:5999'),
      10_000,
      () => 'the edit did not reach the secondary',
    );
  });
});
