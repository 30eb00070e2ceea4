/**
 * request-handler — the reference data server's answers (docs/data-protocol.md).
 *
 *   put / remove  master of the key's bucket? apply, replicate to the other copies (and the
 *                 migration targets), wait for every copy, answer ok — else wrongServer
 *   get           a holder (or a padding copy whose migration completed)? answer — else wrongServer
 *   replicate, migrate begin / batch / end   from peers: applied at once, in arrival order
 *   no table or solitary: notServing
 *
 * Every reply carries the client version this server holds. State changes happen synchronously
 * when a frame arrives, so frames on one connection are applied in the order they were sent.
 */
import { bucketOfKey } from '../client/tair-hash.js';
import { DataCode, DataPcode, dataReply, decodeDataRequest, encodeDataReply, type DataReply, type DataRequest } from '../client/data-protocol.js';
import type { Frame } from '../protocol/index.js';
import type { BucketStore } from './bucket-store.js';
import type { ServingState } from './serving-state.js';

/** HandlerContext — what the handler reads and changes. */
export interface HandlerContext {
  state: ServingState;
  store: BucketStore;
  /** onReplicaFailure — a copy did not confirm a write (logged; the client is told replicaFailed). */
  onReplicaFailure(bucketIndex: number, serverId: bigint, reason: string): void;
  onProblem(message: string): void;
}

/** handleFrame — answer one frame of the data protocol. */
export function handleFrame(frame: Frame, reply: (frameBytes: Buffer) => void, context: HandlerContext): void {
  let request: DataRequest;
  try {
    request = decodeDataRequest(frame);
  } catch (error) {
    context.onProblem(`refused a frame: ${(error as Error).message}`);
    reply(encodeDataReply(frame.channelId, dataReply(context.state.clientVersion, DataCode.invalid)));
    return;
  }
  const answer = (result: DataReply): void => reply(encodeDataReply(frame.channelId, result));
  const outcome = handleRequest(request, context);
  if (outcome instanceof Promise) outcome.then(answer, () => answer(dataReply(context.state.clientVersion, DataCode.replicaFailed)));
  else answer(outcome);
}

function handleRequest(request: DataRequest, context: HandlerContext): DataReply | Promise<DataReply> {
  const { state, store } = context;
  switch (request.pcode) {
    case DataPcode.put:
    case DataPcode.remove:
      return handleWrite(request, context);
    case DataPcode.get:
      return handleGet(request.key, context);
    case DataPcode.replicate:
      if (request.op === 'put') store.put(request.bucketIndex, request.key, request.value);
      else store.remove(request.bucketIndex, request.key);
      break;
    case DataPcode.migrateBegin:
      store.clearBucket(request.bucketIndex);
      state.incoming.set(request.bucketIndex, 'receiving');
      break;
    case DataPcode.migrateBatch:
      for (const entry of request.entries) store.put(request.bucketIndex, entry.key, entry.value);
      break;
    case DataPcode.migrateEnd:
      state.incoming.set(request.bucketIndex, 'complete');
      break;
  }
  return dataReply(state.clientVersion, DataCode.ok);
}

function handleGet(key: Buffer, context: HandlerContext): DataReply {
  const { state, store } = context;
  const tables = state.tables;
  if (!tables) return dataReply(state.clientVersion, DataCode.notServing);
  const bucketIndex = bucketOfKey(key, tables.bucketCount);
  if (!state.canRead(bucketIndex)) return dataReply(state.clientVersion, DataCode.wrongServer);
  const value = store.get(bucketIndex, key);
  if (value === undefined) return dataReply(state.clientVersion, DataCode.notFound);
  return { configVersion: state.clientVersion, code: DataCode.ok, value };
}

function handleWrite(
  request: Extract<DataRequest, { pcode: typeof DataPcode.put | typeof DataPcode.remove }>,
  context: HandlerContext,
): DataReply | Promise<DataReply> {
  const { state, store } = context;
  const tables = state.tables;
  if (!tables) return dataReply(state.clientVersion, DataCode.notServing);
  const bucketIndex = bucketOfKey(request.key, tables.bucketCount);
  if (!state.isMaster(bucketIndex)) return dataReply(state.clientVersion, DataCode.wrongServer);
  const isPut = request.pcode === DataPcode.put;
  let found = true;
  if (isPut) store.put(bucketIndex, request.key, request.value);
  else found = store.remove(bucketIndex, request.key);
  const replicaIds = state.replicaIds(bucketIndex);
  const doneCode = found ? DataCode.ok : DataCode.notFound;
  if (replicaIds.length === 0) return dataReply(state.clientVersion, doneCode);
  const replicate: DataRequest = {
    pcode: DataPcode.replicate,
    bucketIndex,
    op: isPut ? 'put' : 'remove',
    key: request.key,
    value: isPut ? request.value : Buffer.alloc(0),
  };
  // Sent synchronously, in the order the writes were applied here.
  const confirmations = replicaIds.map((serverId) =>
    state
      .peer(serverId)
      .request(replicate)
      .then(
        (reply) => reply.code === DataCode.ok || replicaFailed(bucketIndex, serverId, `answered code ${reply.code}`, context),
        (error: Error) => replicaFailed(bucketIndex, serverId, error.message, context),
      ),
  );
  return Promise.all(confirmations).then((confirmed) => dataReply(state.clientVersion, confirmed.every(Boolean) ? doneCode : DataCode.replicaFailed));
}

/**
 * replicaFailed — a copy did not confirm a write: the write is not done. This holds for a
 * migration target too: once its copy is complete it may become a holder, and it must not miss
 * a write the client was told succeeded. The bucket's copy to that target starts over.
 */
function replicaFailed(bucketIndex: number, serverId: bigint, reason: string, context: HandlerContext): false {
  context.onReplicaFailure(bucketIndex, serverId, reason);
  if (context.state.migrationTargets.get(bucketIndex)?.includes(serverId)) context.state.dirtyMigrations.add(bucketIndex);
  return false;
}
