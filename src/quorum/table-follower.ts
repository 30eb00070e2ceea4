/**
 * table-follower — every config server (the leader too) follows what is committed in etcd:
 *
 *   sync:  heads, group.conf and the leader record at one revision R ─▶ each group caught up
 *   watch: P/ from R+1 ─▶ head put   ─▶ catch the group up to that head (table-reader.ts)
 *                       ─▶ group.conf ─▶ 'groupConf'      leader put/delete ─▶ 'leader'
 *   the watch broke and came back ─▶ sync again (events may be gone with a compaction)
 *
 * Catching up runs one group at a time per group, newest head wins: heads seen while a group is
 * being read are coalesced into the last one. A head the reader cannot verify is reported
 * ('problem') and the table held so far is kept; held tables never go backwards in sequence.
 */
import { EventEmitter } from 'node:events';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { GroupHead } from './group-head.js';
import { configServerCountMax, groupCountMax } from '../limits.js';
import { parseHead } from './group-head.js';
import type { QuorumCodec } from './quorum-codec.js';
import type { QuorumKeys } from './quorum-keys.js';
import type { CommittedTable } from './table-reader.js';
import { readCommittedTable } from './table-reader.js';

/** LeaderInfo — who leads, as the leader record says. */
export interface LeaderInfo {
  address: string;
  epoch: bigint;
}

/** TableFollowerEvents — what following reports. */
export interface TableFollowerEvents {
  /** table — a newer committed table is held (also for versions this server published itself). */
  table: [CommittedTable];
  groupConf: [text: string, revision: string];
  leader: [LeaderInfo | null];
  problem: [message: string];
}

/** TableFollowerDeps — etcd, the held tables, and what to do with a new one. */
export interface TableFollowerDeps {
  client: Etcd3;
  codec: QuorumCodec;
  keys: QuorumKeys;
  held: Map<string, CommittedTable>;
  requestTimeoutMs: number;
}

/** candidateCountMax — candidate keys tracked: a few per config server (one per lease it campaigned with). */
const candidateCountMax = 4 * configServerCountMax;

interface Pending {
  head: GroupHead;
  revision: string;
}

/** TableFollower — see the file comment. */
export class TableFollower extends EventEmitter<TableFollowerEvents> {
  private watcher: Watcher | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly reading = new Map<string, Promise<void>>();
  private running = false;
  /** candidates — candidate key → address: the config servers whose lease lives (they campaign). */
  private readonly candidates = new Map<string, string>();
  /** synced — a full sync has completed since the last (re)connection. */
  synced = false;

  constructor(private readonly deps: TableFollowerDeps) {
    super();
  }

  /** start — sync, then watch; throws when etcd does not answer (the caller retries). */
  async start(): Promise<void> {
    this.running = true;
    const revision = await this.resync();
    if (!this.running) return;
    const watcher = this.deps.client
      .watch()
      .prefix(`${this.deps.keys.prefix}/`)
      .startRevision((BigInt(revision) + 1n).toString())
      .watcher();
    this.watcher = watcher;
    let broken = false;
    watcher.on('put', (kv) => this.onPut(kv));
    watcher.on('delete', (kv) => {
      const key = kv.key.toString();
      if (key === this.deps.keys.leader) this.emit('leader', null);
      this.candidates.delete(key);
    });
    watcher.on('disconnected', () => {
      broken = true;
      this.synced = false;
    });
    watcher.on('connected', () => {
      if (!broken) return;
      broken = false;
      void this.resync().catch((error: unknown) => this.emit('problem', `resync after a broken watch failed: ${messageOf(error)}`));
    });
    watcher.on('error', (error) => this.emit('problem', `watch failed: ${messageOf(error)}`));
  }

  /** stop — no more watching; reads in flight finish. */
  async stop(): Promise<void> {
    this.running = false;
    await this.watcher?.cancel().catch(() => undefined);
    this.watcher = null;
    await this.idle();
  }

  /** idle — every catch-up in flight has finished. */
  async idle(): Promise<void> {
    while (this.reading.size > 0) await Promise.all([...this.reading.values()]);
  }

  /** catchUp — read the group's head now and hold its table; null when the group has no head. */
  async catchUp(groupName: string): Promise<CommittedTable | null> {
    const result = await this.deps.client.get(this.deps.keys.head(groupName)).options(this.deadline()).exec();
    const kv = result.kvs[0];
    if (kv) {
      const head = parseHead(kv.value.toString());
      if (typeof head === 'string') throw new Error(`group ${groupName}: ${head}`);
      this.enqueue(groupName, { head, revision: kv.mod_revision });
      while (this.reading.has(groupName)) await this.reading.get(groupName);
    }
    return this.deps.held.get(groupName) ?? null;
  }

  /** liveAddresses — the addresses of the config servers that campaign now (their lease lives in etcd). */
  liveAddresses(): Set<string> {
    return new Set(this.candidates.values());
  }

