import { afterEach, describe, expect, test } from 'vitest';
import { planBuckets, type AgentTables } from '../../src/agent/bucket-plan.js';
import { AgentView } from '../../src/agent/agent-view.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import {
  DataCode,
  DataPcode,
  dataReply,
  decodeDataReply,
  decodeDataRequest,
  encodeDataReply,
  encodeDataRequest,
  type DataReply,
} from '../../src/client/data-protocol.js';
import { bucketOfKey } from '../../src/client/tair-hash.js';
import { FrameDecoder, type Frame } from '../../src/protocol/index.js';
import { BucketStore } from '../../src/dataserver/bucket-store.js';
import { FrameServer } from '../../src/dataserver/frame-server.js';
import { Migrator } from '../../src/dataserver/migrator.js';
import { handleFrame } from '../../src/dataserver/request-handler.js';
import { ServingState } from '../../src/dataserver/serving-state.js';
import { freePorts, waitFor } from './cluster-helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A target data server whose answers the test controls. */
async function fakeTarget(answer: (pcode: number, reply: (result: DataReply) => void) => void): Promise<bigint> {
  const [port] = await freePorts(1);
  const server = new FrameServer(
    (frame, reply) => {
      const request = decodeDataRequest(frame);
      answer(request.pcode, (result) => reply(encodeDataReply(frame.channelId, result)));
    },
    () => undefined,
  );
  await server.listen(port, '127.0.0.1');
  cleanups.push(() => server.close());
  return serverIdFromText(`127.0.0.1:${port}`, 5191);
}

function frameOf(bytes: Buffer): Frame {
  return new FrameDecoder().push(bytes)[0];
}

describe('Migrator', () => {
  test('a replicated write the target missed during the copy makes the copy start over before it is reported', async () => {
    const selfId = serverIdFromText('127.0.0.1:7100', 5191);
    const pcodes: number[] = [];
    let failReplicate = true;
    let heldEnd: (() => void) | null = null;
    const targetId = await fakeTarget((pcode, reply) => {
      pcodes.push(pcode);
      if (pcode === DataPcode.replicate) reply(dataReply(10, failReplicate ? DataCode.invalid : DataCode.ok));
      else if (pcode === DataPcode.migrateEnd && heldEnd === null) heldEnd = () => reply(dataReply(10, DataCode.ok));
      else reply(dataReply(10, DataCode.ok));
    });
    const bucketCount = 4;
    const tables: AgentTables = AgentView.fromWhole(
      selfId,
      bucketCount,
      2,
      new BigUint64Array([selfId, selfId, selfId, selfId, 0n, 0n, 0n, 0n, selfId, selfId, selfId, selfId, targetId, targetId, targetId, targetId]),
    );
    const plan = planBuckets(selfId, tables);
    const state = new ServingState(selfId, 500);
    cleanups.push(() => state.closePeers());
    state.applyTables(tables, plan, 10, true);
    const store = new BucketStore();
    const key = [...Array(100).keys()].map((i) => Buffer.from(`key-${i}`)).find((candidate) => bucketOfKey(candidate, bucketCount) === 0)!;
    store.put(0, key, Buffer.from('old'));
    const reported: number[] = [];
    const migrator = new Migrator({
      state,
      store,
      startDelayMs: 0,
      retryDelayMs: 10,
      concurrency: 1,
      isWanted: () => true,
      report: (bucketIndex) => reported.push(bucketIndex) > 0,
      onCopied: () => undefined,
      onProblem: () => undefined,
    });
    cleanups.push(() => migrator.cancel());
    migrator.startEpoch(10, [plan.migrations[0]]);
    await waitFor(() => heldEnd !== null, 'the first copy to reach its end');
    const answer = await new Promise<DataReply>((resolve) => {
      const context = { state, store, onReplicaFailure: () => undefined, onProblem: () => undefined };
      handleFrame(
        frameOf(encodeDataRequest(1, { pcode: DataPcode.put, key, value: Buffer.from('new') })),
        (bytes) => resolve(decodeDataReply(frameOf(bytes))),
        context,
      );
    });
    expect(answer.code).toBe(DataCode.replicaFailed);
    failReplicate = false;
    heldEnd!();
    await waitFor(() => reported.length === 1, 'the bucket to be reported');
    expect(pcodes.filter((pcode) => pcode === DataPcode.migrateBegin)).toHaveLength(2);
    expect(reported).toEqual([0]);
  });
});
