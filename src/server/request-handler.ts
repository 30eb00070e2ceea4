/**
 * request-handler — every request pcode to its answer:
 *
 *   6 ping → 101 · 9 heartbeat → 104 · 1002 get_group → 1102 · 1006 → 1104 · 1009 → 1106 ·
 *   1012 → 1112 · 1201 migrate finish → 101 (held until saved when it changed something) ·
 *   1500 data-server control → 1502 · 1501 → 1302 · 16 op_cmd → 17 ·
 *   any other known pcode → 101 code 0 · an unknown pcode or a body that does not decode → the
 *   connection is closed (ProtocolError, logged by the listener)
 *
 * In a config-server pair, 1003/1004/1005/1103 and a secondary's 1201 are answered by
 * src/pair/pair-requests.ts, and heartbeat/get_group replies carry the pair's epoch and role.
 *
 * Tables over the original's 1,000,000-byte blob limit go only to requests whose extension
 * trailer says they take large tables; everyone else gets the reply without the table.
 *
 * Table content comes from the views (src/views), never built per request: whole blobs are
 * compressed once per version and referenced by every reply; a peer that asks for views
 * (extension version 2) gets its own view or the changes since the version it holds. A heartbeat
 * whose connection is backed up gets its answer without table content (and the content at a later
 * beat); one that comes after this turn's content budget is spent is answered in a later turn
 * (turn-budget.ts), so heartbeats that need no content go first.
 */
import type { Logger } from 'pino';
import type { ClusterEvent, ClusterReader, HeartbeatReply, StepAnswer } from '../cluster/index.js';
import type {
  DataServerControlRequest,
  DataServerControlResponse,
  Frame,
  GetGroupRequest,
  HeartbeatRequest,
  HeartbeatResponse,
  MigrateFinish,
  OpCmdRequest,
  OpCmdResponse,
  Packet,
  RequestExtension,
  ResponseExtension,
} from '../protocol/index.js';
import {
  decodeRequest,
  encodePacketFrame,
  encodePacketFrameSegments,
  isKnownPcode,
  isRequestPcode,
  Pcode,
  ReturnCode,
  tableBlobFitsOriginalPeer,
} from '../protocol/index.js';
import { ProtocolError } from '../errors.js';
import { addressFromServerId } from '../common/server-id.js';
import { sentFromHost } from '../security/address-filter.js';
import type { PairRequests } from '../pair/pair-requests.js';
import type { Connection, FrameHandler } from './tcp-listener.js';
import type { ViewCache } from '../views/view-cache.js';
import type { GroupView } from '../views/group-view.js';
import { connectionCountMax, contentDeferMsMax, tableContentBytesPerTurnMax } from '../limits.js';
import { TurnBudget } from './turn-budget.js';

/** CoordinationAnswers — what the pair (or quorum mode) adds to the answers. */
export type CoordinationAnswers = Pick<
  PairRequests,
  'answer' | 'noteHeartbeat' | 'serving' | 'notReadyHeartbeat' | 'notReadyGetGroup' | 'extension' | 'downConfigServerId'
>;

/** RequestServices — what answering needs from the host. */
export interface RequestServices {
  /** cluster — read-only: queries are answered from the published state. */
  cluster: ClusterReader;
  /** step — the one way to change the cluster (the host's driver steps, then performs what it asks for). */
  step<E extends ClusterEvent>(event: E): StepAnswer<E>;
  views: ViewCache;
  logger: Logger;
  nowMs(): number;
  /** holdReply — remember where to send a finish reply the cluster may hold until its change is saved. */
  holdReply(token: number, connection: Connection, channelId: number): void;
  /** releaseReply — forget a held place: the reply was sent at once. */
  releaseReply(token: number): void;
  nextToken(): number;
  dataServerControl(request: DataServerControlRequest): Promise<DataServerControlResponse>;
  opCmd(request: OpCmdRequest): Promise<OpCmdResponse>;
  /** pair — the config-server pair's answers (src/pair) or quorum mode's (quorum-requests.ts); absent when this server runs alone. */
  pair?: CoordinationAnswers | null;
  /** contentBudget — table content heartbeat replies may carry per turn (default tableContentBytesPerTurnMax bytes). */
  contentBudget?: TurnBudget;
}

