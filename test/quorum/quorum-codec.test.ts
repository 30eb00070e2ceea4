/**
 * The quorum codec without etcd: stepped copies into shared memory (exact turn counts, never
 * more than a step per turn), and the worker's answers equal to the same operations inline —
 * records and snapshots that rebuild every table byte for byte, tables that come back in shared
 * memory — plus the worker's failures: a refused input, a worker that dies, a closed codec; and
 * the worker thread's lower priority.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { quorumInlineSlotCountMax } from '../../src/limits.js';
import { recordRawBytesMax } from '../../src/quorum/table-reader.js';
import { tablePassesOnEventLoop } from '../../src/quorum/table-passes.js';
import type { EncodeRequest } from '../../src/quorum/codec-ops.js';
import { QuorumCodec } from '../../src/quorum/quorum-codec.js';
import type { PersistedGroupTable } from '../../src/store/persisted-table.js';
import { isSharedTable, newCopyMeter, shareBytes, shareTable } from '../../src/quorum/shared-bytes.js';
import { cutChunks } from '../../src/quorum/snapshot-chunks.js';
import type { Mutation, TableShape } from './helpers/tables.js';
import { baseTable, mutate, tableBytes } from './helpers/tables.js';

// Every operation in the worker, whatever the table's size (small ones would run inline).
const worker = new QuorumCodec({ inlineSlotCountMax: 0 });
const inline = new QuorumCodec({ inline: true });
afterAll(async () => {
  await worker.close();
});

describe('shareBytes', () => {
  it('copies any parts into one shared buffer, at most a step per turn, in exactly ceil(total / step) turns', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 8 }), fc.integer({ min: 1, max: 3000 }), async (lengths, stepBytes) => {
        const parts = lengths.map((length, index) => Uint8Array.from({ length }, (_, at) => (index * 31 + at) & 0xff));
        const meter = newCopyMeter();
        const shared = await shareBytes(parts, meter, stepBytes);
        const total = lengths.reduce((sum, length) => sum + length, 0);
        expect(shared.map((view) => view.buffer instanceof SharedArrayBuffer)).toEqual(parts.map(() => true));
        expect(shared.map((view) => Buffer.from(view).toString('hex'))).toEqual(parts.map((part) => Buffer.from(part).toString('hex')));
        expect(shared.every((view) => view.byteOffset % 8 === 0)).toBe(true);
        expect(meter).toEqual({ turns: Math.ceil(total / stepBytes), bytesPerTurnMax: Math.min(total, stepBytes), bytes: total });
      }),
      { numRuns: 100 },
    );
  });

  it('shares a table once: a shared table is returned as it is, the original is left alone', async () => {
    const table = baseTable({ groupName: 'group_1', bucketCount: 1023, copyCount: 3, serverCount: 8 }, 1);
    const meter = newCopyMeter();
    const shared = await shareTable(table, meter);
    expect(isSharedTable(table)).toBe(false);
    expect(isSharedTable(shared)).toBe(true);
    expect(tableBytes(shared).equals(tableBytes(table))).toBe(true);
    expect(meter.bytes).toBe(3 * 4 * 1023 * 3);
    expect(await shareTable(shared, meter)).toBe(shared);
    expect(meter.bytes).toBe(3 * 4 * 1023 * 3);
  });
});

const shapeArbitrary: fc.Arbitrary<TableShape> = fc.record({
  groupName: fc.constantFrom('group_1', 'g'),
  bucketCount: fc.integer({ min: 1, max: 3000 }),
  copyCount: fc.integer({ min: 1, max: 4 }),
  serverCount: fc.integer({ min: 1, max: 300 }),
});

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  slotChanges: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 100, max: 5000 })),
  addServer: fc.boolean(),
  reshapeBuckets: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }) }),
});

describe('QuorumCodec', () => {
  it('gives the same answers in its worker as inline, and every version rebuilds byte for byte from them', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeArbitrary,
        fc.integer(),
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 200, max: 8192 }),
        async (shape, seed, mutations, recordBytesMax) => {
          let previous = await worker.share(baseTable(shape, seed));
          let held = previous;
          for (const [index, mutation] of mutations.entries()) {
            const next = await worker.share(mutate(previous, mutation));
            const checksum = await worker.checksum(next);
            expect(await inline.checksum(next)).toBe(checksum);
            const request = {
              base: previous,
              next,
              checksum,
              sequence: index + 2,
              recordAllowed: true,
              recordRawBytesMax,
              recordBytesMax,
              chunkBytesMax: 4096,
            };
            const encoded = await worker.encode(request);
            expect(Buffer.from((await inline.encode(request)).bytes).equals(Buffer.from(encoded.bytes))).toBe(true);
            const reshaped = next.bucketCount !== previous.bucketCount || next.copyCount !== previous.copyCount;
            if (reshaped) expect(encoded.kind).toBe('snapshot');
            const rebuilt =
              encoded.kind === 'record'
                ? await worker.applyRecords(held, [encoded.bytes], index + 2, recordRawBytesMax)
                : await worker.decodeSnapshot(encoded.info, cutChunks(encoded.bytes, 4096), next.groupName);
            if (typeof rebuilt === 'string') throw new Error(rebuilt);
            expect(rebuilt.tableChecksum).toBe(checksum);
            expect(isSharedTable(rebuilt.table)).toBe(true);
            expect(tableBytes(rebuilt.table).equals(tableBytes(next))).toBe(true);
            previous = next;
            held = rebuilt.table;
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('refuses what does not verify, and a table that is not shared, without losing the worker', async () => {
    const table = await worker.share(baseTable({ groupName: 'group_1', bucketCount: 1023, copyCount: 2, serverCount: 5 }, 1));
    const next = await worker.share(mutate(table, { seed: 2, slotChanges: 10, addServer: false, reshapeBuckets: null }));
    const checksum = await worker.checksum(next);
    const record = await worker.encode(encodeRequest(table, next, checksum));
    expect(record.kind).toBe('record');
    expect(await worker.applyRecords(table, [record.bytes], 3, recordRawBytesMax)).toBe('record 3 is missing or damaged');
    expect(await worker.applyRecords(table, [Buffer.from('not deflate')], 2, recordRawBytesMax)).toMatch(/^record 2 does not inflate/);
    const snapshot = await worker.encode(encodeRequest(null, next, checksum));
    if (snapshot.kind !== 'snapshot') throw new Error('expected a snapshot');
    expect(await worker.decodeSnapshot(snapshot.info, cutChunks(snapshot.bytes, 4096), 'group_2')).toMatch(/group/);
    await expect(
      worker.encode({ base: null, next, checksum, sequence: 1, recordAllowed: false, recordRawBytesMax, recordBytesMax: 1, chunkBytesMax: 1 }),
    ).rejects.toThrow(/needs \d+ chunks, over 1024/);
    const plain = baseTable({ groupName: 'group_1', bucketCount: 64, copyCount: 1, serverCount: 2 }, 3);
    await expect(worker.checksum(plain)).rejects.toThrow(/must be shared first/);
    expect(await worker.checksum(next)).toBe(checksum);
  });

  it('starts a new worker after one died (the calls in flight fail), and refuses calls once closed', async () => {
    const codec = new QuorumCodec();
    const table = await codec.share(baseTable({ groupName: 'group_1', bucketCount: 100_000, copyCount: 3, serverCount: 50 }, 4));
    const checksum = await codec.checksum(table);
    const inFlight = expect(codec.checksum(table)).rejects.toThrow(/worker exited/);
    await (codec as unknown as { worker: Worker }).worker.terminate();
    await inFlight;
    expect(await codec.checksum(table)).toBe(checksum);
    const pending = expect(codec.checksum(table)).rejects.toThrow(/closed/);
    await codec.close();
    await pending;
    await expect(codec.checksum(table)).rejects.toThrow(/closed/);
    expect(codec.meter.calls.checksum).toBe(4);
  });
});

describe('small tables', () => {
  it('are checksummed, encoded and patched on the event loop (cheaper than a round trip); larger ones, snapshots and copies in the worker', async () => {
    const codec = new QuorumCodec();
    try {
      const passes = (): number => tablePassesOnEventLoop().checksum ?? 0;
      const atLimit = await codec.share(baseTable({ groupName: 'group_1', bucketCount: quorumInlineSlotCountMax / 4, copyCount: 4, serverCount: 9 }, 1));
      const over = await codec.share(baseTable({ groupName: 'group_1', bucketCount: quorumInlineSlotCountMax / 4 + 1, copyCount: 4, serverCount: 9 }, 1));
      const before = passes();
      const checksum = await codec.checksum(atLimit);
      expect(passes()).toBe(before + 1);
      await codec.checksum(over);
      expect(passes()).toBe(before + 1);
      const encodesBefore = tablePassesOnEventLoop()['snapshot-encode'] ?? 0;
      const snapshot = await codec.encode(encodeRequest(null, atLimit, checksum));
      if (snapshot.kind !== 'snapshot') throw new Error('expected a snapshot');
      expect(tablePassesOnEventLoop()['snapshot-encode']).toBe(encodesBefore + 1);
      const decodesBefore = tablePassesOnEventLoop()['snapshot-decode'] ?? 0;
      expect(typeof (await codec.decodeSnapshot(snapshot.info, cutChunks(snapshot.bytes, 4096), 'group_1'))).toBe('object');
      expect(tablePassesOnEventLoop()['snapshot-decode'] ?? 0).toBe(decodesBefore);
    } finally {
      await codec.close();
    }
  });
});

describe('the codec worker thread', () => {
  it.skipIf(process.platform !== 'linux')("runs below the event loop's priority, so heartbeats win the CPU on a busy machine", async () => {
    const codec = new QuorumCodec();
    try {
      await codec.checksum(await codec.share(baseTable({ groupName: 'group_1', bucketCount: 64, copyCount: 1, serverCount: 2 }, 1)));
      const niceOf = (threadId: string): number => {
        const stat = readFileSync(`/proc/self/task/${threadId}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      };
      const own = niceOf(String(process.pid));
      const threads = readdirSync('/proc/self/task').map(niceOf);
      expect(threads.filter((nice) => nice === Math.min(19, own + 10)).length).toBeGreaterThanOrEqual(1);
    } finally {
      await codec.close();
    }
  });
});

/** encodeRequest — version 2 as a record over `base`, or (base null) version 1 as a snapshot; records up to 64 KiB, chunks of 4 KiB. */
function encodeRequest(base: PersistedGroupTable | null, next: PersistedGroupTable, checksum: number): EncodeRequest {
  const sequence = base ? 2 : 1;
  return { base, next, checksum, sequence, recordAllowed: base !== null, recordRawBytesMax, recordBytesMax: 65536, chunkBytesMax: 4096 };
}
