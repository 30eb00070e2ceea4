/**
 * The views a config server serves, checked against whole tables computed independently:
 * a data server's view is the rows that name it, changes from any version kept take a view there,
 * a client's changes take its table there, checksums agree, migrated info matches a scan.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AgentView } from '../../src/agent/agent-view.js';
import type { Publication } from '../../src/cluster/index.js';
import { ClientTable } from '../../src/client/client-table.js';
import { readViewRows, readWholeRows, tableChecksum } from '../../src/protocol/index.js';
import { GroupView, prepareBucketsPerStep } from '../../src/views/group-view.js';
import { viewHistoryVersionsMax } from '../../src/limits.js';
import { rowsNaming, viewRows } from '../agent/test-tables.js';

interface Step {
  bucketIndexes: number[];
  /** rows — per bucket, 2·C table values (current then destination). */
  rows: number[][];
  serverBump: boolean;
}

interface Shape {
  bucketCount: number;
  copyCount: number;
  serverCount: number;
  initial: number[];
  steps: Step[];
}

const serverIdOf = (value: number): bigint => (BigInt(5000 + value) << 32n) | 0x0100007fn;

function shapes(): fc.Arbitrary<Shape> {
  return fc
    .record({ bucketCount: fc.integer({ min: 1, max: 40 }), copyCount: fc.integer({ min: 1, max: 4 }), serverCount: fc.integer({ min: 1, max: 9 }) })
    .chain(({ bucketCount, copyCount, serverCount }) => {
      const value = fc.integer({ min: 0, max: serverCount });
      const row = fc.array(value, { minLength: 2 * copyCount, maxLength: 2 * copyCount });
      const step = fc.uniqueArray(fc.integer({ min: 0, max: bucketCount - 1 }), { maxLength: bucketCount }).chain((buckets) =>
        fc.record({
          bucketIndexes: fc.constant([...buckets].sort((a, b) => a - b)),
          rows: fc.array(row, { minLength: buckets.length, maxLength: buckets.length }),
          serverBump: fc.boolean(),
        }),
      );
      return fc.record({
        bucketCount: fc.constant(bucketCount),
        copyCount: fc.constant(copyCount),
        serverCount: fc.constant(serverCount),
        initial: fc.array(value, { minLength: 2 * bucketCount * copyCount, maxLength: 2 * bucketCount * copyCount }),
        steps: fc.array(step, { maxLength: 12 }),
      });
    });
}

/** Whole — the whole tables at one version, kept by the test alongside the views. */
interface Whole {
  server: number;
  client: number;
  current: BigUint64Array;
  destination: BigUint64Array;
}

/** Played — the view after a shape's steps, the tables after each step, the last of them, and every server's id. */
interface Played {
  view: GroupView;
  history: Whole[];
  latest: Whole;
  serverIds: bigint[];
}

/** firstPublication — seq 1 at versions 10/10, whole tables. */
function firstPublication(bucketCount: number, copyCount: number, serverIds: bigint[], current: Uint32Array, destination: Uint32Array): Publication {
  return {
    groupName: 'g',
    seq: 1,
    bucketCount,
    copyCount,
    versions: { server: 10, client: 10 },
    hasTable: true,
    serverIds,
    rows: { kind: 'full', current, destination },
  };
}

function play(shape: Shape, afterEach?: (view: GroupView, whole: Whole) => void): Played {
  const { bucketCount, copyCount, serverCount } = shape;
  const slotCount = bucketCount * copyCount;
  const serverIds = Array.from({ length: serverCount }, (_, index) => serverIdOf(index + 1));
  const first = firstPublication(
    bucketCount,
    copyCount,
    serverIds,
    Uint32Array.from(shape.initial.slice(0, slotCount)),
    Uint32Array.from(shape.initial.slice(slotCount)),
  );
  const view = new GroupView(first);
  const toIds = (values: ArrayLike<number>) => BigUint64Array.from(Array.from(values), (value) => (value === 0 ? 0n : serverIdOf(value)));
  const history: Whole[] = [{ server: 10, client: 10, current: toIds(shape.initial.slice(0, slotCount)), destination: toIds(shape.initial.slice(slotCount)) }];
  shape.steps.forEach((step, index) => {
    const previous = history.at(-1) as Whole;
    const next: Whole = {
      server: previous.server + (step.serverBump ? 1 : 0),
      client: previous.client + 1,
      current: previous.current.slice(),
      destination: previous.destination.slice(),
    };
    step.bucketIndexes.forEach((bucketIndex, position) => {
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
        next.current[copyIndex * bucketCount + bucketIndex] = step.rows[position][copyIndex] === 0 ? 0n : serverIdOf(step.rows[position][copyIndex]);
        next.destination[copyIndex * bucketCount + bucketIndex] =
          step.rows[position][copyCount + copyIndex] === 0 ? 0n : serverIdOf(step.rows[position][copyCount + copyIndex]);
      }
    });
    view.publish({
      ...first,
      seq: index + 2,
      versions: { server: next.server, client: next.client },
      rows: { kind: 'rows', baseSeq: index + 1, bucketIndexes: Uint32Array.from(step.bucketIndexes), rows: Uint32Array.from(step.rows.flat()) },
    });
    history.push(next);
    afterEach?.(view, next);
  });
  return { view, history, latest: history.at(-1) as Whole, serverIds };
}

