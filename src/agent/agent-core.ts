/**
 * agent-core — the data-server side of the heartbeat protocol as a pure state machine. The
 * adapter (data-server-agent.ts) sends `heartbeatRequest()` to every config server each second
 * and feeds each reply to `step()`, which returns what changed.
 *
 *   reply applied? (config-server-pair.ts: ours — the highest epoch's primary; original — #0, #1 if #0 is down) ──no──▶ nothing
 *        │ yes
 *        ├─ versions 1/1 ─────────────────▶ solitary (table dropped; serve nothing)
 *        ├─ server version < 10 ─────────▶ nothing (no valid table yet)
 *        ├─ table blob ──────────────────▶ table event; replanned when the server version
 *        │                                  changed (a new epoch: migrations restart)
 *        └─ no table, new client version ─▶ versions event
 *   settleBucket (finish answered 0) ──────▶ settled event: the bucket's current row := its
 *                                             destination row, as the config server just did
 *
 * A table that arrives with the same server version (a transition: buckets finished migrating)
 * replaces both tables but keeps the migration plan running.
 */
import { ProtocolError } from '../errors.js';
import {
  inflateTable,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RequestExtension,
} from '../protocol/index.js';
import { planBuckets, rowOf, type AgentTables, type BucketPlan } from './bucket-plan.js';
import { ConfigServerPair } from './config-server-pair.js';

/** PeerReach — a data server's report on a config server it heartbeats. */
export type PeerReach = 'reachable' | 'unreachable';

/** minValidVersion — versions below 10 mean "no valid table". */
const minValidVersion = 10;
/** solitaryVersion — client and server version 1 together tell a data server to go solitary. */
const solitaryVersion = 1;

/** AgentVersions — the versions the data server holds (sent back in every heartbeat). */
export interface AgentVersions {
  clientVersion: number;
  serverVersion: number;
  transitionVersion: number;
  recoveryVersion: number;
}

/** AgentEvent — what one reply changed. */
export type AgentEvent =
  | { kind: 'table'; tables: AgentTables; plan: BucketPlan; versions: AgentVersions; replanned: boolean }
  | { kind: 'versions'; versions: AgentVersions }
  | { kind: 'settled'; bucketIndex: number; tables: AgentTables }
  | { kind: 'solitary' };

/** AgentCore — the state of one data server's view of its group. */
export class AgentCore {
  readonly selfId: bigint;
  private readonly pair: ConfigServerPair;
  private tablesHeld: AgentTables | null = null;
  private planHeld: BucketPlan | null = null;
  private versionsHeld: AgentVersions = { clientVersion: 0, serverVersion: 0, transitionVersion: 0, recoveryVersion: 0 };
  private isSolitary = false;
  private pluginsVersion = 0;
  private areaCapacityVersion = 0;
  /** migrated — buckets copied under the current server version and not yet in the current table as done. */
  private readonly migrated = new Set<number>();
  /** settled — buckets whose finish was accepted under the current server version (re-applied to transition tables). */
  private readonly settled = new Set<number>();

  constructor(selfId: bigint, configServerIds: readonly bigint[]) {
    this.selfId = selfId;
    this.pair = new ConfigServerPair(configServerIds);
  }

  /** tables — the data-server view held now, or null (no table yet, or solitary). */
  get tables(): AgentTables | null {
    return this.tablesHeld;
  }

  /** plan — this server's part of the held tables, or null. */
  get plan(): BucketPlan | null {
    if (this.planHeld === null && this.tablesHeld !== null) this.planHeld = planBuckets(this.selfId, this.tablesHeld);
    return this.planHeld;
  }

  /** versions — the versions held now. */
  get versions(): AgentVersions {
    return { ...this.versionsHeld };
  }

  /** solitary — the config server told us to stop serving and we have had no table since. */
  get solitary(): boolean {
    return this.isSolitary;
  }

  /** activeConfigServerIndex — the config-server entry whose replies are applied now. */
  get activeConfigServerIndex(): number {
    return this.pair.activeIndex();
  }

  /** epoch — the highest config-server epoch seen; replies from older epochs are ignored. */
  get epoch(): bigint {
    return this.pair.highestEpoch;
  }

  /**
   * heartbeatRequest — the body of the next heartbeat (the original's fields, with our
   * extension); `otherConfigServer` is our report on the pair's other config server, for the one
   * this heartbeat goes to.
   */
  heartbeatRequest(otherConfigServer?: PeerReach): HeartbeatRequest {
    const extension: RequestExtension = { epoch: this.pair.highestEpoch, largeTableAccepted: true };
    if (otherConfigServer !== undefined) extension.otherConfigServer = otherConfigServer;
    return {
      serverFlag: 1,
      serverId: this.selfId,
      notReady: false,
      transition: { version: this.versionsHeld.transitionVersion, dataNeedMove: false, failovering: false, migrating: false },
      configVersion: this.versionsHeld.serverVersion,
      recoveryVersion: this.versionsHeld.recoveryVersion,
      // Asked while not serving; this server starts empty, so the answer is not needed.
      pullMigratedInfo: this.tablesHeld === null,
      proxyBucketIndexes: [...this.migrated],
      pluginsVersion: this.pluginsVersion,
      areaCapacityVersion: this.areaCapacityVersion,
      areaCapacities: [],
      statBytes: Buffer.alloc(0),
      extension,
    };
  }

