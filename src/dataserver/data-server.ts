/**
 * data-server — the reference data server: an in-memory key/value store by bucket that takes
 * part in a Tair group through the agent library.
 *
 *   clients, peers ──TCP──▶ FrameServer ──▶ request-handler ──▶ BucketStore
 *                                                 │ replicate (PeerLink)
 *   config servers ◀──9/104, 1201──▶ DataServerAgent ──'table'──▶ ServingState + Migrator
 *
 * On every table: roles recomputed, buckets neither held, padded nor being received dropped;
 * on a new epoch (server version) the migrations restart. Solitary: serve nothing, keep data.
 */
import type { Logger } from 'pino';
import { formatServerId, parseServerAddress, defaultDataServerPort, serverIdFromAddress } from '../common/server-id.js';
import { DataServerAgent, type TableChange } from '../agent/data-server-agent.js';
import { currentRow, destinationRow, needsMigration } from '../agent/bucket-plan.js';
import { BucketStore } from './bucket-store.js';
import { FrameServer } from './frame-server.js';
import { Migrator } from './migrator.js';
import { handleFrame, type HandlerContext } from './request-handler.js';
import { ServingState } from './serving-state.js';

/** DataServerOptions — where to listen and whom to talk to. */
export interface DataServerOptions {
  port: number;
  /** host — the address to listen on and to be known by (default 127.0.0.1). */
  host?: string;
  configServers: readonly string[];
  groupName: string;
  logger: Logger;
  heartbeatIntervalMs?: number;
  /** migrateStartDelayMs — pause between a new table and the first copy (1 s, as the original). */
  migrateStartDelayMs?: number;
  migrateConcurrency?: number;
  requestTimeoutMs?: number;
}

/** DataServer — one running reference data server. */
export class DataServer {
  readonly store = new BucketStore();
  readonly agent: DataServerAgent;
  private readonly state: ServingState;
  private readonly migrator: Migrator;
  private readonly server: FrameServer;
  private readonly options: DataServerOptions;
  private readonly log: Logger;

  constructor(options: DataServerOptions) {
    this.options = options;
    this.log = options.logger;
    const host = options.host ?? '127.0.0.1';
    const self = parseServerAddress(`${host}:${options.port}`, defaultDataServerPort);
    const requestTimeoutMs = options.requestTimeoutMs ?? 2000;
    this.agent = new DataServerAgent({
      self,
      configServers: options.configServers,
      groupName: options.groupName,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      requestTimeoutMs,
    });
    this.state = new ServingState(serverIdFromAddress(self), requestTimeoutMs);
    this.migrator = new Migrator({
      state: this.state,
      store: this.store,
      startDelayMs: options.migrateStartDelayMs ?? 1000,
      retryDelayMs: 1000,
      concurrency: options.migrateConcurrency ?? 8,
      isWanted: (serverVersion, bucketIndex) => this.isWanted(serverVersion, bucketIndex),
      report: (bucketIndex, serverVersion) => this.agent.reportMigrated(bucketIndex, serverVersion),
      onCopied: (bucketIndex, entryCount, targets) =>
        this.log.debug({ bucket: bucketIndex, entries: entryCount, targets: targets.map(formatServerId) }, 'bucket copied'),
      onProblem: (message) => this.log.warn(message),
    });
    const context: HandlerContext = {
      state: this.state,
      store: this.store,
      onReplicaFailure: (bucketIndex, serverId, reason) =>
        this.log.warn({ bucket: bucketIndex, replica: formatServerId(serverId), reason }, 'replica did not confirm a write'),
      onProblem: (message) => this.log.warn(message),
    };
    this.server = new FrameServer(
      (frame, reply) => handleFrame(frame, reply, context),
      (message) => this.log.warn(message),
    );
    this.wireAgent();
  }

  /** start — listen, then start heartbeating. */
  async start(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    await this.server.listen(this.options.port, host);
    // The port is on every line already (the logger's base fields): not repeated here.
    this.log.info({ host, group: this.options.groupName, configServers: this.options.configServers }, 'data server listening');
    this.agent.start();
  }

  /** stop — stop heartbeats and migrations, close every connection. */
  async stop(): Promise<void> {
    this.agent.stop();
    this.migrator.cancel();
    this.state.closePeers();
    await this.server.close();
    this.log.info('data server stopped');
  }

  private wireAgent(): void {
    this.agent.on('table', (change) => this.onTable(change));
    this.agent.on('versions', (versions) => {
      this.state.clientVersion = versions.clientVersion;
    });
    this.agent.on('settled', ({ bucketIndex }) => {
      this.state.settle(bucketIndex);
      if (!this.state.isKept(bucketIndex)) {
        this.store.clearBucket(bucketIndex);
        this.state.incoming.delete(bucketIndex);
      }
    });
    this.agent.on('solitary', () => {
      this.migrator.cancel();
      this.state.stopServing();
      this.log.warn('told to go solitary: serving nothing until a new table');
    });
    this.agent.on('finish', ({ bucketIndex, code }) => this.log.debug({ bucket: bucketIndex, code }, 'migrate finish answered'));
    this.agent.on('problem', (message) => this.log.warn(message));
  }

  private onTable(change: TableChange): void {
    const { tables, plan, versions, replanned } = change;
    this.state.applyTables(tables, plan, versions.clientVersion, replanned);
    let dropped = 0;
    if (replanned) {
      // A copy into a bucket this epoch does not give us is of no use any more.
      for (const bucketIndex of [...this.state.incoming.keys()]) {
        if (!plan.padding.includes(bucketIndex)) this.state.incoming.delete(bucketIndex);
      }
    }
    for (const bucketIndex of this.store.bucketIndexes()) {
      if (bucketIndex < tables.bucketCount && this.state.isKept(bucketIndex)) continue;
      this.store.clearBucket(bucketIndex);
      this.state.incoming.delete(bucketIndex);
      dropped++;
    }
    this.log.info(
      {
        serverVersion: versions.serverVersion,
        clientVersion: versions.clientVersion,
        transitionVersion: versions.transitionVersion,
        holding: plan.holding.length,
        padding: plan.padding.length,
        mastering: plan.mastering.length,
        migrations: plan.migrations.length,
        droppedBuckets: dropped,
        replanned,
      },
      'table applied',
    );
    if (replanned) this.migrator.startEpoch(versions.serverVersion, plan.migrations);
  }

  /** A task is still wanted while its epoch lasts and the bucket still differs from its destination. */
  private isWanted(serverVersion: number, bucketIndex: number): boolean {
    const tables = this.agent.tables;
    if (!tables || this.agent.versions.serverVersion !== serverVersion) return false;
    const current = currentRow(tables, bucketIndex);
    return current[0] === this.state.selfId && needsMigration(current, destinationRow(tables, bucketIndex));
  }
}
