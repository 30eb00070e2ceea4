/**
 * Change records, snapshots, heads and local copies without etcd: any sequence of changes is
 * rebuilt byte for byte from records, a damaged record or snapshot is refused, never applied.
 */
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChangeRecord, applyChangeRecords, encodeChangeRecord, readRecordFields, tableChecksum } from '../../src/quorum/change-record.js';
import { defaultPublisherOptions, FencedPublisher } from '../../src/quorum/fenced-publisher.js';
import { encodeHead, parseHead } from '../../src/quorum/group-head.js';
import { etcdValueBytesMax, quorumSnapshotEveryMax } from '../../src/limits.js';
import { loadLocalCopy, localCopyDir, saveLocalCopy } from '../../src/quorum/local-copy.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/quorum/snapshot-chunks.js';
import type { Mutation, TableShape } from './helpers/tables.js';
import { baseTable, mutate, tableBytes } from './helpers/tables.js';

const rawBytesMax = 64 * 1024 * 1024;

const shapeArbitrary: fc.Arbitrary<TableShape> = fc.record({
  groupName: fc.constantFrom('group_1', 'g', 'a_very_long_group_name_0123456789'),
  bucketCount: fc.integer({ min: 1, max: 3000 }),
  copyCount: fc.integer({ min: 1, max: 4 }),
  serverCount: fc.integer({ min: 1, max: 300 }),
});

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  slotChanges: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 51, max: 5000 })),
  addServer: fc.boolean(),
  reshapeBuckets: fc.constant(null),
});

describe('change records', () => {
  it('rebuild every version of any change sequence byte for byte', () => {
    fc.assert(
      fc.property(shapeArbitrary, fc.integer(), fc.array(mutationArbitrary, { minLength: 1, maxLength: 8 }), (shape, seed, mutations) => {
        let leader = baseTable(shape, seed);
        const base = leader;
        let follower = leader;
        const records: Buffer[] = [];
        mutations.forEach((mutation, index) => {
          const next = mutate(leader, mutation);
          const record = encodeChangeRecord(leader, next, tableChecksum(next), index + 2, rawBytesMax);
          expect(record).not.toBeNull();
          const fields = readRecordFields(record as Buffer);
          expect(fields).toMatchObject({ sequence: index + 2, epoch: next.epoch, tableChecksum: tableChecksum(next) });
          records.push(record as Buffer);
          const applied = applyChangeRecord(follower, record as Buffer);
          if (typeof applied === 'string') throw new Error(applied);
          expect(tableBytes(applied).equals(tableBytes(next))).toBe(true);
          leader = next;
          follower = applied;
        });
        // All at once: one batch from the base gives the same last table.
        const batch = applyChangeRecords(base, records);
        if (typeof batch === 'string') throw new Error(batch);
        expect(tableBytes(batch).equals(tableBytes(leader))).toBe(true);
        if (records.length > 1) expect(applyChangeRecords(base, [...records].reverse())).toMatch(/does not follow/);
      }),
      { numRuns: 60 },
    );
  });

  it('say nothing but the header when no slot changed, and are refused over their size limit', () => {
    const table = baseTable({ groupName: 'g', bucketCount: 1023, copyCount: 3, serverCount: 10 }, 1);
    const same = mutate(table, { seed: 2, slotChanges: 0, addServer: false, reshapeBuckets: null });
    const record = encodeChangeRecord(table, same, tableChecksum(same), 2, rawBytesMax) as Buffer;
    expect(readRecordFields(record)).toMatchObject({ changedSlotCount: 0 });
    const big = mutate(table, { seed: 3, slotChanges: 3000, addServer: false, reshapeBuckets: null });
    expect(encodeChangeRecord(table, big, tableChecksum(big), 2, 1000)).toBeNull();
  });

  it('cannot say a change of bucket or copy count', () => {
    const table = baseTable({ groupName: 'g', bucketCount: 100, copyCount: 2, serverCount: 5 }, 1);
    const reshaped = mutate(table, { seed: 4, slotChanges: 0, addServer: false, reshapeBuckets: 200 });
    expect(encodeChangeRecord(table, reshaped, tableChecksum(reshaped), 2, rawBytesMax)).toBeNull();
  });

  it('refuse every single damaged byte, and a record applied to another table', () => {
    const table = baseTable({ groupName: 'g', bucketCount: 50, copyCount: 2, serverCount: 4 }, 7);
    const next = mutate(table, { seed: 8, slotChanges: 20, addServer: true, reshapeBuckets: null });
    const record = encodeChangeRecord(table, next, tableChecksum(next), 2, rawBytesMax) as Buffer;
    for (let offset = 0; offset < record.length; offset++) {
      const damaged = Buffer.from(record);
      damaged[offset] ^= 0x10;
      expect(typeof applyChangeRecord(table, damaged), `byte ${offset}`).toBe('string');
    }
    for (const length of [0, 10, 40, record.length - 1]) expect(typeof applyChangeRecord(table, record.subarray(0, length))).toBe('string');
    const other = baseTable({ groupName: 'g', bucketCount: 50, copyCount: 2, serverCount: 4 }, 99);
    expect(applyChangeRecord(other, record)).toMatch(/checksum|not sound/);
  });
});

