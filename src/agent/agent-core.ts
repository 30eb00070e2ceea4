/**
 * agent-core — the data-server side of the heartbeat protocol as a pure state machine. The
 * adapter (data-server-agent.ts) sends `heartbeatRequest()` to every config server each second
 * and feeds each reply to `step()`, which returns what changed.
 *
 *   reply applied? (config-server-pair.ts: ours — the highest epoch's primary; original — #0, #1 if #0 is down) ──no──▶ nothing
 *        │ yes
 *        ├─ versions 1/1 ─────────────────▶ solitary (view dropped; serve nothing)
 *        ├─ server version < 10 ─────────▶ nothing (no valid table yet)
 *        ├─ view content (extension v2) ──▶ the view whole, or changes since the version held —
 *        │                                  applied only if they reach the checksum sent with them,
 *        │                                  else the next heartbeat asks for the view whole
 *        ├─ table blob (a config server ─▶ the view cut from the whole table
 *        │   without views, or original)
 *        └─ no table, new client version ─▶ versions event (only from a config server that never
 *                                           sent views: one that does says so with content)
 *   → table event; replanned when the server version changed (a new epoch: migrations restart)
 *   settleBucket (finish answered 0) ──────▶ settled event: the bucket's current row := its
 *                                             destination row, as the config server just did
 *
 * Every heartbeat asks for views: it names the versions of the view held (server version in the
 * original field, client version in the extension), so a config server with views answers
 * with only what changed; one without them ignores the request and sends whole tables.
 */
import { ProtocolError } from '../errors.js';
import {
  inflateTable,
  readViewRows,
  readWholeRows,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RequestExtension,
  type ViewRowEntry,
  type ViewContent,
} from '../protocol/index.js';
import { planBuckets, type AgentTables, type BucketPlan } from './bucket-plan.js';
import { AgentView } from './agent-view.js';
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
  | { kind: 'table'; tables: AgentTables; plan: BucketPlan; versions: AgentVersions; replanned: boolean; changedSlots?: number }
  | { kind: 'versions'; versions: AgentVersions }
  | { kind: 'settled'; bucketIndex: number; tables: AgentTables }
  | { kind: 'solitary' }
  | { kind: 'viewRefused'; reason: string };

/** AgentCore — the state of one data server's view of its group. */
export class AgentCore {
  readonly selfId: bigint;
  private readonly pair: ConfigServerPair;
  private view: AgentView | null = null;
  private planHeld: BucketPlan | null = null;
  private versionsHeld: AgentVersions = { clientVersion: 0, serverVersion: 0, transitionVersion: 0, recoveryVersion: 0 };
  private isSolitary = false;
  private pluginsVersion = 0;
  private areaCapacityVersion = 0;
  /** freshWanted — what is held cannot take changes (nothing, or a change set failed): ask for the view whole. */
  private freshWanted = true;
  /** viewsSeen — config-server entries that have sent view content (they never send versions without it). */
  private readonly viewsSeen = new Set<number>();
  /** migrated — buckets copied under the current server version and not yet in the current table as done. */
  private readonly migrated = new Set<number>();

  constructor(selfId: bigint, configServerIds: readonly bigint[]) {
    this.selfId = selfId;
    this.pair = new ConfigServerPair(configServerIds);
  }

  /** tables — the view held now, or null (no table yet, or solitary). */
  get tables(): AgentTables | null {
    return this.view;
  }