  /** readCandidates — the candidate keys now (at `revision` if given), replacing those the watch reported. */
  async readCandidates(revision?: string): Promise<void> {
    const { client, keys } = this.deps;
    const range = client.getAll().prefix(keys.electionPrefix).limit(candidateCountMax);
    const candidates = await (revision === undefined ? range : range.revision(revision)).options(this.deadline()).strings();
    this.candidates.clear();
    for (const [key, address] of Object.entries(candidates)) this.candidates.set(key, address);
  }

  /** resync — every head, group.conf, the leader and the candidates at one revision, caught up; resolves with that revision. */
  async resync(): Promise<string> {
    const { client, keys } = this.deps;
    const base = await client.get(keys.epoch).options(this.deadline()).exec();
    const revision = base.header.revision;
    await this.readCandidates(revision);
    const names = await client.getAll().prefix(keys.groupsPrefix).revision(revision).options(this.deadline()).keys();
    const heads = names.filter((key) => keys.groupOfHead(key) !== null);
    for (const key of heads) {
      const result = await client.get(key).revision(revision).options(this.deadline()).exec();
      if (result.kvs[0]) this.onPut(result.kvs[0]);
    }
    for (const key of [keys.groupConf, keys.leader]) {
      const result = await client.get(key).revision(revision).options(this.deadline()).exec();
      if (result.kvs[0]) this.onPut(result.kvs[0]);
      else if (key === keys.leader) this.emit('leader', null);
    }
    await this.idle();
    this.synced = true;
    return revision;
  }

  private onPut(kv: IKeyValue): void {
    const key = kv.key.toString();
    const { keys } = this.deps;
    if (key === keys.groupConf) return void this.emit('groupConf', kv.value.toString(), kv.mod_revision);
    if (key === keys.leader) return void this.emit('leader', parseLeader(kv.value.toString()));
    if (key.startsWith(keys.electionPrefix)) {
      if (this.candidates.has(key) || this.candidates.size < candidateCountMax) this.candidates.set(key, kv.value.toString());
      return;
    }
    const groupName = keys.groupOfHead(key);
    if (groupName === null) return;
    const head = parseHead(kv.value.toString());
    if (typeof head === 'string') return void this.emit('problem', `group ${groupName}: ${head}`);
    this.enqueue(groupName, { head, revision: kv.mod_revision });
  }

  private enqueue(groupName: string, next: Pending): void {
    const held = this.deps.held.get(groupName);
    if (!held && this.deps.held.size >= groupCountMax) {
      return void this.emit('problem', `group ${groupName}: not followed, already ${groupCountMax} groups (the limit)`);
    }
    if (held && held.sequence >= next.head.sequence && held.headRevision !== '0') return;
    const queued = this.pending.get(groupName);
    if (!queued || queued.head.sequence <= next.head.sequence) this.pending.set(groupName, next);
    if (!this.reading.has(groupName)) this.reading.set(groupName, this.drain(groupName));
  }

  private async drain(groupName: string): Promise<void> {
    for (let next = this.pending.get(groupName); next; next = this.pending.get(groupName)) {
      this.pending.delete(groupName);
      await this.read(groupName, next).catch((error: unknown) =>
        this.emit('problem', `group ${groupName}: reading version ${next?.head.sequence} failed: ${messageOf(error)}`),
      );
    }
    this.reading.delete(groupName);
  }

  private async read(groupName: string, { head, revision }: Pending): Promise<void> {
    const held = this.deps.held.get(groupName) ?? null;
    if (held && held.sequence > head.sequence) return;
    const { client, codec, keys } = this.deps;
    const deadline = (): Date => this.deadline().deadline;
    let result = await readCommittedTable(client, codec, keys, groupName, head, revision, held, deadline);
    // What we hold may come from another history (a local copy, an etcd rebuilt): start from the snapshot.
    if (typeof result === 'string' && held) result = await readCommittedTable(client, codec, keys, groupName, head, revision, null, deadline);
    if (typeof result === 'string') return void this.emit('problem', `group ${groupName}: version ${head.sequence} not taken: ${result}`);
    // This server may have published a newer version meanwhile (fenced-publisher.ts).
    const now = this.deps.held.get(groupName);
    if (now && now.sequence > result.sequence) return;
    const changed = !held || held.sequence !== result.sequence || held.tableChecksum !== result.tableChecksum;
    this.deps.held.set(groupName, result);
    if (changed) this.emit('table', result);
  }

  private deadline(): { deadline: Date } {
    return { deadline: new Date(Date.now() + this.deps.requestTimeoutMs) };
  }
}

/** parseLeader — the leader record, or null when it is malformed. */
function parseLeader(text: string): LeaderInfo | null {
  try {
    const raw = JSON.parse(text) as { address?: unknown; epoch?: unknown };
    if (typeof raw.address !== 'string' || typeof raw.epoch !== 'string' || !/^\d{1,20}$/.test(raw.epoch)) return null;
    return { address: raw.address, epoch: BigInt(raw.epoch) };
  } catch {
    return null;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
