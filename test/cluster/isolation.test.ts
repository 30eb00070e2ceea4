/**
 * The isolation rule in the state machine, with simulated time: a primary that loses its peer and
 * most data servers together keeps its table and publishes nothing; it comes back when either is
 * heard again. Losses that do not coincide, or a peer never heard, are no isolation. Swept over
 * group sizes, down times and peer timeouts.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Cluster } from '../../src/cluster/index.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import { parseGroupConf } from '../../src/config/group-conf.js';
import type { PersistedGroupTable } from '../../src/store/persisted-table.js';
import { groupConfText } from '../server/helpers/group-conf.js';
import { originalHeartbeat } from '../helpers/original-heartbeat.js';

interface World {
  cluster: Cluster;
  ids: bigint[];
  nowMs: number;
  /** beating — which data servers heartbeat us (every second). */
  beating: boolean[];
  peerHeardMs: number;
  peerAnswers: boolean;
  peerTimeoutMs: number;
  downs: string[];
  jobs: number;
  saves: number;
  isolatedNotices: number;
}

function tableOf(ids: bigint[], ports: number[], bucketCount: number): PersistedGroupTable {
  const servers = ports.map((port) => `127.0.0.1:${port}`);
  const current = new Uint32Array(bucketCount * 2);
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    current[bucket] = (bucket % ids.length) + 1;
    current[bucketCount + bucket] = ((bucket + 1) % ids.length) + 1;
  }
  return {
    groupName: 'group_1',
    bucketCount,
    copyCount: 2,
    versions: { client: 20, server: 20, plugins: 10, areaCapacity: 10 },
    epoch: 0n,
    migrateBlockCount: -1,
    configHash: '',
    recordSeq: 0,
    servers,
    current,
    progress: current.slice(),
    destination: current.slice(),
  };
}

function world(serverCount: number, downTimeS: number, peerTimeoutMs: number): World {
  const ports = Array.from({ length: serverCount }, (_, index) => 7001 + index);
  const ids = ports.map((port) => serverIdFromText(`127.0.0.1:${port}`, 0));
  const { groups } = parseGroupConf(groupConfText({ ports, bucketCount: 16, serverDownTimeS: downTimeS }), 'group.conf', { defaultDataServerPort: 5191 });
  const saved = new Map([['group_1', { ...tableOf(ids, ports, 16), configHash: groups[0].contentHash }]]);
  const cluster = new Cluster({ groups, saved, nowMs: 0 });
  const w: World = {
    cluster,
    ids,
    nowMs: 0,
    beating: ids.map(() => true),
    peerHeardMs: 0,
    peerAnswers: true,
    peerTimeoutMs,
    downs: [],
    jobs: 0,
    saves: 0,
    isolatedNotices: 0,
  };
  cluster.ready();
  return w;
}

/** advance — 100 ms ticks: heartbeats every second from those beating, the pair's link state as the pair host reports it. */
function advance(w: World, durationMs: number): void {
  let reported = '';
  for (const end = w.nowMs + durationMs; w.nowMs < end; ) {
    w.nowMs += 100;
    if (w.nowMs % 1000 === 0) {
      w.ids.forEach((serverId, index) => {
        if (w.beating[index])
          w.cluster.step({ type: 'heartbeat', nowMs: w.nowMs, request: originalHeartbeat({ serverId, serverVersion: 20, transitionVersion: 0 }) });
      });
    }
    if (w.peerAnswers) w.peerHeardMs = w.nowMs;
    const silentMs = w.nowMs - w.peerHeardMs;
    const state = silentMs >= w.peerTimeoutMs ? 'lost' : silentMs >= w.peerTimeoutMs / 2 ? 'silent' : 'up';
    if (`${state}/${w.peerHeardMs}` !== reported) {
      reported = `${state}/${w.peerHeardMs}`;
      w.cluster.step({ type: 'peerLink', nowMs: w.nowMs, link: { state, lastHeardMs: w.peerHeardMs, peerTimeoutMs: w.peerTimeoutMs } });
    }
    w.cluster.step({ type: 'tick', nowMs: w.nowMs });
    const ready = w.cluster.ready();
    w.jobs += ready.jobs.length;
    w.saves += ready.persist.length;
    for (const probe of ready.probes) w.cluster.step({ type: 'probeResult', nowMs: w.nowMs, serverId: probe.serverId, reachable: false });
    const after = w.cluster.ready();
    w.jobs += after.jobs.length;
    for (const notice of [...ready.notices, ...after.notices]) {
      if (notice.event === 'server-down') w.downs.push(notice.server ?? '');
      if (notice.event === 'isolated') w.isolatedNotices += 1;
    }
  }
}

