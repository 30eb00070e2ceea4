/**
 * scenario-runner — runs a scenario file against the cluster state machine and writes a
 * transcript. The engine is the real one, run synchronously; saves land in a map ("the disk")
 * and are confirmed at once unless held.
 *
 *   config … end           group.conf text (indented lines) for `start`
 *   options k=v …          ClusterOptions for the next `start` (e.g. stuckMigrationMs=3000)
 *   start | restart        a new Cluster from the config and the saved tables
 *   beat ds1 ds2           these servers heartbeat every second from now on
 *   kill ds3               stops heartbeats, probes fail;  revive ds3: beats again
 *   hang ds3               stops heartbeats, probes still connect (a hung process)
 *   notready ds2           heartbeats carry the not-ready bit
 *   wait 5000              advance time in 100 ms ticks
 *   heartbeat ds1          one heartbeat now, reply printed
 *   finish ds1 3 [v=N]     one migrate-finish for bucket 3 (default version: what ds1 holds)
 *   migrate [n]            every beating server finishes up to n buckets it masters (default all)
 *   admit ds4 | hold-saves | release-saves | fail-next-build | reload (config … end first)
 *   lose-table group_1     the group's saved table is gone (moved aside as corrupt) before a restart
 *   show servers | versions | tables
 */
import { Engine } from '../../../src/engine/index.js';
import { Cluster } from '../../../src/cluster/index.js';
import type { ClusterOptions, PersistRequest, Ready } from '../../../src/cluster/index.js';
import { parseGroupConf } from '../../../src/config/group-conf.js';
import type { GroupConfig } from '../../../src/config/group-config.js';
import type { PersistedGroupTable } from '../../../src/store/persisted-table.js';
import { diskDifference, onDisk } from '../../helpers/records-on-disk.js';
import { needsMigration } from '../../../src/cluster/migration-plan.js';
import type { FakeDataServer } from './fake-fleet.js';
import { absorbReply, createFakeDataServer, heartbeatOf } from './fake-fleet.js';
import { describeServers, describeTables, describeVersions } from './describe.js';

const tickMs = 100;
const beatMs = 1000;

/** ScenarioRunner — see the file comment. */
export class ScenarioRunner {
  private readonly engine = new Engine();
  private readonly disk = new Map<string, PersistedGroupTable>();
  private readonly fleet = new Map<string, FakeDataServer>();
  private readonly out: string[] = [];
  private configText = '';
  private groups: GroupConfig[] = [];
  private cluster: Cluster | null = null;
  private nowMs = 0;
  private nextToken = 1;
  private holdSaves = false;
  private heldSaves: PersistRequest[] = [];
  private failNextBuild = false;

  private options: Partial<ClusterOptions> = {};