const emptyBlob = Buffer.alloc(0);
const primaryExtension: ResponseExtension = { epoch: 0n, role: 'primary' };

/** RequestHandler — see the file comment. */
export class RequestHandler implements FrameHandler {
  private readonly oversizeLogged = new Set<string>();
  private readonly contentBudget: TurnBudget;

  constructor(private readonly services: RequestServices) {
    this.contentBudget = services.contentBudget ?? new TurnBudget(tableContentBytesPerTurnMax, connectionCountMax);
  }

  /** handle — answer one frame (asynchronous answers are sent when ready). */
  handle(connection: Connection, frame: Frame): void {
    if (!isKnownPcode(frame.pcode)) throw new ProtocolError(`unknown pcode ${frame.pcode}`);
    if (!isRequestPcode(frame.pcode)) {
      this.reply(connection, frame.channelId, genericReturn(ReturnCode.success));
      return;
    }
    const packet = decodeRequest(frame.pcode, frame.body);
    const { services } = this;
    const pairAnswer = services.pair?.answer(packet);
    if (pairAnswer) {
      if (pairAnswer instanceof Promise) return this.later(connection, frame.channelId, pairAnswer);
      return this.reply(connection, frame.channelId, pairAnswer);
    }
    switch (packet.pcode) {
      case Pcode.heartbeatRequest:
        return this.heartbeat(connection, frame.channelId, packet.body);
      case Pcode.getGroupRequest:
        return this.getGroup(connection, frame.channelId, packet.body);
      case Pcode.groupNamesRequest:
        return this.reply(connection, frame.channelId, {
          pcode: Pcode.groupNamesResponse,
          body: { status: 1, groupNames: services.cluster.groupNames() },
        });
      case Pcode.queryInfoRequest:
        return this.reply(connection, frame.channelId, { pcode: Pcode.queryInfoResponse, body: services.cluster.queryInfo(packet.body) });
      case Pcode.nonDownDataServersRequest:
        return this.reply(connection, frame.channelId, {
          pcode: Pcode.nonDownDataServersResponse,
          body: services.cluster.nonDownDataServers(packet.body),
        });
      case Pcode.migratingMachinesRequest:
        return this.reply(connection, frame.channelId, {
          pcode: Pcode.migratingMachinesResponse,
          body: services.cluster.migratingMachines(packet.body.serverId),
        });
      case Pcode.migrateFinish:
        return this.migrateFinish(connection, frame.channelId, packet.body);
      case Pcode.dataServerControlRequest:
        return this.later(
          connection,
          frame.channelId,
          services.dataServerControl(packet.body).then((body) => ({ pcode: Pcode.dataServerControlResponse, body })),
        );
      case Pcode.opCmdRequest:
        return this.later(
          connection,
          frame.channelId,
          services.opCmd(packet.body).then((body) => ({ pcode: Pcode.opCmdResponse, body })),
        );
      default:
        return this.reply(connection, frame.channelId, genericReturn(ReturnCode.success));
    }
  }

  /** sendFinishReply — a held finish reply, now that its change is saved. */
  sendFinishReply(connection: Connection, channelId: number, code: number): void {
    this.reply(connection, channelId, genericReturn(code));
  }