  /** noteMigrated — a bucket's data is on its destination copies (reported in heartbeats until the table shows it). */
  noteMigrated(bucketIndex: number): void {
    this.migrated.add(bucketIndex);
  }

  /**
   * settleBucket — a config server accepted the finish of `bucketIndex` (code 0): it has copied
   * the destination row into its current table, so do the same here instead of serving
   * the old row until the next transition table arrives.
   */
  settleBucket(bucketIndex: number): AgentEvent[] {
    const tables = this.tablesHeld;
    if (!tables || bucketIndex < 0 || bucketIndex >= tables.bucketCount) return [];
    copyDestinationRow(tables, bucketIndex);
    this.planHeld = null;
    this.migrated.delete(bucketIndex);
    this.settled.add(bucketIndex);
    return [{ kind: 'settled', bucketIndex, tables }];
  }

  /** step — apply one heartbeat reply from config-server entry `entryIndex`; throws ProtocolError for a bad table. */
  step(entryIndex: number, response: HeartbeatResponse): AgentEvent[] {
    this.pair.note(entryIndex, response.downConfigServerId, response.extension);
    if (!this.pair.isApplied(entryIndex, response.extension)) return [];
    if (response.serverVersion === solitaryVersion && response.clientVersion === solitaryVersion) return this.goSolitary();
    if (response.serverVersion < minValidVersion) return [];
    this.pluginsVersion = response.pluginsVersion;
    this.areaCapacityVersion = response.areaCapacityVersion;
    if (response.tableBlob.length > 0 && response.bucketCount > 0 && response.copyCount > 0) {
      return [this.takeTable(response)];
    }
    if (response.clientVersion >= minValidVersion && response.clientVersion !== this.versionsHeld.clientVersion) {
      this.versionsHeld.clientVersion = response.clientVersion;
      return [{ kind: 'versions', versions: this.versions }];
    }
    return [];
  }

  private goSolitary(): AgentEvent[] {
    if (this.isSolitary) return [];
    this.isSolitary = true;
    this.tablesHeld = null;
    this.planHeld = null;
    this.migrated.clear();
    this.settled.clear();
    // Version 0 makes the config server send the whole table again once we are admitted.
    this.versionsHeld = { clientVersion: 0, serverVersion: 0, transitionVersion: 0, recoveryVersion: 0 };
    return [{ kind: 'solitary' }];
  }

  private takeTable(response: HeartbeatResponse): AgentEvent {
    const { bucketCount, copyCount } = response;
    const slotCount = bucketCount * copyCount;
    const view = inflateTable(response.tableBlob, 2 * slotCount);
    if (view.length !== 2 * slotCount) throw new ProtocolError('heartbeat reply: table of the wrong size');
    const tables: AgentTables = {
      bucketCount,
      copyCount,
      current: view.subarray(0, slotCount),
      destination: view.subarray(slotCount),
    };
    const previous = this.tablesHeld;
    const replanned =
      previous === null ||
      previous.bucketCount !== bucketCount ||
      previous.copyCount !== copyCount ||
      response.serverVersion !== this.versionsHeld.serverVersion;
    if (replanned) {
      this.migrated.clear();
      this.settled.clear();
    } else {
      // A transition table may predate finishes accepted since; the destination is the same.
      for (const bucketIndex of this.settled) copyDestinationRow(tables, bucketIndex);
      this.forgetSettledMigrations(tables);
    }
    this.tablesHeld = tables;
    this.planHeld = planBuckets(this.selfId, tables);
    this.isSolitary = false;
    this.versionsHeld = {
      clientVersion: response.clientVersion,
      serverVersion: response.serverVersion,
      transitionVersion: response.transition.version,
      recoveryVersion: response.recoveryVersion,
    };
    return { kind: 'table', tables, plan: this.planHeld as BucketPlan, versions: this.versions, replanned };
  }

  /** Buckets whose current row now equals the destination row need no more reporting. */
  private forgetSettledMigrations(tables: AgentTables): void {
    for (const bucketIndex of [...this.migrated]) {
      const currentRow = rowOf(tables.current, tables.bucketCount, tables.copyCount, bucketIndex);
      const destinationRow = rowOf(tables.destination, tables.bucketCount, tables.copyCount, bucketIndex);
      if (currentRow.every((serverId, copyIndex) => serverId === destinationRow[copyIndex])) this.migrated.delete(bucketIndex);
    }
  }
}

function copyDestinationRow(tables: AgentTables, bucketIndex: number): void {
  for (let copyIndex = 0; copyIndex < tables.copyCount; copyIndex++) {
    const slot = copyIndex * tables.bucketCount + bucketIndex;
    tables.current[slot] = tables.destination[slot];
  }
}
