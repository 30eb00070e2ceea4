/**
 * tair-client — put/get/remove against a Tair group, routed by the group's table.
 *
 *   key ──tairHash mod B──▶ bucket ──table──▶ copies [master, replica, …]
 *   put/remove → the master only         get → each copy in turn, starting at a rotating one
 *
 * Every data-server reply carries the client version that server knows; when it differs from
 * the table's, a refresh is due and the background timer (every refreshIntervalMs) fetches the
 * table — only its changes, from a config server with views — round-robin over the config
 * servers; after a failed fetch the next ones back off (with jitter, up to retryDelayMsMax). A
 * request whose servers all fail (wrong server, not serving, unreachable) refreshes at once and
 * tries again, pausing longer each round (backoff with jitter), until retryDeadlineMs.
 */
import { checkOptions, type OptionSpec } from '../common/option-checks.js';
import { InputError, TairError } from '../errors.js';
import { formatServerId, parseServerAddress, defaultConfigServerPort, type ServerAddress } from '../common/server-id.js';
import { dataKeyBytesMax, dataValueBytesMax, retryDelayMsMax } from '../limits.js';
import { Backoff } from '../common/backoff.js';
import type { ClientTable } from './client-table.js';
import { ConnectionPool } from './connection-pool.js';
import { DataCode, DataPcode, decodeDataReply, encodeDataRequest, type DataReply, type DataRequest } from './data-protocol.js';
import { fetchGroupTable, minValidVersion } from './group-fetch.js';

/** TairClientOptions — where the group is and how patient to be. */
export interface TairClientOptions {
  /** configServers — `ip:port` texts or addresses, in the order to ask them. */
  configServers: readonly (string | ServerAddress)[];
  groupName: string;
  /** requestTimeoutMs — one request to one server (default 2000). */
  requestTimeoutMs?: number;
  /** retryDeadlineMs — how long one put/get/remove keeps retrying through table changes (default 5000). */
  retryDeadlineMs?: number;
  /** refreshIntervalMs — background refresh period while the table is out of date (default 1000; 0 = off). */
  refreshIntervalMs?: number;
}

/** TairRequestError — a put/get/remove gave up (code ERR_REQUEST); `dataCode` is the last data code, if any. */
export class TairRequestError extends TairError {
  readonly dataCode: number | null;
  constructor(message: string, dataCode: number | null) {
    super('ERR_REQUEST', message);
    this.dataCode = dataCode;
  }
}

/** ClientStats — counters for callers that measure (e2e tests, benchmarks). */
export interface ClientStats {
  requests: number;
  /** retries — extra rounds after every server of a bucket failed once. */
  retries: number;
  /** serverErrors — single attempts that failed (unreachable, wrong server, not serving, replica failed). */
  serverErrors: number;
  refreshes: number;
}

const retryPauseMs = 100;

const clientOptionSpecs: Record<keyof TairClientOptions, OptionSpec> = {
  configServers: { kind: 'address list', required: true, about: "the config servers, e.g. ['127.0.0.1:5198']" },
  groupName: { kind: 'string', required: true, about: "the group's name, e.g. 'group_1'" },
  requestTimeoutMs: { kind: 'positive number', required: false, about: 'one request to one server' },
  retryDeadlineMs: { kind: 'non-negative number', required: false, about: 'how long a request keeps retrying' },
  refreshIntervalMs: { kind: 'non-negative number', required: false, about: 'background table refresh, 0 = off' },
};

/** TairClient — a connected client; create it with `TairClient.open`. */
export class TairClient {
  private current: ClientTable;
  private readonly options: Required<Omit<TairClientOptions, 'configServers'>>;
  private readonly configServers: ServerAddress[];
  private readonly pool: ConnectionPool;
  private epoch: bigint;
  private refreshIndex = 1;
  /** leaderIndex — the config server that last answered as primary: asked first (null: take turns). */
  private leaderIndex: number | null;
  private refreshDue = false;
  private refreshing: Promise<void> | null = null;
  private readonly refreshBackoff: Backoff;
  private refreshNotBeforeMs = 0;
  private readonly timer: NodeJS.Timeout | null;
  private readCursor = 0;
  /** stats — counters since open. */
  readonly stats: ClientStats = { requests: 0, retries: 0, serverErrors: 0, refreshes: 0 };

