/**
 * serving-state — what the reference data server knows about its buckets right now, shared by
 * the request handler and the migrator.
 *
 *   role[bucket]:  0 none · 1 holding (in the current row) · 2 padding (destination only)
 *   incoming:      buckets being received from a migration source ('receiving' → 'complete')
 *   migrationTargets: buckets this master is copying out; writes are replicated to the targets
 *                     from the moment the copy begins until the next table epoch
 *
 * Writes go to the current master, which replicates to the rest of the current row (and the
 * migration targets) before it answers.
 */
import type { AgentTables, BucketPlan } from '../agent/bucket-plan.js';
import { currentRow, destinationRow } from '../agent/bucket-plan.js';
import { PeerLink } from './peer-link.js';

const roleHolding = 1;
const rolePadding = 2;

/** IncomingState — how far a migration into this server has come for a bucket. */
export type IncomingState = 'receiving' | 'complete';

/** ServingState — the bucket roles, migrations and peer links of one data server. */
export class ServingState {
  readonly selfId: bigint;
  private readonly peerTimeoutMs: number;
  private tablesHeld: AgentTables | null = null;
  private roles = new Uint8Array(0);
  private clientVersionHeld = 0;
  private servingFlag = false;
  readonly incoming = new Map<number, IncomingState>();
  readonly migrationTargets = new Map<number, bigint[]>();
  /** dirtyMigrations — buckets where a target missed a replicated write: their copy must start over. */
  readonly dirtyMigrations = new Set<number>();
  private readonly peers = new Map<bigint, PeerLink>();

  constructor(selfId: bigint, peerTimeoutMs: number) {
    this.selfId = selfId;
    this.peerTimeoutMs = peerTimeoutMs;
  }

  /** tables — the tables held, or null when not serving. */
  get tables(): AgentTables | null {
    return this.servingFlag ? this.tablesHeld : null;
  }

  /** clientVersion — the version every reply carries. */
  get clientVersion(): number {
    return this.clientVersionHeld;
  }

  set clientVersion(version: number) {
    this.clientVersionHeld = version;
  }

  /** applyTables — take a new table; `replanned` ends the outgoing migrations of the old epoch. */
  applyTables(tables: AgentTables, plan: BucketPlan, clientVersion: number, replanned: boolean): void {
    this.tablesHeld = tables;
    this.servingFlag = true;
    this.clientVersionHeld = clientVersion;
    this.roles = new Uint8Array(tables.bucketCount);
    for (const bucketIndex of plan.padding) this.roles[bucketIndex] = rolePadding;
    for (const bucketIndex of plan.holding) this.roles[bucketIndex] = roleHolding;
    if (replanned) {
      this.migrationTargets.clear();
      this.dirtyMigrations.clear();
    }
  }

  /** settle — the bucket's row changed in place (a finish was accepted): recompute its role. */
  settle(bucketIndex: number): void {
    const tables = this.tablesHeld;
    if (!tables || bucketIndex >= this.roles.length) return;
    const holding = currentRow(tables, bucketIndex).includes(this.selfId);
    const padding = destinationRow(tables, bucketIndex).includes(this.selfId);
    this.roles[bucketIndex] = holding ? roleHolding : padding ? rolePadding : 0;
  }

  /** stopServing — solitary: answer nothing until the next table. */
  stopServing(): void {
    this.servingFlag = false;
    this.migrationTargets.clear();
  }

  /** isMaster — this server is copy 0 of the bucket's current row. */
  isMaster(bucketIndex: number): boolean {
    return this.servingFlag && this.tablesHeld !== null && this.tablesHeld.row(bucketIndex)?.[0] === this.selfId;
  }

  /** canRead — in the current row, or padding with a completed incoming copy. */
  canRead(bucketIndex: number): boolean {
    if (!this.servingFlag) return false;
    const role = this.roles[bucketIndex];
    return role === roleHolding || (role === rolePadding && this.incoming.get(bucketIndex) === 'complete');
  }

  /** isKept — holding, padding or receiving: its data must not be dropped. */
  isKept(bucketIndex: number): boolean {
    return (this.roles[bucketIndex] ?? 0) !== 0 || this.incoming.has(bucketIndex);
  }

  /** replicaIds — where a write to the bucket must also go: the rest of the current row and the migration targets. */
  replicaIds(bucketIndex: number): bigint[] {
    const tables = this.tablesHeld;
    if (!tables) return [];
    const ids: bigint[] = [];
    for (const serverId of currentRow(tables, bucketIndex).slice(1)) {
      if (serverId !== 0n && serverId !== this.selfId && !ids.includes(serverId)) ids.push(serverId);
    }
    for (const serverId of this.migrationTargets.get(bucketIndex) ?? []) if (!ids.includes(serverId)) ids.push(serverId);
    return ids;
  }

  /** peer — the ordered link to another data server. */
  peer(serverId: bigint): PeerLink {
    let link = this.peers.get(serverId);
    if (!link) {
      link = new PeerLink(serverId, this.peerTimeoutMs);
      this.peers.set(serverId, link);
    }
    return link;
  }

  /** closePeers — close every peer link. */
  closePeers(): void {
    for (const link of this.peers.values()) link.close();
    this.peers.clear();
  }
}
