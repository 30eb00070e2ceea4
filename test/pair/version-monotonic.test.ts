/**
 * Table versions a client sees never go down, across failover, fail-back, restarts and lost
 * table files — over many random schedules, at the state-machine level with simulated time:
 * two config servers (the real Cluster each, the real engine, "disks" holding their table files),
 * data servers heartbeating both and obeying the primary, and a client polling either server and
 * following the highest epoch (as our client does). The pair's moves are the ones PairHost makes,
 * taken when its rules allow them:
 *
 *   takeover    the secondary, up for more than a peer timeout, the primary down: next epoch it
 *               leads, versions jumped past what the data servers hold
 *   restart     a down server comes back from its disk (sometimes a table file is lost) as a
 *               secondary and copies the primary's tables when one is up
 *
 * A table file is lost only while the other server's file holds at least its versions: a version
 * that only the lost file held (published, seen by a client, the primary dead before any data
 * server or its peer took it) is gone with it — nothing left to jump past (docs/pair.md says so).
 *   fail-back   entry #0, in sync, takes the role back from entry #1 under the next epoch
 *   and crashes of the primary, data servers dying and coming back, time passing.
 * (bench/pair-failover and bench/partition check the same with real processes.)
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Cluster } from '../../src/cluster/index.js';
import type { Ready } from '../../src/cluster/index.js';
import { parseGroupConf } from '../../src/config/group-conf.js';
import type { GroupConfig } from '../../src/config/group-config.js';
import { Engine } from '../../src/engine/index.js';
import { authorityOf, leaderOf, nextEpochFor } from '../../src/pair/epoch.js';
import type { PairEntryIndex } from '../../src/pair/epoch.js';
import type { PersistedGroupTable } from '../../src/store/persisted-table.js';
import type { FakeDataServer } from '../cluster/harness/fake-fleet.js';
import { absorbReply, createFakeDataServer, heartbeatOf } from '../cluster/harness/fake-fleet.js';
import { onDisk } from '../helpers/records-on-disk.js';

const engine = new Engine();
const stepMs = 250;
const peerTimeoutMs = 1500;

interface Node {
  index: PairEntryIndex;
  up: boolean;
  cluster: Cluster | null;
  role: 'primary' | 'secondary';
  epoch: bigint;
  upSinceMs: number;
  synced: boolean;
  /** tablesLost — its table file was corrupt at this start (PairCore ranks it below an equal epoch). */
  tablesLost: boolean;
  disk: Map<string, PersistedGroupTable>;
}

interface World {
  nowMs: number;
  groups: GroupConfig[];
  nodes: [Node, Node];
  fleet: FakeDataServer[];
  client: { epoch: bigint; version: number };
  decreases: string[];
}

type Move = 'time' | 'crashPrimary' | 'takeover' | 'restart0' | 'restart1' | 'restartLosingTable' | 'failBack' | 'killServer' | 'reviveServer';

function newWorld(serverCount: number, copyCount: number): World {
  const fleet = Array.from({ length: serverCount }, (_, index) => createFakeDataServer(`ds${index + 1}`));
  const text = [
    '[group_1]',
    '_bucket_number = 32',
    `_copy_count = ${copyCount}`,
    `_server_list = ${fleet.map((server) => server.id).join(';')}`,
    '_accept_strategy = 1',
    '_server_down_time = 1',
    `_min_data_server_count = ${copyCount}`,
    '',
  ].join('\n');
  const { groups } = parseGroupConf(text, 'group.conf', { defaultDataServerPort: 5191 });
  const node = (index: PairEntryIndex): Node => ({
    index,
    up: false,
    cluster: null,
    role: 'secondary',
    epoch: 0n,
    upSinceMs: 0,
    synced: false,
    tablesLost: false,
    disk: new Map(),
  });
  const world: World = { nowMs: 0, groups, nodes: [node(0), node(1)], fleet, client: { epoch: 0n, version: 0 }, decreases: [] };
  for (const server of fleet) server.beating = true;
  start(world, world.nodes[0]);
  world.nodes[0].role = 'primary';
  world.nodes[0].cluster?.step({ type: 'roleChanged', nowMs: 0, role: 'primary' });
  start(world, world.nodes[1]);
  return world;
}

