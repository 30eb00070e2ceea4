/**
 * cluster-driver — drives the cluster state machine directly (no sockets, simulated time) for
 * admin command tests: data servers of test/cluster/harness heartbeat every second, engine jobs
 * run at once on the real engine, saves are confirmed at once, and every publication is kept
 * as what the data servers see — so `migrate` moves exactly the buckets they are shown.
 */
import { Cluster } from '../../../src/cluster/index.js';
import type { AdminCommand, AdminOutcome, ClusterOptions, Notice, Publication, Ready } from '../../../src/cluster/index.js';
import type { GroupConfig } from '../../../src/config/group-config.js';
import { parseGroupConf } from '../../../src/config/group-conf.js';
import { Engine } from '../../../src/engine/index.js';
import type { FakeDataServer } from '../../cluster/harness/fake-fleet.js';
import type { ShownTables } from '../../helpers/published-tables.js';
import { applyPublication } from '../../helpers/published-tables.js';
import { diskDifference, onDisk } from '../../helpers/records-on-disk.js';
import type { PersistedGroupTable } from '../../../src/cluster/persisted-group-table.js';
import { absorbReply, createFakeDataServer, heartbeatOf } from '../../cluster/harness/fake-fleet.js';

const tickMs = 100;
const beatMs = 1000;

/** ClusterDriver — see the file comment. */
export class ClusterDriver {
  readonly cluster: Cluster;
  readonly notices: Notice[] = [];
  readonly fleet = new Map<string, FakeDataServer>();
  /** seen — each group's publications applied in order: what data servers are shown. */
  readonly seen = new Map<string, ShownTables>();
  nowMs = 0;
  /** disk — what a store would hold after every record saved so far. */
  private readonly disk = new Map<string, PersistedGroupTable>();
  private readonly engine = new Engine();
  private nextToken = 1;

  constructor(configText: string, options: Partial<ClusterOptions> = {}) {
    this.cluster = new Cluster({ groups: parseGroups(configText), saved: new Map(), nowMs: 0, options: { settleMs: 500, ...options } });
    this.drain();
  }

  /** reload — group.conf changed to `configText` (or was touched). */
  reload(configText: string, kind: 'edit' | 'touch' = 'edit'): void {
    this.cluster.step({ type: 'configLoaded', nowMs: this.nowMs, kind, groups: parseGroups(configText) });
    this.drain();
  }

  /** server — the simulated data server `dsN` (127.0.0.1:5190+N). */
  server(name: string): FakeDataServer {
    let server = this.fleet.get(name);
    if (!server) {
      server = createFakeDataServer(name);
      this.fleet.set(name, server);
    }
    return server;
  }

  /** beat — these servers heartbeat every second from now on. */
  beat(...names: string[]): void {
    for (const name of names) Object.assign(this.server(name), { beating: true, reachable: true, nextBeatMs: this.nowMs });
  }

  /** kill — these servers stop heart-beating and refuse probes. */
  kill(...names: string[]): void {
    for (const name of names) Object.assign(this.server(name), { beating: false, reachable: false });
  }

  /** heartbeat — one heartbeat of `name` now; returns the reply summary. */
  heartbeat(name: string): string {
    const server = this.server(name);
    const summary = absorbReply(server, this.cluster.step({ type: 'heartbeat', nowMs: this.nowMs, request: heartbeatOf(server) }));
    this.drain();
    return summary;
  }

  /** advance — simulated time in 100 ms ticks, heartbeats every second. */
  advance(durationMs: number): void {
    const endMs = this.nowMs + durationMs;
    while (this.nowMs < endMs) {
      this.nowMs += tickMs;
      for (const [name, server] of this.fleet) {
        if (!server.beating || server.nextBeatMs > this.nowMs) continue;
        server.nextBeatMs = this.nowMs + beatMs;
        this.heartbeat(name);
      }
      this.cluster.step({ type: 'tick', nowMs: this.nowMs });
      this.drain();
    }
  }

  /** admin — one admin command now. */
  admin(command: AdminCommand): AdminOutcome {
    const outcome = this.cluster.step({ type: 'admin', nowMs: this.nowMs, command });
    this.drain();
    return outcome;
  }

  private show(publication: Publication): void {
    this.seen.set(publication.groupName, applyPublication(this.seen.get(publication.groupName), publication));
  }

