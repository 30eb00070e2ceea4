/**
 * effect-performer — what the driver's effects do to disk and the network. The cluster says what
 * to do as data (`ready()`); this carries it out and steps the outcome back in, so the
 * composition root (config-server.ts) only wires it:
 *
 *   notices ─▶ log + operator surface       publications ─▶ views (a gap ─▶ step republish)
 *   replies ─▶ the held finish reply        persist ─▶ table store ─▶ pair/quorum gate ─▶ publish ─▶ step persisted
 *   jobs ─▶ engine runner ─▶ step result    probes ─▶ TCP probe ─▶ step probeResult
 *
 * Saves and engine jobs are tracked so stop can let them land (`settle`); once stopping, no new
 * jobs or probes start (their results would step a cluster that is being saved for the last time).
 */
import type { Logger } from 'pino';
import type { ClusterEvent, Notice, PersistRequest, Publication, Ready } from '../cluster/index.js';
import { appendGroupRecord } from '../store/table-store.js';
import type { ViewCache } from '../views/view-cache.js';
import type { OperatorSurface } from '../http/operator-surface.js';
import type { EngineRunner } from './engine-runner.js';
import { probeServer } from './liveness-probe.js';
import type { RequestHandler } from './request-handler.js';
import type { Connection } from './tcp-listener.js';

/** SaveGate — the pair's or quorum's say over a save: the epoch it is saved under, and whether it may be published. */
export interface SaveGate {
  stampEpoch(record: { epoch: bigint }): void;
  beforePublish(request: PersistRequest): Promise<boolean>;
}

/** EffectPerformerDeps — the adapters the effects reach, and the way back into the cluster. */
export interface EffectPerformerDeps {
  step: (event: ClusterEvent) => unknown;
  nowMs: () => number;
  logger: Logger;
  dataDir: string;
  views: ViewCache;
  engines: EngineRunner;
  surface: OperatorSurface;
  /** handler — sends the held finish replies (it holds them through `hold`). */
  handler: RequestHandler;
  /** gate — the pair or quorum host, null for a server alone. */
  gate: SaveGate | null;
  /** stopping — true once the server is stopping: no new jobs or probes. */
  stopping: () => boolean;
}

/** EffectPerformer — see the file comment. */
export class EffectPerformer {
  private readonly held = new Map<number, { connection: Connection; channelId: number }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private storeBytes = 0;

  constructor(private readonly deps: EffectPerformerDeps) {}

  /** storeBytesWritten — bytes the table store wrote since start (benchmarks, status). */
  get storeBytesWritten(): number {
    return this.storeBytes;
  }

  /** hold — keep where a finish reply goes until the cluster answers its token. */
  hold(token: number, connection: Connection, channelId: number): void {
    this.held.set(token, { connection, channelId });
  }

  /** release — forget a held reply (its connection went away). */
  release(token: number): void {
    this.held.delete(token);
  }

  /** perform — carry out one batch of what the cluster asked for (called by the driver only). */
  perform(ready: Ready): void {
    for (const notice of ready.notices) {
      this.log(notice);
      this.deps.surface.noticed(notice);
    }
    for (const publication of ready.publish) this.publish(publication);
    for (const reply of ready.replies) {
      const target = this.held.get(reply.token);
      this.held.delete(reply.token);
      if (target) this.deps.handler.sendFinishReply(target.connection, target.channelId, reply.code);
    }
    for (const request of ready.persist) this.track(this.saveAndPublish(request));
    if (this.deps.stopping()) return;
    for (const job of ready.jobs) {
      this.track(this.deps.surface.timeJob(job, () => this.deps.engines.run(job)).then((event) => this.deps.step(event)));
    }
    for (const probe of ready.probes) {
      void probeServer(probe.address).then((reachable) =>
        this.deps.step({ type: 'probeResult', nowMs: this.deps.nowMs(), serverId: probe.serverId, reachable }),
      );
    }
  }

  /** settle — resolves once every tracked save and engine job has landed, including those they started. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** publish — serve a publication; if the views cannot apply it (not based on what they serve), the cluster republishes. */
  private publish(publication: Publication): void {
    if (this.deps.views.publish(publication) !== 'gap') return;
    this.deps.logger.error(
      { event: 'views-gap', group: publication.groupName, seq: publication.seq },
      `group ${publication.groupName}: publication ${publication.seq} does not follow the served one; serving whole tables again`,
    );
    this.deps.step({ type: 'republish', nowMs: this.deps.nowMs(), groupName: publication.groupName });
  }

  private async saveAndPublish(request: PersistRequest): Promise<void> {
    const { groupName, seq, record } = request;
    const { logger, gate } = this.deps;
    try {
      gate?.stampEpoch(record);
      const saved = await appendGroupRecord(this.deps.dataDir, record);
      this.storeBytes += saved.bytesWritten;
      // In a pair, the secondary gets the record first; in quorum mode, etcd commits it first.
      // A deposed primary never publishes it.
      if (gate && !(await gate.beforePublish(request))) return;
      this.publish(request.publication);
      const { versions, migrateBlockCount, epoch } = record;
      const changed = record.body.kind === 'rows' ? record.body.bucketIndexes.length : record.bucketCount;
      logger.info(
        {
          event: 'published',
          group: groupName,
          seq,
          record: record.seq,
          changedBuckets: changed,
          bytes: saved.bytesWritten,
          client: versions.client,
          server: versions.server,
          migrateBlockCount,
          epoch: epoch.toString(),
        },
        `group ${groupName}: table saved and published (versions ${versions.client}/${versions.server}, ${changed} buckets changed, ${Math.max(migrateBlockCount, 0)} to migrate)`,
      );
      this.deps.step({ type: 'persisted', nowMs: this.deps.nowMs(), groupName, seq, compactWanted: saved.compactWanted });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.step({ type: 'persistFailed', nowMs: this.deps.nowMs(), groupName, seq, message });
    }
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => this.deps.logger.error({ event: 'internal-error', err: error }, 'background work failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private log(notice: Notice): void {
    const { level, message, ...fields } = notice;
    this.deps.logger[level](fields, message);
  }
}
