/**
 * group-fetch — get a group's table from the config servers.
 *
 *   for each config server, starting at `startIndex` and wrapping around:
 *     connect · 1002 get_group (known version, group, our extension asking for changes) · 1102 · close
 *     skip it when: unreachable, no reply, group unknown (B or C = 0), version < 10 (no valid
 *       table yet), an epoch below the highest we know (a deposed primary), a blob that does not
 *       inflate to C·B ids, changes or a table that do not reach the checksum sent with them
 *     a primary's answer wins at once; a secondary's is kept in case no primary answers
 *   the result names the primary that answered (`leaderIndex`): a client asks it first next time,
 *   so with any number of config servers (a quorum) one request usually suffices
 *
 * A config server with views (extension version 2) answers a client that holds a table with
 * only the rows that changed since its version; the whole table otherwise (or from one without
 * views). A reply with our known version and no table means "unchanged". When every server
 * fails, the GroupFetchError lists each one's reason.
 */
import { TairError } from '../errors.js';
import { formatServerId, serverIdFromAddress, type ServerAddress } from '../common/server-id.js';
import { decodeResponse, encodePacketFrame, inflateTable, Pcode, readViewRows, tableChecksum, type GetGroupResponse } from '../protocol/index.js';
import { ClientTable } from './client-table.js';
import { FrameConnection } from './frame-connection.js';

/** minValidVersion — versions below 10 mean "no valid table". */
export const minValidVersion = 10;

/** GroupFetchError — no config server gave a usable table (code ERR_GROUP_FETCH); `reasons` has one line per server. */
export class GroupFetchError extends TairError {
  readonly reasons: string[];
  constructor(groupName: string, reasons: string[]) {
    super('ERR_GROUP_FETCH', `no config server gave a table for group '${groupName}': ${reasons.join('; ')}`);
    this.reasons = reasons;
  }
}

/** GroupFetchOptions — where to ask and how long to wait. */
export interface GroupFetchOptions {
  configServers: readonly ServerAddress[];
  groupName: string;
  /** held — the table held: an unchanged group answers without a table, a changed one with only its changes. */
  held?: ClientTable | null;
  /** knownVersion — without `held`: the version held (0 = none); an unchanged group answers without a table. */
  knownVersion?: number;
  /** epoch — the highest config-server epoch seen so far; older answers are ignored. */
  epoch: bigint;
  /** startIndex — the config server asked first (round-robin refreshes). */
  startIndex: number;
  timeoutMs: number;
}

/** GroupFetchResult — a new table (or null when unchanged) and the epoch of the answer. */
export interface GroupFetchResult {
  table: ClientTable | null;
  epoch: bigint;
  configServer: string;
  /** leaderIndex — the index (in `configServers`) of our server that answered as primary; null when a secondary or an original server did. */
  leaderIndex?: number | null;
}

/** fetchGroupTable — ask the config servers in turn; throws GroupFetchError when none answers usably. */
export async function fetchGroupTable(options: GroupFetchOptions): Promise<GroupFetchResult> {
  const reasons: string[] = [];
  let fallback: GroupFetchResult | null = null;
  const serverCount = options.configServers.length;
  for (let step = 0; step < serverCount; step++) {
    const index = (options.startIndex + step) % serverCount;
    const address = options.configServers[index];
    const name = formatServerId(serverIdFromAddress(address));
    try {
      const response = await askOne(address, options);
      const result = interpret(response, options, name);
      if (response.extension?.role !== 'secondary') return { ...result, leaderIndex: response.extension ? index : null };
      fallback ??= { ...result, leaderIndex: null };
    } catch (error) {
      reasons.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (fallback) return fallback;
  throw new GroupFetchError(options.groupName, reasons);
}

async function askOne(address: ServerAddress, options: GroupFetchOptions): Promise<GetGroupResponse> {
  const connection = await FrameConnection.open(address, options.timeoutMs);
  try {
    const frame = await connection.request(
      (channelId) =>
        encodePacketFrame(channelId, {
          pcode: Pcode.getGroupRequest,
          body: {
            configVersion: heldVersion(options),
            groupName: options.groupName,
            extension: {
              epoch: options.epoch,
              largeTableAccepted: true,
              view: { heldClientVersion: heldVersion(options), fresh: !options.held },
            },
          },
        }),
      options.timeoutMs,
    );
    const packet = decodeResponse(frame.pcode, frame.body);
    if (packet.pcode !== Pcode.getGroupResponse) throw new Error(`answered with pcode ${packet.pcode}`);
    return packet.body;
  } finally {
    connection.close();
  }
}

function interpret(response: GetGroupResponse, options: GroupFetchOptions, name: string): GroupFetchResult {
  const epoch = response.extension?.epoch ?? 0n;
  if (epoch < options.epoch) throw new Error(`epoch ${epoch} is older than ${options.epoch}`);
  const { bucketCount, copyCount, configVersion } = response;
  if (bucketCount === 0 || copyCount === 0) throw new Error(`group '${options.groupName}' is unknown or not ready`);
  if (configVersion < minValidVersion) throw new Error(`no valid table yet (version ${configVersion})`);
  const held = options.held ?? null;
  const content = response.extension?.content;
  if (content?.kind === 'tableChanges') {
    if (!held || held.version !== content.baseClientVersion || held.bucketCount !== bucketCount || held.copyCount !== copyCount) {
      throw new Error(`changes from version ${content.baseClientVersion} to a table it was not given`);
    }
    const rows = readViewRows(content.rows, copyCount, bucketCount);
    const table = held.withChanges(rows.entries, configVersion, content.checksum);
    if (!table) throw new Error(`changes to version ${configVersion} do not reach the checksum sent`);
    return { table, epoch, configServer: name };
  }
  if (response.tableBlob.length === 0) {
    if (configVersion === heldVersion(options)) return { table: null, epoch, configServer: name };
    throw new Error(`version ${configVersion} came without a table`);
  }
  const serverIds = inflateTable(response.tableBlob, bucketCount * copyCount);
  const checksum = content?.kind === 'table' ? tableChecksum(serverIds, bucketCount, copyCount) : null;
  if (content?.kind === 'table' && checksum !== content.checksum) throw new Error(`table of version ${configVersion} does not match the checksum sent`);
  const table = new ClientTable(options.groupName, bucketCount, copyCount, configVersion, serverIds, checksum);
  return { table, epoch, configServer: name };
}

function heldVersion(options: GroupFetchOptions): number {
  return options.held?.version ?? options.knownVersion ?? 0;
}