function wholeView(selfId: bigint, whole: Whole, bucketCount: number, copyCount: number): AgentView {
  const table = new BigUint64Array(2 * bucketCount * copyCount);
  table.set(whole.current, 0);
  table.set(whole.destination, bucketCount * copyCount);
  return AgentView.fromWhole(selfId, bucketCount, copyCount, table);
}

describe('data-server views', () => {
  test('property: from every version kept, every server reaches the latest view, checksum included', () => {
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(shapes(), (shape) => {
        const { view, history } = play(shape);
        const { bucketCount, copyCount, serverCount } = shape;
        const latest = history.at(-1) as Whole;
        for (let value = 1; value <= serverCount + 1; value++) {
          const selfId = serverIdOf(value);
          const expected = rowsNaming(selfId, latest.current, latest.destination, bucketCount, copyCount);
          for (const base of history) {
            const content = view.dataServerContent(selfId, base.server, base.client, false);
            if (base === latest) {
              expect(content).toBeNull();
              continue;
            }
            expect(content).not.toBeNull();
            if (!content) return;
            kinds.set(content.kind, (kinds.get(content.kind) ?? 0) + 1);
            const rows = readViewRows(content.rows, 2 * copyCount, bucketCount);
            let held: AgentView | null;
            if (content.kind === 'viewChanges') {
              expect([content.baseServerVersion, content.baseClientVersion]).toEqual([base.server, base.client]);
              held = wholeView(selfId, base, bucketCount, copyCount);
              expect(held.applyChanges(rows.entries, content.checksum)).not.toBeNull();
            } else {
              expect(content.kind).toBe('view');
              held = AgentView.fromRows(selfId, bucketCount, copyCount, readWholeRows(content.rows, 2 * copyCount, bucketCount));
            }
            expect(held && viewRows(held)).toEqual(expected);
            expect(held?.checksum).toBe(content.checksum);
          }
          const fresh = view.dataServerContent(selfId, latest.server, latest.client, true);
          expect(fresh?.kind).toBe('view');
        }
      }),
      { numRuns: 150 },
    );
    // Both paths ran: changes where they are smaller, whole views where they are not.
    expect(kinds.get('viewChanges') ?? 0).toBeGreaterThan(100);
    expect(kinds.get('view') ?? 0).toBeGreaterThan(100);
  });

  test('a change set never costs more than 64 bytes per changed slot that concerns the server, plus a small header', () => {
    fc.assert(
      fc.property(shapes(), (shape) => {
        const { view, history, latest, serverIds } = play(shape);
        const { bucketCount, copyCount } = shape;
        for (const selfId of serverIds) {
          for (const base of history.slice(0, -1)) {
            const content = view.dataServerContent(selfId, base.server, base.client, false);
            if (content?.kind !== 'viewChanges') continue;
            const before = rowsNaming(selfId, base.current, base.destination, bucketCount, copyCount);
            const after = rowsNaming(selfId, latest.current, latest.destination, bucketCount, copyCount);
            let slots = 0;
            for (const bucketIndex of new Set([...before.keys(), ...after.keys()])) {
              const was = before.get(bucketIndex);
              const now = after.get(bucketIndex);
              if (!was || !now) slots += 2 * copyCount;
              else slots += now.filter((id, slot) => id !== was[slot]).length;
            }
            expect(content.rows.length).toBeLessThanOrEqual(64 * slots + 7);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  test('property: whole views stay right while the per-server index is kept up to date between publications', () => {
    fc.assert(
      fc.property(shapes(), (shape) => {
        const { bucketCount, copyCount, serverCount } = shape;
        const check = (view: GroupView, whole: Whole) => {
          for (let value = 1; value <= serverCount; value++) {
            const selfId = serverIdOf(value);
            const content = view.dataServerContent(selfId, 0, 0, true);
            const held = content && AgentView.fromRows(selfId, bucketCount, copyCount, readWholeRows(content.rows, 2 * copyCount, bucketCount));
            expect(held && viewRows(held)).toEqual(rowsNaming(selfId, whole.current, whole.destination, bucketCount, copyCount));
            expect(held?.checksum).toBe(content?.checksum);
          }
        };
        const { view, history } = play(shape, check);
        check(view, history.at(-1) as Whole);
      }),
      { numRuns: 150 },
    );
  });

  test('a server further behind than the history kept gets its view whole', () => {
    const steps: Step[] = Array.from({ length: viewHistoryVersionsMax + 2 }, (_, index) => ({
      bucketIndexes: [index % 4],
      rows: [[1, 2, 2, 1]],
      serverBump: false,
    }));
    const { view, history } = play({ bucketCount: 4, copyCount: 2, serverCount: 2, initial: [1, 2, 1, 2, 2, 1, 2, 1, 1, 2, 1, 2, 2, 1, 2, 1], steps });
    expect(view.dataServerContent(serverIdOf(1), history[0].server, history[0].client, false)?.kind).toBe('view');
    expect(view.dataServerContent(serverIdOf(1), history[3].server, history[3].client, false)?.kind).toBe('viewChanges');
  });

  test('migrated info: for each bucket a server masters, the bucket then its copies (as a scan finds them)', () => {
    fc.assert(
      fc.property(shapes(), (shape) => {
        const { view, latest, serverIds } = play(shape);
        const { bucketCount, copyCount } = shape;
        for (const selfId of serverIds) {
          const expected: bigint[] = [];
          for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
            if (latest.current[bucketIndex] !== selfId) continue;
            expected.push(BigInt(bucketIndex));
            for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) expected.push(latest.current[copyIndex * bucketCount + bucketIndex]);
          }
          expect(view.migratedInfo(selfId)).toEqual(expected);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('client tables', () => {
  test('property: from every client version kept, changes take the table to the latest, checksum included', () => {
    let applied = 0;
    fc.assert(
      fc.property(shapes(), (shape) => {
        const { view, history } = play(shape);
        const { bucketCount, copyCount } = shape;
        const latest = history.at(-1) as Whole;
        expect(view.tableChecksum()).toBe(tableChecksum(latest.current, bucketCount, copyCount));
        for (const base of history.slice(0, -1)) {
          const content = view.tableChanges(base.client);
          if (!content) continue;
          const held = new ClientTable('g', bucketCount, copyCount, base.client, base.current.slice());
          const rows = readViewRows(content.rows, copyCount, bucketCount);
          const next = held.withChanges(rows.entries, latest.client, content.checksum);
          expect(next?.serverIds).toEqual(latest.current);
          applied += 1;
        }
      }),
      { numRuns: 150 },
    );
    expect(applied).toBeGreaterThan(100);
  });

  test('a whole blob is compressed once per version and shared by every reply', async () => {
    const { view, history } = play({ bucketCount: 8, copyCount: 2, serverCount: 3, initial: Array.from({ length: 32 }, (_, i) => (i % 3) + 1), steps: [] });
    const first = await view.blobs.whenReady('client');
    expect(await view.blobs.whenReady('client')).toBe(first);
    expect(view.blobs.blob('client')).toBe(first);
    expect(history).toHaveLength(1);
  });
});

describe('big tables are prepared in steps', () => {
  test('no content until the index and checksums are built; changes published meanwhile wait, then apply', () => {
    const bucketCount = 3 * prepareBucketsPerStep + 5;
    const copyCount = 2;
    const serverIds = [1, 2, 3, 4].map(serverIdOf);
    const current = Uint32Array.from({ length: bucketCount * copyCount }, (_, slot) => (slot % 4) + 1);
    const view = new GroupView(firstPublication(bucketCount, copyCount, serverIds, current, current.slice()));
    expect(view.ready).toBe(false);
    expect(view.dataServerContent(serverIdOf(1), 0, 0, true)).toBeNull();
    expect(view.tableChecksum()).toBeNull();
    view.publish({
      groupName: 'g',
      seq: 2,
      bucketCount,
      copyCount,
      versions: { server: 11, client: 11 },
      hasTable: true,
      serverIds,
      rows: { kind: 'rows', baseSeq: 1, bucketIndexes: Uint32Array.from([0, bucketCount - 1]), rows: Uint32Array.from([4, 4, 4, 4, 3, 3, 3, 3]) },
    });
    expect(view.versions).toEqual({ server: 10, client: 10 });
    let steps = 0;
    while (!view.prepare()) steps += 1;
    // Checksums, then the index's two passes, a step of prepareBucketsPerStep buckets each.
    expect(steps).toBeGreaterThanOrEqual(3 * 4 - 1);
    expect(view.versions).toEqual({ server: 11, client: 11 });
    const whole: Whole = { server: 11, client: 11, current: BigUint64Array.from(current, (value) => serverIdOf(value)), destination: new BigUint64Array(0) };
    for (const [bucketIndex, value] of [
      [0, 4],
      [bucketCount - 1, 3],
    ]) {
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) whole.current[copyIndex * bucketCount + bucketIndex] = serverIdOf(value);
    }
    whole.destination = whole.current.slice();
    for (const value of [1, 2, 3, 4]) {
      const selfId = serverIdOf(value);
      const content = view.dataServerContent(selfId, 0, 0, true);
      const held = content && AgentView.fromRows(selfId, bucketCount, copyCount, readWholeRows(content.rows, 2 * copyCount, bucketCount));
      expect(held && viewRows(held)).toEqual(rowsNaming(selfId, whole.current, whole.destination, bucketCount, copyCount));
      expect(held?.checksum).toBe(content?.checksum);
    }
    expect(view.tableChecksum()).toBe(tableChecksum(whole.current, bucketCount, copyCount));
  });
});