  /** plan — this server's part of the held view, or null. */
  get plan(): BucketPlan | null {
    if (this.planHeld === null && this.view !== null) this.planHeld = planBuckets(this.selfId, this.view);
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
    const extension: RequestExtension = {
      epoch: this.pair.highestEpoch,
      largeTableAccepted: true,
      view: { heldClientVersion: this.versionsHeld.clientVersion, fresh: this.freshWanted || this.view === null },
    };
    if (otherConfigServer !== undefined) extension.otherConfigServer = otherConfigServer;
    return {
      serverFlag: 1,
      serverId: this.selfId,
      notReady: false,
      transition: { version: this.versionsHeld.transitionVersion, dataNeedMove: false, failovering: false, migrating: false },
      configVersion: this.versionsHeld.serverVersion,
      recoveryVersion: this.versionsHeld.recoveryVersion,
      // The original asks while it does not serve, to skip buckets it migrated before a restart;
      // a host of this agent starts empty and migrates by its plan, so it never needs the answer
      // (for a few servers of a big table it is megabytes per heartbeat).
      pullMigratedInfo: false,
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
   * the old row until the next version arrives.
   */
  settleBucket(bucketIndex: number): AgentEvent[] {
    const view = this.view;
    if (!view?.settle(bucketIndex)) return [];
    this.planHeld = null;
    this.migrated.delete(bucketIndex);
    return [{ kind: 'settled', bucketIndex, tables: view }];
  }

  /** step — apply one heartbeat reply from config-server entry `entryIndex`; throws ProtocolError for a bad table. */
  step(entryIndex: number, response: HeartbeatResponse): AgentEvent[] {
    this.pair.note(entryIndex, response.downConfigServerId, response.extension);
    if (!this.pair.isApplied(entryIndex, response.extension)) return [];
    if (response.serverVersion === solitaryVersion && response.clientVersion === solitaryVersion) return this.goSolitary();
    if (response.serverVersion < minValidVersion) return [];
    this.pluginsVersion = response.pluginsVersion;
    this.areaCapacityVersion = response.areaCapacityVersion;
    const content = response.extension?.content;
    if (content && response.bucketCount > 0 && response.copyCount > 0) {
      this.viewsSeen.add(entryIndex);
      return this.takeContent(response, content);
    }
    if (response.tableBlob.length > 0 && response.bucketCount > 0 && response.copyCount > 0) return [this.takeWhole(response)];
    if (!this.viewsSeen.has(entryIndex) && response.clientVersion >= minValidVersion && response.clientVersion !== this.versionsHeld.clientVersion) {
      this.versionsHeld.clientVersion = response.clientVersion;
      return [{ kind: 'versions', versions: this.versions }];
    }
    return [];
  }

  private goSolitary(): AgentEvent[] {
    if (this.isSolitary) return [];
    this.isSolitary = true;
    this.view = null;
    this.planHeld = null;
    this.migrated.clear();
    this.freshWanted = true;
    // Version 0 makes the config server send the whole view again once we are admitted.
    this.versionsHeld = { clientVersion: 0, serverVersion: 0, transitionVersion: 0, recoveryVersion: 0 };
    return [{ kind: 'solitary' }];
  }

  private takeContent(response: HeartbeatResponse, content: ViewContent): AgentEvent[] {
    const { bucketCount, copyCount } = response;
    const refuse = (reason: string): AgentEvent[] => {
      this.freshWanted = true;
      return [{ kind: 'viewRefused', reason }];
    };
    let entries: ViewRowEntry[];
    try {
      if (content.kind === 'view') {
        const view = AgentView.fromRows(this.selfId, bucketCount, copyCount, readWholeRows(content.rows, 2 * copyCount, bucketCount));
        if (view.checksum !== content.checksum) return refuse(`view checksum ${view.checksum} is not the ${content.checksum} sent`);
        return [this.install(view, response)];
      }
      entries = readViewRows(content.rows, 2 * copyCount, bucketCount).entries;
    } catch (error) {
      return refuse(error instanceof Error ? error.message : String(error));
    }
    if (content.kind !== 'viewChanges') return refuse(`content of kind ${content.kind} in a heartbeat reply`);
    const view = this.view;
    const held = this.versionsHeld;
    if (!view || view.bucketCount !== bucketCount || view.copyCount !== copyCount) return refuse('changes to a view not held');
    if (content.baseServerVersion !== held.serverVersion || content.baseClientVersion !== held.clientVersion) {
      return refuse(`changes from ${content.baseServerVersion}/${content.baseClientVersion}, held ${held.serverVersion}/${held.clientVersion}`);
    }
    const changedSlots = view.applyChanges(entries, content.checksum);
    if (changedSlots === null) return refuse('changes that do not reach the checksum sent');
    return [{ ...this.install(view, response), changedSlots }];
  }

  private takeWhole(response: HeartbeatResponse): AgentEvent {
    const { bucketCount, copyCount } = response;
    const slotCount = bucketCount * copyCount;
    const table = inflateTable(response.tableBlob, 2 * slotCount);
    if (table.length !== 2 * slotCount) throw new ProtocolError('heartbeat reply: table of the wrong size');
    return this.install(AgentView.fromWhole(this.selfId, bucketCount, copyCount, table), response);
  }

  /** install — `view` is what is held now (it may be the held one, changed in place). */
  private install(view: AgentView, response: HeartbeatResponse): Extract<AgentEvent, { kind: 'table' }> {
    const previous = this.view;
    const replanned =
      previous === null ||
      previous.bucketCount !== view.bucketCount ||
      previous.copyCount !== view.copyCount ||
      response.serverVersion !== this.versionsHeld.serverVersion;
    if (replanned) {
      this.migrated.clear();
      view.clearSettled();
    } else if (previous !== view) {
      // A view sent whole may predate finishes accepted since; the destination is the same.
      view.settleAll(previous.settledBuckets());
    }
    this.forgetSettledMigrations(view);
    this.view = view;
    this.planHeld = planBuckets(this.selfId, view);
    this.isSolitary = false;
    this.freshWanted = false;
    this.versionsHeld = {
      clientVersion: response.clientVersion,
      serverVersion: response.serverVersion,
      transitionVersion: response.transition.version,
      recoveryVersion: response.recoveryVersion,
    };
    return { kind: 'table', tables: view, plan: this.planHeld, versions: this.versions, replanned };
  }

  /** Buckets whose current row now equals the destination row (or that left the view) need no more reporting. */
  private forgetSettledMigrations(view: AgentView): void {
    for (const bucketIndex of [...this.migrated]) {
      const row = view.row(bucketIndex);
      if (!row) {
        this.migrated.delete(bucketIndex);
        continue;
      }
      let done = true;
      for (let copyIndex = 0; copyIndex < view.copyCount; copyIndex++) if (row[copyIndex] !== row[view.copyCount + copyIndex]) done = false;
      if (done) this.migrated.delete(bucketIndex);
    }
  }
}