  private heartbeat(connection: Connection, channelId: number, request: HeartbeatRequest): void {
    const { services } = this;
    const pair = services.pair;
    const remoteIp = connection.remoteIp;
    const serving = pair ? pair.noteHeartbeat(request, remoteIp) : true;
    const sourceVerified = sentFromHost(remoteIp, addressFromServerId(request.serverId).ip);
    const reply: HeartbeatReply = services.step({ type: 'heartbeat', nowMs: services.nowMs(), request, sourceVerified });
    if (pair && !serving) {
      this.reply(connection, channelId, { pcode: Pcode.heartbeatResponse, body: pair.notReadyHeartbeat(request) });
      return;
    }
    const response = reply.response;
    const extension = request.extension;
    if (pair) response.downConfigServerId = pair.downConfigServerId();
    if (extension) response.extension = { ...(pair?.extension(response.groupName) ?? primaryExtension) };
    if (reply.migratedInfoGroup) response.migratedInfo = services.views.get(reply.migratedInfoGroup)?.migratedInfo(request.serverId) ?? [];
    const groupView = reply.viewGroup ? services.views.get(reply.viewGroup) : undefined;
    // Past this turn's content budget, a reply that would carry content waits for a later turn; one
    // that waited contentDeferMsMax goes without (the peer must hear back well within its timeout).
    const budget = this.contentBudget;
    if (groupView && wantsContent(request, reply.tableGroup, groupView) && !budget.openNow() && connection.canTakeTable()) {
      const arrivedMs = services.nowMs();
      const later = () => {
        const inTime = services.nowMs() - arrivedMs <= contentDeferMsMax;
        this.answerHeartbeat(connection, channelId, request, response, reply.tableGroup, groupView, inTime);
      };
      if (budget.defer(later)) return;
    }
    this.answerHeartbeat(connection, channelId, request, response, reply.tableGroup, groupView, true);
  }

  /** answerHeartbeat — the reply, with the table content the peer needs when allowed (not waited too long), the budget and its connection allow. */
  private answerHeartbeat(
    connection: Connection,
    channelId: number,
    request: HeartbeatRequest,
    response: HeartbeatResponse,
    tableGroup: string | null,
    groupView: GroupView | undefined,
    contentAllowed: boolean,
  ): void {
    if (!connection.isOpen) return;
    let hasTable = false;
    if (request.extension?.view) {
      hasTable = contentAllowed && this.attachView(connection, request, response, groupView);
      if (!hasTable) Object.assign(response, { bucketCount: 0, copyCount: 0 });
    } else if (tableGroup && groupView) {
      // Not compressed yet (a big table nobody asked for whole before), the connection is backed up, or the budget is spent.
      const blob = contentAllowed && connection.canTakeTable() && this.contentBudget.open() ? groupView.blobs.blob('dataServer') : null;
      if (blob) response.tableBlob = this.blobFor(tableGroup, blob, request.extension);
      hasTable = response.tableBlob.length > 0;
      if (hasTable) this.contentBudget.charge(response.tableBlob.length);
      // An original peer takes the versions of any reply with a shape: without the table this one
      // says nothing changed, and the peer asks again at its next beat.
      if (!hasTable) unchangedFor(request, response);
    }
    const packet: Packet = { pcode: Pcode.heartbeatResponse, body: response };
    if (hasTable) connection.sendTable(encodePacketFrameSegments(channelId, packet));
    else this.reply(connection, channelId, packet);
  }

  /** attachView — a version-2 peer's view or changes, when it needs them and its connection can take them. */
  private attachView(connection: Connection, request: HeartbeatRequest, response: HeartbeatResponse, groupView: GroupView | undefined): boolean {
    const view = request.extension?.view;
    if (!view || !groupView || !response.extension || !connection.canTakeTable() || !this.contentBudget.open()) return false;
    const { server, client } = groupView.versions;
    // The reply's versions must name the content, or the peer would think it holds what it does not.
    if (server !== response.serverVersion || client !== response.clientVersion) return false;
    const content = groupView.dataServerContent(request.serverId, request.configVersion, view.heldClientVersion, view.fresh);
    if (!content) return false;
    this.contentBudget.charge(content.rows.length);
    response.extension.content = content;
    response.bucketCount = groupView.bucketCount;
    response.copyCount = groupView.copyCount;
    return true;
  }