function start(world: World, node: Node): void {
  node.cluster = new Cluster({ groups: world.groups, saved: new Map(node.disk), nowMs: world.nowMs, options: { settleMs: 500 } });
  node.up = true;
  node.upSinceMs = world.nowMs;
  node.role = 'secondary';
  node.synced = false;
  node.epoch = [...node.disk.values()].reduce((highest, table) => (table.epoch > highest ? table.epoch : highest), node.epoch);
  node.cluster.step({ type: 'roleChanged', nowMs: world.nowMs, role: 'secondary' });
  drain(world, node);
  const primary = world.nodes.find((other) => other.up && other.role === 'primary' && other !== node);
  if (primary) pull(world, primary, node);
}

/** pull — the secondary copies every table the primary holds on disk. */
function pull(world: World, primary: Node, secondary: Node): void {
  for (const table of primary.disk.values()) {
    secondary.disk.set(table.groupName, table);
    secondary.cluster?.step({ type: 'tableSynced', nowMs: world.nowMs, table, transitionVersion: 0 });
  }
  secondary.epoch = primary.epoch;
  secondary.synced = true;
  secondary.tablesLost = false;
}

function drain(world: World, node: Node): void {
  for (let round = 0; round < 20 && node.cluster; round++) {
    const ready: Ready = node.cluster.ready();
    if (ready.jobs.length + ready.persist.length + ready.probes.length === 0) return;
    for (const probe of ready.probes) {
      const server = world.fleet.find((candidate) => candidate.serverId === probe.serverId);
      node.cluster.step({ type: 'probeResult', nowMs: world.nowMs, serverId: probe.serverId, reachable: server?.beating ?? false });
    }
    for (const job of ready.jobs) {
      if (job.kind === 'quick') {
        node.cluster.step({
          type: 'quickDone',
          nowMs: world.nowMs,
          jobId: job.jobId,
          result: engine.quickTable(job.table, job.servers, { allowLost: job.allowLost }),
        });
      } else {
        const { jobId, kind: _kind, groupName: _group, source, ...input } = job;
        node.cluster.step({ type: 'buildDone', nowMs: world.nowMs, jobId, result: engine.build({ ...input, source: source ?? undefined }) });
      }
    }
    for (const request of ready.persist) {
      const table = onDisk(node.disk.get(request.groupName), { ...request.record, epoch: node.epoch });
      node.disk.set(request.groupName, table);
      const secondary = world.nodes.find((other) => other !== node && other.up && other.role === 'secondary' && other.synced);
      if (secondary) {
        secondary.disk.set(table.groupName, table);
        secondary.cluster?.step({ type: 'tableSynced', nowMs: world.nowMs, table, transitionVersion: 0 });
      }
      node.cluster.step({ type: 'persisted', nowMs: world.nowMs, groupName: request.groupName, seq: request.seq });
    }
  }
}

function passTime(world: World, durationMs: number): void {
  for (const end = world.nowMs + durationMs; world.nowMs < end; ) {
    world.nowMs += stepMs;
    const primary = world.nodes.find((node) => node.up && node.role === 'primary');
    for (const server of world.fleet) {
      if (!server.beating) continue;
      for (const node of world.nodes) {
        if (!node.up || !node.cluster) continue;
        const reply = node.cluster.step({ type: 'heartbeat', nowMs: world.nowMs, request: heartbeatOf(server) });
        if (node === primary) absorbReply(server, reply);
      }
    }
    for (const node of world.nodes) {
      if (!node.up || !node.cluster) continue;
      node.cluster.step({ type: 'tick', nowMs: world.nowMs });
      drain(world, node);
    }
    poll(world);
  }
}

/** poll — the client asks each server; it takes answers of a primary of the highest epoch it has seen. */
function poll(world: World): void {
  for (const node of world.nodes) {
    if (!node.up || !node.cluster || node.role !== 'primary') continue;
    const reply = node.cluster.getGroup({ configVersion: 0, groupName: 'group_1' });
    const version = reply.response.configVersion;
    if (version < 10 || node.epoch < world.client.epoch) continue;
    if (version < world.client.version)
      world.decreases.push(
        `${world.nowMs} ms: node ${node.index} epoch ${node.epoch} answers ${version} after ${world.client.version} (epoch ${world.client.epoch})`,
      );
    world.client = { epoch: node.epoch, version: Math.max(version, world.client.version) };
  }
}

/** becomePrimary — a new epoch jumps versions (takeOver); resuming the epoch it leads does not. */
function becomePrimary(world: World, node: Node, epoch: bigint): void {
  if (epoch !== node.epoch) node.cluster?.step({ type: 'takeOver', nowMs: world.nowMs, takeover: { epoch, versionStep: 100 } });
  node.epoch = epoch;
  node.role = 'primary';
  node.tablesLost = false;
  node.cluster?.step({ type: 'roleChanged', nowMs: world.nowMs, role: 'primary' });
  drain(world, node);
}