describe('snapshots', () => {
  it('round-trip any table, whatever its progress and destination tables hold', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArbitrary, fc.integer(), async (shape, seed) => {
        const table = baseTable(shape, seed);
        const snapshot = await encodeSnapshot(table, tableChecksum(table), 1, 4096);
        const decoded = await decodeSnapshot(snapshot.info, snapshot.chunks, shape.groupName);
        if (typeof decoded === 'string') throw new Error(decoded);
        expect(tableBytes(decoded.table).equals(tableBytes(table))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('round-trip through chunks of any size, and refuse a missing or damaged chunk', async () => {
    const table = baseTable({ groupName: 'group_1', bucketCount: 65_536, copyCount: 3, serverCount: 100 }, 5);
    for (const chunkBytesMax of [1000, 64 * 1024, 1024 * 1024]) {
      const snapshot = await encodeSnapshot(table, tableChecksum(table), 7, chunkBytesMax);
      expect(snapshot.chunks.every((chunk) => chunk.length <= chunkBytesMax)).toBe(true);
      expect(snapshot.info.chunkCount).toBe(snapshot.chunks.length);
      const decoded = await decodeSnapshot(snapshot.info, snapshot.chunks, 'group_1');
      if (typeof decoded === 'string') throw new Error(decoded);
      expect(tableBytes(decoded.table).equals(tableBytes(table))).toBe(true);
      expect(decoded.tableChecksum).toBe(tableChecksum(table));
    }
    const snapshot = await encodeSnapshot(table, tableChecksum(table), 7, 64 * 1024);
    expect(await decodeSnapshot(snapshot.info, snapshot.chunks.slice(1), 'group_1')).toMatch(/chunks/);
    const damaged = snapshot.chunks.map((chunk) => Buffer.from(chunk));
    damaged[1][100] ^= 1;
    expect(await decodeSnapshot(snapshot.info, damaged, 'group_1')).toMatch(/checksum/);
    expect(await decodeSnapshot(snapshot.info, snapshot.chunks, 'group_2')).toMatch(/group/);
  });
});

describe('heads', () => {
  const head = {
    sequence: 12,
    epoch: 3n,
    tableChecksum: 0xdeadbeef,
    versions: { client: 112, server: 113 },
    snapshot: { sequence: 10, chunkCount: 3, compressedBytes: 2_893_114, compressedChecksum: 1_732_584_193 },
  };

  it('round-trip, and every malformed field is refused with a reason', () => {
    expect(parseHead(encodeHead(head))).toEqual(head);
    const raw = JSON.parse(encodeHead(head)) as Record<string, unknown>;
    const broken: Record<string, unknown>[] = [
      { ...raw, format: 2 },
      { ...raw, sequence: 0 },
      { ...raw, sequence: 1.5 },
      { ...raw, epoch: 3 },
      { ...raw, tableChecksum: -1 },
      { ...raw, versions: { client: 1 } },
      { ...raw, snapshot: null },
      { ...raw, snapshot: { ...head.snapshot, sequence: 13 } },
      { ...raw, snapshot: { ...head.snapshot, chunkCount: 0 } },
      { ...raw, sequence: 5000 },
    ];
    for (const value of broken) expect(typeof parseHead(JSON.stringify(value)), JSON.stringify(value)).toBe('string');
    expect(parseHead('{')).toBe('head is not JSON');
  });
});

describe('local copies', () => {
  it('survive a save and load, and a damaged copy is refused, not served', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tair-cs-quorum-copy-'));
    try {
      const table = baseTable({ groupName: 'group_1', bucketCount: 1023, copyCount: 3, serverCount: 9 }, 11, 4n);
      const snapshot = { sequence: 5, chunkCount: 1, compressedBytes: 1234, compressedChecksum: 42 };
      const committed = { groupName: 'group_1', sequence: 9, table, tableChecksum: tableChecksum(table), snapshot, headRevision: '77' };
      await saveLocalCopy(dataDir, committed);
      const loaded = await loadLocalCopy(dataDir, 'group_1');
      expect(loaded.problem).toBeNull();
      expect(loaded.committed).toMatchObject({ sequence: 9, tableChecksum: committed.tableChecksum, snapshot, headRevision: '0' });
      expect(tableBytes(loaded.committed!.table).equals(tableBytes(table))).toBe(true);
      expect(await loadLocalCopy(dataDir, 'group_2')).toEqual({ committed: null, problem: null });
      const path = join(localCopyDir(dataDir), 'group_1.qtable');
      const bytes = await readFile(path);
      bytes[bytes.length - 100] ^= 1;
      await writeFile(path, bytes);
      const damaged = await loadLocalCopy(dataDir, 'group_1');
      expect(damaged.committed).toBeNull();
      expect(damaged.problem).toMatch(/checksum/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('publisher options', () => {
  it("refuse a snapshot distance readers would refuse, and chunks or records over etcd's request limit", () => {
    const deps = {} as ConstructorParameters<typeof FencedPublisher>[0];
    const options = { ...defaultPublisherOptions, requestTimeoutMs: 2000 };
    expect(() => new FencedPublisher(deps, options)).not.toThrow();
    expect(() => new FencedPublisher(deps, { ...options, snapshotEvery: 0 })).toThrow(/snapshotEvery/);
    expect(() => new FencedPublisher(deps, { ...options, snapshotEvery: quorumSnapshotEveryMax + 1 })).toThrow(/snapshotEvery/);
    expect(() => new FencedPublisher(deps, { ...options, chunkBytesMax: etcdValueBytesMax + 1 })).toThrow(/chunkBytesMax/);
    expect(() => new FencedPublisher(deps, { ...options, recordBytesMax: 0 })).toThrow(/recordBytesMax/);
  });
});