/** isolatedWorld — three data servers and the peer cut off together long enough: isolated. */
function isolatedWorld(): World {
  const w = world(3, 1, 1500);
  advance(w, 2000);
  w.beating.fill(false);
  w.peerAnswers = false;
  advance(w, 4000);
  expect(w.cluster.isolated('group_1')).toBe(true);
  return w;
}

const shapes = fc.record({
  serverCount: fc.integer({ min: 2, max: 9 }),
  downTimeS: fc.integer({ min: 1, max: 5 }),
  peerTimeoutMs: fc.constantFrom(600, 1500, 3000),
});

describe('isolation rule', () => {
  test('cut off from the peer and every data server: no DOWN, no rebuild, no save; back when they are heard', () => {
    fc.assert(
      fc.property(shapes, fc.boolean(), ({ serverCount, downTimeS, peerTimeoutMs }, healDataFirst) => {
        const w = world(serverCount, downTimeS, peerTimeoutMs);
        advance(w, 3000);
        w.beating.fill(false);
        w.peerAnswers = false;
        advance(w, 4 * downTimeS * 1000 + 2 * peerTimeoutMs);
        expect(w.downs).toEqual([]);
        expect(w.jobs + w.saves).toBe(0);
        expect(w.cluster.isolated('group_1')).toBe(true);
        expect(w.cluster.groupState('group_1')?.published.versions.server).toBe(20);
        if (healDataFirst) w.beating.fill(true);
        else w.peerAnswers = true;
        advance(w, 1000);
        expect(w.cluster.isolated('group_1')).toBe(false);
        if (healDataFirst) {
          expect(w.downs).toEqual([]);
        } else {
          // The peer answers but the data servers are still silent: now they are judged as usual.
          advance(w, 3 * downTimeS * 1000);
          expect(w.downs.length).toBe(serverCount);
        }
      }),
      { numRuns: 40 },
    );
  });

  test('half or fewer of the data servers silent with the peer: judged as usual', () => {
    fc.assert(
      fc.property(shapes, ({ serverCount, downTimeS, peerTimeoutMs }) => {
        const w = world(serverCount, downTimeS, peerTimeoutMs);
        advance(w, 3000);
        const silentCount = Math.floor(serverCount / 2);
        for (let index = 0; index < silentCount; index++) w.beating[index] = false;
        w.peerAnswers = false;
        advance(w, 3 * downTimeS * 1000 + 2 * peerTimeoutMs);
        expect(w.cluster.isolated('group_1')).toBe(false);
        expect(w.downs.length).toBe(silentCount);
        if (silentCount > 0) expect(w.jobs).toBeGreaterThan(0);
      }),
      { numRuns: 40 },
    );
  });

  test('the peer still answers and every data server dies: judged as usual (they died, we did not)', () => {
    fc.assert(
      fc.property(shapes, ({ serverCount, downTimeS, peerTimeoutMs }) => {
        const w = world(serverCount, downTimeS, peerTimeoutMs);
        advance(w, 3000);
        w.beating.fill(false);
        advance(w, 3 * downTimeS * 1000);
        expect(w.isolatedNotices).toBe(0);
        expect(w.downs.length).toBe(serverCount);
      }),
      { numRuns: 20 },
    );
  });

  test('the peer died long ago and the data servers go later: no isolation (the losses do not coincide)', () => {
    const w = world(3, 1, 1500);
    advance(w, 2000);
    w.peerAnswers = false;
    advance(w, 10_000);
    w.beating.fill(false);
    advance(w, 4000);
    expect(w.isolatedNotices).toBe(0);
    expect(w.downs.length).toBe(3);
  });

  test('a peer never heard since start cannot be lost: a lone restart is no isolation', () => {
    const w = world(3, 1, 1500);
    w.peerAnswers = false;
    w.peerHeardMs = Number.NEGATIVE_INFINITY;
    w.beating.fill(false);
    advance(w, 5000);
    expect(w.isolatedNotices).toBe(0);
    expect(w.downs.length).toBe(3);
  });

  test('stepping down ends the isolation, with its notice', () => {
    const w = isolatedWorld();
    w.cluster.step({ type: 'roleChanged', nowMs: w.nowMs, role: 'secondary' });
    expect(w.cluster.isolated('group_1')).toBe(false);
    expect(w.cluster.ready().notices.find((notice) => notice.event === 'isolation-over')?.message).toMatch(/no longer primary/);
  });

  test('isolated: admin commands are refused and say why', () => {
    const w = isolatedWorld();
    const outcome = w.cluster.step({ type: 'admin', nowMs: w.nowMs, command: { kind: 'rebuild', groupName: 'group_1' } });
    expect(outcome).toMatchObject({ ok: false, refusal: 'refused' });
    expect(!outcome.ok && outcome.message).toMatch(/isolated/);
  });
});