/** leadOrTakeOver — PairCore's choice for the server that holds the newest state. */
function leadOrTakeOver(world: World, node: Node): void {
  const highest = highestEpoch(world);
  becomePrimary(world, node, leaderOf(node.epoch) === node.index && node.epoch >= highest ? node.epoch : nextEpochFor(node.index, highest));
}

/** newestSurvives — another server's table file holds at least the versions of `node`'s. */
function newestSurvives(world: World, node: Node): boolean {
  const own = node.disk.get('group_1');
  if (!own) return true;
  return world.nodes.some((other) => {
    const copy = other === node ? undefined : other.disk.get('group_1');
    return copy !== undefined && copy.versions.client >= own.versions.client && copy.versions.server >= own.versions.server;
  });
}

function highestEpoch(world: World): bigint {
  return world.nodes.reduce((highest, node) => (node.epoch > highest ? node.epoch : highest), 0n);
}

function play(world: World, move: Move, pick: number): void {
  const [first, second] = world.nodes;
  const primary = world.nodes.find((node) => node.up && node.role === 'primary');
  const standby = world.nodes.find((node) => node.up && node.role === 'secondary');
  switch (move) {
    case 'time':
      passTime(world, 1000 + (pick % 4) * 500);
      return;
    case 'crashPrimary':
      if (primary) primary.up = false;
      return;
    case 'takeover':
      if (!primary && standby && world.nowMs - standby.upSinceMs > peerTimeoutMs && world.nodes.every((other) => other === standby || !other.up))
        leadOrTakeOver(world, standby);
      return;
    case 'restart0':
    case 'restart1':
    case 'restartLosingTable': {
      const node = move === 'restart1' ? second : move === 'restart0' ? first : world.nodes.find((candidate) => !candidate.up);
      if (!node || node.up) return;
      if (move === 'restartLosingTable' && newestSurvives(world, node)) node.disk.delete('group_1');
      start(world, node);
      node.tablesLost = move === 'restartLosingTable' && !node.synced;
      if (!world.nodes.some((other) => other.up && other.role === 'primary') && world.nodes.every((other) => other.up)) {
        // Neither leads: the one holding the newest state (PairCore's authority rule) leads, the other copies it.
        const claim = (node: Node) => ({ entryIndex: node.index, epoch: node.epoch, tablesLost: node.tablesLost });
        const leader = world.nodes[authorityOf(claim(first), claim(second))];
        leadOrTakeOver(world, leader);
        pull(world, leader, leader === first ? second : first);
      }
      return;
    }
    case 'failBack':
      if (second.up && second.role === 'primary' && first.up && first.synced) {
        second.role = 'secondary';
        second.cluster?.step({ type: 'roleChanged', nowMs: world.nowMs, role: 'secondary' });
        becomePrimary(world, first, nextEpochFor(0, highestEpoch(world)));
        pull(world, first, second);
      }
      return;
    case 'killServer': {
      const beating = world.fleet.filter((server) => server.beating);
      if (beating.length > 2) beating[pick % beating.length].beating = false;
      return;
    }
    case 'reviveServer': {
      const silent = world.fleet.filter((server) => !server.beating);
      if (silent.length > 0) silent[pick % silent.length].beating = true;
    }
  }
}

const moves: Move[] = [
  'time',
  'time',
  'time',
  'crashPrimary',
  'takeover',
  'restart0',
  'restart1',
  'restartLosingTable',
  'failBack',
  'killServer',
  'reviveServer',
];

describe('versions a client sees never go down', () => {
  test('across failover, fail-back, restarts and lost table files (random schedules)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 6 }),
        fc.integer({ min: 1, max: 2 }),
        fc.array(fc.tuple(fc.constantFrom(...moves), fc.nat(1000)), { minLength: 5, maxLength: 40 }),
        (serverCount, copyCount, schedule) => {
          const world = newWorld(serverCount, copyCount);
          passTime(world, 4000);
          for (const [move, pick] of schedule) {
            play(world, move, pick);
            passTime(world, stepMs);
          }
          for (const node of world.nodes) if (!node.up) start(world, node);
          play(world, 'takeover', 0);
          passTime(world, 4000);
          expect(world.decreases).toEqual([]);
          expect(world.client.version).toBeGreaterThanOrEqual(10);
        },
      ),
      { numRuns: 100 },
    );
  });
});