  /** movable — buckets `name` is shown to move: it is their current master and their view's rows differ. */
  movable(name: string, groupName = 'group_1'): number[] {
    const server = this.server(name);
    const view = this.seen.get(groupName);
    const group = this.cluster.groupState(groupName);
    if (!view || !group || server.serverVersion !== group.published.versions.server) return [];
    const { bucketCount, currentIds, destinationIds } = view;
    const buckets: number[] = [];
    for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
      if (currentIds[bucketIndex] !== server.serverId || group.tables.current[bucketIndex] !== group.tables.valueOf.get(server.serverId)) continue;
      for (let slot = bucketIndex; slot < currentIds.length; slot += bucketCount) {
        if (currentIds[slot] !== destinationIds[slot]) {
          buckets.push(bucketIndex);
          break;
        }
      }
    }
    return buckets;
  }

  /** migrate — every beating server finishes up to `perServerMax` buckets it is shown; returns how many. */
  migrate(perServerMax = Number.POSITIVE_INFINITY): number {
    let finished = 0;
    for (const [name, server] of this.fleet) {
      if (!server.beating) continue;
      for (const bucketIndex of this.movable(name).slice(0, perServerMax)) {
        const outcome = this.cluster.step({
          type: 'migrateFinish',
          nowMs: this.nowMs,
          token: this.nextToken++,
          finish: { version: server.serverVersion, serverId: server.serverId, bucketIndex },
        });
        if (outcome.deferred || outcome.code === 0) finished += 1;
      }
    }
    this.drain();
    return finished;
  }

  /** settle — migrate and advance until nothing moves (at most `roundsMax` rounds). */
  settle(roundsMax = 50): void {
    for (let round = 0; round < roundsMax; round++) {
      this.advance(1100);
      if (this.migrate() === 0 && (this.cluster.groupState('group_1')?.migrateBlockCount ?? -1) < 0) return;
    }
  }

  /** events — the notice events so far, by name. */
  events(): string[] {
    return this.notices.map((notice) => notice.event);
  }

  private drain(): void {
    let ready: Ready = this.cluster.ready();
    for (;;) {
      this.notices.push(...ready.notices);
      for (const probe of ready.probes) {
        const server = [...this.fleet.values()].find((candidate) => candidate.serverId === probe.serverId);
        this.cluster.step({ type: 'probeResult', nowMs: this.nowMs, serverId: probe.serverId, reachable: server?.reachable ?? false });
      }
      for (const job of ready.jobs) this.runJob(job);
      for (const publication of ready.publish) this.show(publication);
      for (const request of ready.persist) {
        this.disk.set(request.groupName, onDisk(this.disk.get(request.groupName), request.record));
        this.show(request.publication);
        this.cluster.step({ type: 'persisted', nowMs: this.nowMs, groupName: request.groupName, seq: request.seq });
      }
      const more = [ready.notices, ready.probes, ready.jobs, ready.persist, ready.publish].some((list) => list.length > 0);
      if (!more) {
        this.checkDisk();
        return;
      }
      ready = this.cluster.ready();
    }
  }

  /** checkDisk — with nothing unsaved, the records rebuild exactly the working tables. */
  private checkDisk(): void {
    for (const [groupName, disk] of this.disk) {
      const state = this.cluster.groupState(groupName);
      if (!state || state.saving || state.changeSeq > state.savedChangeSeq || state.finishesPending > 0) continue;
      const difference = diskDifference(disk, state);
      if (difference) throw new Error(`at ${this.nowMs} ms: ${difference}`);
    }
  }

  private runJob(job: Ready['jobs'][number]): void {
    if (job.kind === 'quick') {
      const result = this.engine.quickTable(job.table, job.servers, { allowLost: job.allowLost });
      this.cluster.step({ type: 'quickDone', nowMs: this.nowMs, jobId: job.jobId, result });
      return;
    }
    const { jobId, kind: _kind, groupName: _groupName, source, ...input } = job;
    const result = this.engine.build({ ...input, source: source ?? undefined });
    this.cluster.step({ type: 'buildDone', nowMs: this.nowMs, jobId, result });
  }
}

function parseGroups(configText: string): GroupConfig[] {
  const parsed = parseGroupConf(configText, 'group.conf', { defaultDataServerPort: 5191 });
  if (parsed.problems.length > 0) throw new Error(parsed.problems.map((problem) => problem.message).join('\n'));
  return parsed.groups;
}

/** groupConf — group_1 over ds1..dsN (127.0.0.1:5191…). */
export function groupConf(serverCount: number, options: { bucketCount?: number; copyCount?: number; minCount?: number; extra?: string[] } = {}): string {
  const servers = Array.from({ length: serverCount }, (_, index) => `127.0.0.1:${5191 + index}`);
  return [
    '[group_1]',
    `_bucket_number = ${options.bucketCount ?? 24}`,
    `_copy_count = ${options.copyCount ?? 2}`,
    `_server_list = ${servers.join(';')}`,
    '_accept_strategy = 1',
    '_server_down_time = 1',
    `_min_data_server_count = ${options.minCount ?? 2}`,
    ...(options.extra ?? []),
  ].join('\n');
}