  private constructor(
    table: ClientTable,
    epoch: bigint,
    configServers: ServerAddress[],
    options: Required<Omit<TairClientOptions, 'configServers'>>,
    leaderIndex: number | null,
  ) {
    this.leaderIndex = leaderIndex;
    this.current = table;
    this.epoch = epoch;
    this.configServers = configServers;
    this.options = options;
    this.pool = new ConnectionPool(options.requestTimeoutMs);
    this.refreshBackoff = new Backoff({ baseMs: Math.max(options.refreshIntervalMs, retryPauseMs), capMs: retryDelayMsMax });
    this.timer = options.refreshIntervalMs > 0 ? setInterval(() => this.backgroundRefresh(), options.refreshIntervalMs) : null;
    this.timer?.unref();
  }

  /** open — fetch the group's table; throws GroupFetchError when no config server gives one. */
  static async open(options: TairClientOptions): Promise<TairClient> {
    checkOptions('TairClient.open', options, clientOptionSpecs);
    const configServers = options.configServers.map((entry) => (typeof entry === 'string' ? parseServerAddress(entry, defaultConfigServerPort) : entry));
    const settings = {
      groupName: options.groupName,
      requestTimeoutMs: options.requestTimeoutMs ?? 2000,
      retryDeadlineMs: options.retryDeadlineMs ?? 5000,
      refreshIntervalMs: options.refreshIntervalMs ?? 1000,
    };
    const fetched = await fetchGroupTable({
      configServers,
      groupName: settings.groupName,
      knownVersion: 0,
      epoch: 0n,
      startIndex: 0,
      timeoutMs: settings.requestTimeoutMs,
    });
    return new TairClient(fetched.table as ClientTable, fetched.epoch, configServers, settings, fetched.leaderIndex ?? null);
  }

  /** table — the table requests are routed by now. */
  get table(): ClientTable {
    return this.current;
  }

  /** put — store `value` under `key` (on the master, which replicates before it answers). */
  async put(key: Uint8Array | string, value: Uint8Array | string): Promise<void> {
    const valueBytes = toBytes(value);
    if (valueBytes.length > dataValueBytesMax) throw new InputError(`value of ${valueBytes.length} bytes is over ${dataValueBytesMax}`);
    await this.execute({ pcode: DataPcode.put, key: checkedKey(key), value: valueBytes }, true);
  }

  /** get — the value of `key`, or null when the group does not hold it. */
  async get(key: Uint8Array | string): Promise<Buffer | null> {
    const reply = await this.execute({ pcode: DataPcode.get, key: checkedKey(key) }, false);
    return reply.code === DataCode.ok ? reply.value : null;
  }

  /** remove — delete `key`; false when it was not there. */
  async remove(key: Uint8Array | string): Promise<boolean> {
    const reply = await this.execute({ pcode: DataPcode.remove, key: checkedKey(key) }, true);
    return reply.code === DataCode.ok;
  }

  /** refresh — fetch the table now (round-robin over the config servers); true when it changed. */
  async refresh(): Promise<boolean> {
    const before = this.current.version;
    this.refreshing ??= this.fetchNext().finally(() => {
      this.refreshing = null;
    });
    await this.refreshing;
    return this.current.version !== before;
  }

