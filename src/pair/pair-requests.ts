/**
 * pair-requests — how a config server of the pair answers (docs/pair.md):
 *
 *   1004 peer heartbeat          → 1103 type 2: our PairStatus (the original sent no answer)
 *   1005 set master, value 1     → 101 code 0 iff we are primary (no side effect)
 *   1005 set master, value 2     → entry #1, primary, peer in sync: steps down, waits until every
 *                                  change is with entry #0, then 101 code 0; else 101 code 1
 *   1003 type 0 / 1 / 2          → 1103: a group's durable table / group.conf / our status
 *   1103 push                    → saved and served, then 101 code 0 (1: refused, see follower.ts)
 *   1201 migrate finish, not     → forwarded to the primary, its answer relayed; no primary in
 *        primary                   reach: 101 code 1 after a short pause (the data server retries)
 *   9 / 1002 while not serving   → all zeros (not-ready-replies.ts)
 *   9 / 1002 replies             → our epoch and role in the extension; a primary whose peer is
 *                                  not in sync names it in down_slave_config_server, so original
 *                                  data servers follow entry #1 once entry #0 is gone
 */
import type {
  GetGroupResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  MigrateFinish,
  Packet,
  RequestPacket,
  ResponseExtension,
  ReturnPacket,
  SetMasterRequest,
} from '../protocol/index.js';
import { Pcode, ServerTableType } from '../protocol/index.js';
import { sleep } from '../common/clock.js';
import { loadGroupTable } from '../store/table-store.js';
import { readGoodGroupConf } from './group-conf-sync.js';
import type { PairHost } from './pair-host.js';
import { notReadyGetGroupFor, notReadyHeartbeatFor } from './not-ready-replies.js';
import { encodePairStatus, handoverRequestValue, pairStatusType } from './pair-status.js';
import { groupConfPacket, tablePacket } from './table-transfer.js';

/** PairRequests — see the file comment. */
export class PairRequests {
  constructor(private readonly host: PairHost) {}

  /** answer — the reply to a pair packet, or null when the packet is not the pair's business. */
  answer(packet: RequestPacket): Packet | Promise<Packet> | null {
    switch (packet.pcode) {
      case Pcode.configServerHeartbeat:
        return this.statusPacket();
      case Pcode.setMaster:
        return this.setMaster(packet.body);
      case Pcode.getServerTableRequest:
        return this.serverTable(packet.body.type, packet.body.groupName);
      case Pcode.serverTable:
        return this.host.follower.applyPush(packet.body).then((result) => returnPacket(result.code, result.message));
      case Pcode.migrateFinish:
        return this.host.core.role === 'primary' ? null : this.forwardFinish(packet.body);
      default:
        return null;
    }
  }

  /**
   * noteHeartbeat — a data server's heartbeat, from `remoteIp`; false when replies must not carry
   * our tables now. Its epoch and report count only when it is listed in group.conf and the
   * connection comes from the address it is listed under.
   */
  noteHeartbeat(request: HeartbeatRequest, remoteIp: string): boolean {
    const extension = request.extension;
    if (extension) this.host.noteDataServer(request.serverId, remoteIp, extension.epoch, extension.otherConfigServer);
    return this.serving();
  }

  /** serving — whether replies to data servers and clients carry our tables now. */
  serving(): boolean {
    return this.host.core.serving(this.host.deps.nowMs());
  }

  /** notReadyHeartbeat — the reply while not serving (with our extension if the request had one). */
  notReadyHeartbeat(request: HeartbeatRequest): HeartbeatResponse {
    return notReadyHeartbeatFor(request.extension !== undefined, () => this.extension());
  }

  /** notReadyGetGroup — the get_group reply while not serving. */
  notReadyGetGroup(withExtension: boolean): GetGroupResponse {
    return notReadyGetGroupFor(withExtension, () => this.extension());
  }

  /**
   * extension — our epoch and role for replies to our own agent and client; about a group held
   * as isolated (src/cluster/isolation.ts), or one we may be cut off from with the peer silent
   * (PairHost.claimsPrimary), we do not claim to be its primary.
   */
  extension(groupName?: string): ResponseExtension {
    const core = this.host.core;
    const claimed = groupName === undefined || (this.host.claimsPrimary(groupName) && !this.host.deps.cluster().isolated(groupName));
    const primary = core.role === 'primary' && claimed;
    return { epoch: core.epoch, role: primary ? 'primary' : 'secondary' };
  }

  /** downConfigServerId — the peer's id while we are primary and it is not in sync, else 0. */
  downConfigServerId(): bigint {
    const core = this.host.core;
    return core.role === 'primary' && !core.peerSynced(this.host.deps.nowMs()) ? this.host.peerServerId : 0n;
  }

  private statusPacket(): Packet {
    const data = encodePairStatus(this.host.core.status(this.host.deps.nowMs()));
    return { pcode: Pcode.serverTable, body: { modifiedTimeS: 0, type: pairStatusType, groupName: '', originalBytes: 0, data } };
  }

  private async setMaster(request: SetMasterRequest): Promise<Packet> {
    if (request.value !== handoverRequestValue) return returnPacket(this.host.core.role === 'primary' ? 0 : 1, '');
    const handedOver = await this.host.handOver();
    return returnPacket(handedOver ? 0 : 1, handedOver ? '' : 'not handing over: not primary, not entry #1, or the peer is not in sync');
  }

  private async serverTable(type: number, groupName: string): Promise<Packet> {
    if (type === pairStatusType) return this.statusPacket();
    if (type === ServerTableType.groupConfig) {
      const watched = this.host.groupConfFile ?? (await readGoodGroupConf(this.host.deps.config.groupFile, null));
      const file = watched ?? { bytes: Buffer.alloc(0), mtimeS: 0 };
      return { pcode: Pcode.serverTable, body: await groupConfPacket(file) };
    }
    const cluster = this.host.deps.cluster();
    let table = null;
    if (cluster.hasGroup(groupName)) {
      // The store holds the snapshot and the log: the durable state, at most one save ahead of the published one.
      const loaded = await loadGroupTable(this.host.deps.config.dataDir, groupName);
      table = loaded.status === 'ok' ? loaded.table : null;
    }
    const transitionVersion = cluster.groupState(groupName)?.published.transitionVersion ?? 0;
    return { pcode: Pcode.serverTable, body: await tablePacket(groupName, table, transitionVersion) };
  }

  private async forwardFinish(finish: MigrateFinish): Promise<Packet> {
    const host = this.host;
    const peer = host.core.peerStatus;
    if (peer?.role === 'primary' && host.core.linkUp(host.deps.nowMs())) {
      try {
        const reply = await host.peers.forward.request({ pcode: Pcode.migrateFinish, body: finish }, host.timings.finishForwardTimeoutMs);
        if (reply.pcode === Pcode.returnPacket) return returnPacket(reply.body.code, reply.body.message);
      } catch {
        // Answered 1 below: the data server retries, by then to a primary that can take it.
      }
    }
    await sleep(host.deps.clock, host.timings.refusalDelayMs);
    return returnPacket(1, 'no primary config server in reach; retry');
  }
}

function returnPacket(code: number, message: string): Packet {
  const body: ReturnPacket = { configVersion: 0, code, message };
  return { pcode: Pcode.returnPacket, body };
}