  private getGroup(connection: Connection, channelId: number, request: GetGroupRequest): void {
    const { services } = this;
    const pair = services.pair;
    if (pair && !pair.serving()) {
      this.reply(connection, channelId, { pcode: Pcode.getGroupResponse, body: pair.notReadyGetGroup(request.extension !== undefined) });
      return;
    }
    const reply = services.cluster.getGroup(request);
    const response = reply.response;
    if (request.extension) response.extension = { ...(pair?.extension(request.groupName) ?? primaryExtension) };
    const groupView = reply.tableGroup ? services.views.get(reply.tableGroup) : undefined;
    if (!reply.tableGroup || !groupView) {
      this.reply(connection, channelId, { pcode: Pcode.getGroupResponse, body: response });
      return;
    }
    const changes = request.extension?.view && !request.extension.view.fresh ? groupView.tableChanges(request.configVersion) : null;
    if (changes && response.extension && groupView.versions.client === response.configVersion) {
      response.extension.content = changes;
      connection.sendTable(encodePacketFrameSegments(channelId, { pcode: Pcode.getGroupResponse, body: response }));
      return;
    }
    const tableGroup = reply.tableGroup;
    const checksum = groupView.tableChecksum();
    void groupView.blobs.whenReady('client').then(
      (blob) => {
        response.tableBlob = this.blobFor(tableGroup, blob, request.extension);
        // While the views prepare there is no checksum yet: the table goes as a version-1 reply would.
        if (response.extension && request.extension?.view && checksum !== null) {
          response.extension.content = { kind: 'table', baseServerVersion: 0, baseClientVersion: 0, checksum, rows: emptyBlob };
        }
        connection.sendTable(encodePacketFrameSegments(channelId, { pcode: Pcode.getGroupResponse, body: response }));
      },
      (error: unknown) => {
        this.services.logger.error({ event: 'request-failed', err: error }, 'compressing the table failed');
        connection.close('request failed');
      },
    );
  }

  private migrateFinish(connection: Connection, channelId: number, finish: MigrateFinish): void {
    const { services } = this;
    const token = services.nextToken();
    // Held before stepping: a finish whose change is saved at once may be answered within the step.
    services.holdReply(token, connection, channelId);
    const outcome = services.step({ type: 'migrateFinish', nowMs: services.nowMs(), finish, token });
    if (!outcome.deferred) {
      services.releaseReply(token);
      this.reply(connection, channelId, genericReturn(outcome.code));
    }
  }

  /** blobFor — the table blob, or none for a peer that cannot take one this large. */
  private blobFor(groupName: string, blob: Buffer, extension: RequestExtension | undefined): Buffer {
    if (tableBlobFitsOriginalPeer(blob) || extension?.largeTableAccepted) return blob;
    if (!this.oversizeLogged.has(groupName)) {
      this.oversizeLogged.add(groupName);
      this.services.logger.warn(
        { event: 'table-too-large', group: groupName, blobBytes: blob.length },
        `group ${groupName}: the table blob (${blob.length} bytes) is over the original's 1,000,000-byte limit; ` +
          'peers without our extension get replies without the table',
      );
    }
    return emptyBlob;
  }

  private later(connection: Connection, channelId: number, answer: Promise<Packet>): void {
    answer.then(
      (packet) => this.reply(connection, channelId, packet),
      (error: unknown) => {
        this.services.logger.error({ event: 'request-failed', err: error }, 'request failed');
        connection.close('request failed');
      },
    );
  }

  private reply(connection: Connection, channelId: number, packet: Packet): void {
    connection.send(encodePacketFrame(channelId, packet));
  }
}

function genericReturn(code: number): Packet {
  return { pcode: Pcode.returnPacket, body: { configVersion: 0, code, message: '' } };
}

/** wantsContent — whether a heartbeat's reply would carry table content: a view or changes, or a whole table. */
function wantsContent(request: HeartbeatRequest, tableGroup: string | null, groupView: GroupView): boolean {
  const view = request.extension?.view;
  if (!view) return tableGroup !== null;
  const { server, client } = groupView.versions;
  return view.fresh || request.configVersion !== server || view.heldClientVersion !== client;
}

/** unchangedFor — a heartbeat reply that tells `request`'s sender its table is still current (no table, its own versions). */
function unchangedFor(request: HeartbeatRequest, response: HeartbeatResponse): void {
  response.serverVersion = request.configVersion;
  response.transition.version = request.transition.version;
  response.bucketCount = 0;
  response.copyCount = 0;
}