  /** close — stop the refresh timer and close every connection. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.pool.close();
  }

  private async fetchNext(): Promise<void> {
    const startIndex = this.leaderIndex ?? this.refreshIndex++ % this.configServers.length;
    this.stats.refreshes++;
    const fetched = await fetchGroupTable({
      configServers: this.configServers,
      groupName: this.options.groupName,
      held: this.current,
      epoch: this.epoch,
      startIndex,
      timeoutMs: this.options.requestTimeoutMs,
    });
    this.epoch = fetched.epoch;
    this.leaderIndex = fetched.leaderIndex ?? null;
    if (fetched.table) this.current = fetched.table;
    this.refreshDue = false;
  }

  private backgroundRefresh(): void {
    if (!this.refreshDue && this.current.version >= minValidVersion) return;
    if (Date.now() < this.refreshNotBeforeMs) return;
    this.refresh().then(
      () => this.refreshBackoff.reset(),
      () => {
        this.refreshNotBeforeMs = Date.now() + this.refreshBackoff.next();
      },
    );
  }

  private async execute(request: DataRequest & { key: Buffer }, isWrite: boolean): Promise<DataReply> {
    this.stats.requests++;
    const deadline = Date.now() + this.options.retryDeadlineMs;
    const backoff = new Backoff({ baseMs: retryPauseMs, capMs: retryDelayMsMax });
    for (;;) {
      const outcome = await this.tryCopies(request, isWrite);
      if ('reply' in outcome) return outcome.reply;
      if (Date.now() >= deadline) throw new TairRequestError(outcome.reason, outcome.dataCode);
      this.stats.retries++;
      const versionBefore = this.current.version;
      await this.refresh().catch(() => undefined);
      if (this.current.version === versionBefore) await sleep(Math.min(backoff.next(), Math.max(0, deadline - Date.now())));
    }
  }

  private async tryCopies(
    request: DataRequest & { key: Buffer },
    isWrite: boolean,
  ): Promise<{ reply: DataReply } | { reason: string; dataCode: number | null }> {
    const table = this.current;
    const bucketIndex = table.bucketOf(request.key);
    const copies = isWrite ? [table.masterOfBucket(bucketIndex)].filter((id) => id !== 0n) : this.readOrder(table, bucketIndex);
    if (copies.length === 0) return { reason: `bucket ${bucketIndex} has no server in table version ${table.version}`, dataCode: null };
    let reason = '';
    let dataCode: number | null = null;
    for (const serverId of copies) {
      try {
        const reply = await this.send(serverId, request);
        if (reply.configVersion >= minValidVersion && reply.configVersion !== table.version) this.refreshDue = true;
        if (reply.code === DataCode.ok || reply.code === DataCode.notFound) return { reply };
        if (reply.code === DataCode.invalid) throw new InputError(`${formatServerId(serverId)} refused the request as invalid`);
        dataCode = reply.code;
        reason = `${formatServerId(serverId)} answered ${dataCodeName(reply.code)} for bucket ${bucketIndex}`;
      } catch (error) {
        if (error instanceof InputError) throw error;
        dataCode = null;
        reason = error instanceof Error ? error.message : String(error);
      }
      this.stats.serverErrors++;
    }
    return { reason, dataCode };
  }

  private readOrder(table: ClientTable, bucketIndex: number): bigint[] {
    const copies = table.serversOfBucket(bucketIndex);
    const start = this.readCursor++ % Math.max(copies.length, 1);
    return [...copies.slice(start), ...copies.slice(0, start)];
  }

  private async send(serverId: bigint, request: DataRequest): Promise<DataReply> {
    const connection = await this.pool.connection(serverId);
    const frame = await connection.request((channelId) => encodeDataRequest(channelId, request), this.options.requestTimeoutMs);
    return decodeDataReply(frame);
  }
}

function toBytes(data: Uint8Array | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function checkedKey(key: Uint8Array | string): Buffer {
  const keyBytes = toBytes(key);
  if (keyBytes.length === 0 || keyBytes.length > dataKeyBytesMax) {
    throw new InputError(`key of ${keyBytes.length} bytes is outside 1..${dataKeyBytesMax}`);
  }
  return keyBytes;
}

function dataCodeName(code: number): string {
  const entry = Object.entries(DataCode).find(([, value]) => value === code);
  return entry ? entry[0] : `code ${code}`;
}

function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}