  /** run — execute a scenario text; returns the transcript. */
  run(text: string): string {
    const lines = text.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index].trim();
      if (line === '' || line.startsWith('#')) {
        if (line.startsWith('#')) this.out.push(line);
        continue;
      }
      if (line === 'config') {
        const block: string[] = [];
        while (lines[++index].trim() !== 'end') block.push(lines[index].trim());
        this.configText = block.join('\n');
        this.out.push('> config', ...block.map((entry) => `  ${entry}`));
        continue;
      }
      this.out.push(`> ${line}`);
      this.execute(line.split(/\s+/));
      this.checkDisk(line);
    }
    return `${this.out.join('\n')}\n`;
  }

  /**
   * checkDisk — with nothing unsaved, the records saved so far rebuild exactly the working tables:
   * every change of a row was marked and went into a record.
   */
  private checkDisk(line: string): void {
    if (!this.cluster || this.holdSaves) return;
    for (const group of this.groups) {
      const state = this.cluster.groupState(group.name);
      const disk = this.disk.get(group.name);
      if (!state || !disk || state.saving || state.changeSeq > state.savedChangeSeq || state.finishesPending > 0) continue;
      const difference = diskDifference(disk, state);
      if (difference) throw new Error(`after '${line}': ${difference}`);
    }
  }

  private execute([command, ...args]: string[]): void {
    switch (command) {
      case 'options':
        for (const pair of args) {
          const [key, value] = pair.split('=');
          (this.options as Record<string, number>)[key] = Number(value);
        }
        return;
      case 'start':
      case 'restart':
        return this.start();
      case 'reload':
        return this.reload(args[0] === 'touch' ? 'touch' : 'edit');
      case 'beat':
        return this.each(args, (server) => Object.assign(server, { beating: true, reachable: true, nextBeatMs: this.nowMs }));
      case 'kill':
        return this.each(args, (server) => Object.assign(server, { beating: false, reachable: false }));
      case 'hang':
        return this.each(args, (server) => Object.assign(server, { beating: false, reachable: true }));
      case 'revive':
        return this.each(args, (server) => Object.assign(server, { beating: true, reachable: true, nextBeatMs: this.nowMs }));
      case 'notready':
        return this.each(args, (server) => Object.assign(server, { notReady: true }));
      case 'heartbeat':
        return this.each(args, (server) => this.out.push(`  ${this.heartbeat(server)}`));
      case 'wait':
        return this.advance(Number(args[0]));
      case 'finish':
        return this.finish(this.server(args[0]), Number(args[1]), args[2]);
      case 'migrate':
        return this.migrate(args[0] === undefined ? Infinity : Number(args[0]));
      case 'admit':
        this.each(args, (server) =>
          this.out.push(`  ${JSON.stringify(this.requireCluster().step({ type: 'admitServer', nowMs: this.nowMs, serverId: server.serverId }))}`),
        );
        return this.drain();
      case 'hold-saves':
        this.holdSaves = true;
        return;
      case 'release-saves':
        this.holdSaves = false;
        this.releaseSaves();
        return this.drain();
      case 'lose-table':
        this.disk.delete(args[0]);
        return;
      case 'fail-next-build':
        this.failNextBuild = true;
        return;
      case 'show':
        return this.show(args[0]);
      default:
        throw new Error(`unknown scenario command '${command}'`);
    }
  }

  private start(): void {
    const parsed = parseGroupConf(this.configText, 'group.conf', { defaultDataServerPort: 5191 });
    if (parsed.problems.length > 0) throw new Error(parsed.problems.map((p) => p.message).join('\n'));
    this.groups = parsed.groups;
    this.heldSaves = [];
    this.cluster = new Cluster({ groups: this.groups, saved: new Map(this.disk), nowMs: this.nowMs, options: this.options });
    this.drain();
  }

  private reload(kind: 'edit' | 'touch'): void {
    const parsed = parseGroupConf(this.configText, 'group.conf', { defaultDataServerPort: 5191 });
    if (parsed.problems.length > 0) throw new Error(parsed.problems.map((p) => p.message).join('\n'));
    this.requireCluster().step({ type: 'configLoaded', nowMs: this.nowMs, kind, groups: parsed.groups, saved: new Map(this.disk) });
    this.drain();
  }

  private advance(durationMs: number): void {
    const endMs = this.nowMs + durationMs;
    while (this.nowMs < endMs) {
      this.nowMs += tickMs;
      for (const server of this.fleet.values()) {
        if (!server.beating || server.nextBeatMs > this.nowMs) continue;
        server.nextBeatMs = this.nowMs + beatMs;
        this.heartbeat(server);
      }
      this.requireCluster().step({ type: 'tick', nowMs: this.nowMs });
      this.drain();
    }
  }

  private heartbeat(server: FakeDataServer): string {
    const reply = this.requireCluster().step({ type: 'heartbeat', nowMs: this.nowMs, request: heartbeatOf(server) });
    return absorbReply(server, reply);
  }

  private finish(server: FakeDataServer, bucketIndex: number, versionArg: string | undefined): void {
    const version = versionArg?.startsWith('v=') ? Number(versionArg.slice(2)) : server.serverVersion;
    const token = this.nextToken++;
    const outcome = this.requireCluster().step({
      type: 'migrateFinish',
      nowMs: this.nowMs,
      token,
      finish: { version, serverId: server.serverId, bucketIndex },
    });
    this.out.push(`  finish #${token} ${server.name} bucket ${bucketIndex} v${version}: ${outcome.deferred ? 'held until saved' : `code ${outcome.code}`}`);
    this.drain();
  }

  /** migrate — each beating server finishes buckets it masters that need to move, by the table it holds. */
  private migrate(perServerMax: number): void {
    const cluster = this.requireCluster();
    for (const group of this.groups) {
      const state = cluster.groupState(group.name);
      if (!state) continue;
      const { current, destination, bucketCount, serverIds } = state.tables;
      for (const server of this.fleet.values()) {
        if (!server.beating || server.serverVersion !== state.published.versions.server) continue;
        const value = serverIds.indexOf(server.serverId) + 1;
        const codes: number[] = [];
        for (let bucketIndex = 0; bucketIndex < bucketCount && codes.length < perServerMax; bucketIndex++) {
          if (current[bucketIndex] !== value || !needsMigration(current, destination, bucketIndex, bucketCount)) continue;
          const outcome = cluster.step({
            type: 'migrateFinish',
            nowMs: this.nowMs,
            token: this.nextToken++,
            finish: { version: server.serverVersion, serverId: server.serverId, bucketIndex },
          });
          codes.push(outcome.deferred ? 0 : outcome.code);
        }
        if (codes.length > 0) this.out.push(`  ${server.name} finished ${codes.length} buckets, codes ${[...new Set(codes)].join(',')}`);
      }
    }
    this.drainQuietReplies();
  }

  private drain(): void {
    this.process(this.requireCluster().ready(), true);
  }

  private drainQuietReplies(): void {
    this.process(this.requireCluster().ready(), false);
  }

  private process(ready: Ready, printReplies: boolean): void {
    const cluster = this.requireCluster();
    for (const notice of ready.notices) this.out.push(`  [${notice.level}] ${notice.event}: ${notice.message}`);
    if (printReplies) for (const reply of ready.replies) this.out.push(`  reply #${reply.token}: code ${reply.code}`);
    for (const probe of ready.probes) {
      const server = [...this.fleet.values()].find((candidate) => candidate.serverId === probe.serverId);
      cluster.step({ type: 'probeResult', nowMs: this.nowMs, serverId: probe.serverId, reachable: server?.reachable ?? false });
    }
    for (const job of ready.jobs) this.runJob(job);
    for (const request of ready.persist) {
      if (this.holdSaves) this.heldSaves.push(request);
      else this.save(request);
    }
    const more = [ready.notices, ready.replies, ready.probes, ready.jobs, ready.persist].some((list) => list.length > 0);
    if (more) this.process(cluster.ready(), printReplies);
  }

  private runJob(job: Ready['jobs'][number]): void {
    const cluster = this.requireCluster();
    if (job.kind === 'quick') {
      const result = this.engine.quickTable(job.table, job.servers, { allowLost: job.allowLost });
      cluster.step({ type: 'quickDone', nowMs: this.nowMs, jobId: job.jobId, result });
      return;
    }
    if (this.failNextBuild) {
      this.failNextBuild = false;
      cluster.step({ type: 'jobFailed', nowMs: this.nowMs, jobId: job.jobId, message: 'injected failure' });
      return;
    }
    const { jobId, kind: _kind, groupName: _groupName, source, ...input } = job;
    const result = this.engine.build({ ...input, source: source ?? undefined });
    cluster.step({ type: 'buildDone', nowMs: this.nowMs, jobId, result });
  }

  private save(request: PersistRequest): void {
    this.disk.set(request.groupName, onDisk(this.disk.get(request.groupName), request.record));
    const { client, server } = request.record.versions;
    this.out.push(`  saved ${request.groupName} #${request.seq}: versions ${client}/${server}, migrating ${request.record.migrateBlockCount}`);
    this.requireCluster().step({ type: 'persisted', nowMs: this.nowMs, groupName: request.groupName, seq: request.seq });
  }

  private releaseSaves(): void {
    const held = this.heldSaves;
    this.heldSaves = [];
    for (const request of held) this.save(request);
  }

  private show(what: string): void {
    const cluster = this.requireCluster();
    const lines =
      what === 'servers'
        ? describeServers(cluster, [...this.fleet.values()])
        : what === 'versions'
          ? this.groups.flatMap((group) => describeVersions(cluster, group.name))
          : this.groups.flatMap((group) => describeTables(cluster, group.name));
    this.out.push(...lines.map((line) => `  ${line}`));
  }

  private each(names: string[], action: (server: FakeDataServer) => void): void {
    for (const name of names) action(this.server(name));
  }

  private server(name: string): FakeDataServer {
    let server = this.fleet.get(name);
    if (!server) {
      server = createFakeDataServer(name);
      this.fleet.set(name, server);
    }
    return server;
  }

  private requireCluster(): Cluster {
    if (!this.cluster) throw new Error('scenario: `start` first');
    return this.cluster;
  }
}
