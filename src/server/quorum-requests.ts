/**
 * quorum-requests — how a config server in quorum mode answers beyond the cluster's own replies:
 *
 *   9 / 1002 replies       → every server serves the newest committed table it holds; our
 *                            extension says "primary" only from the leader (epoch = its epoch),
 *                            "secondary" elsewhere with the leader's epoch, so our agent and
 *                            client obey the leader and can fall back on any follower
 *   down_slave_config_server → the first listed config server without a lease in etcd (dead or
 *                            cut off), else 0: every server serves committed tables, so an original
 *                            data server may stay with its entry #0 whatever that entry's role, and
 *                            moves to its entry #1 only while entry #0 is gone
 *   1201 migrate finish at a follower → forwarded to the leader etcd names, its answer relayed;
 *                            no leader in reach: 101 code 1 after a short pause (the data server retries)
 *   pair pcodes (1003, 1004, 1005, 1103) → refused by the access guard (no pair peer)
 */
import { sleep, systemClock } from '../common/clock.js';
import { parseServerAddress, serverIdFromText } from '../common/server-id.js';
import { PeerClient } from '../pair/peer-client.js';
import { notReadyGetGroupFor, notReadyHeartbeatFor } from '../pair/not-ready-replies.js';
import type { GetGroupResponse, HeartbeatRequest, HeartbeatResponse, MigrateFinish, Packet, RequestPacket, ResponseExtension } from '../protocol/index.js';
import { Pcode } from '../protocol/index.js';
import type { QuorumHost } from './quorum-host.js';

/** finishForwardTimeoutMs — a forwarded migrate-finish waits this long (the data server waits 2 s). */
const finishForwardTimeoutMs = 2000;
/** refusalDelayMs — a finish that cannot be forwarded is answered 1 after this pause, so data servers do not spin. */
const refusalDelayMs = 200;

/** QuorumRequests — see the file comment. */
export class QuorumRequests {
  private leaderClient: { address: string; client: PeerClient } | null = null;

  constructor(private readonly host: QuorumHost) {}

  /** answer — the reply to a packet that is quorum mode's business, else null. */
  answer(packet: RequestPacket): Packet | Promise<Packet> | null {
    if (packet.pcode !== Pcode.migrateFinish || this.host.leads()) return null;
    return this.forwardFinish(packet.body);
  }

  /** noteHeartbeat — whether replies carry our tables: always (they are committed ones). */
  noteHeartbeat(_request: HeartbeatRequest, _remoteIp: string): boolean {
    return this.serving();
  }

  /** serving — every server of the quorum serves the committed tables it holds. */
  serving(): boolean {
    return true;
  }

  /** notReadyHeartbeat — unused while serving() holds; kept for the handler's contract. */
  notReadyHeartbeat(request: HeartbeatRequest): HeartbeatResponse {
    return notReadyHeartbeatFor(request.extension !== undefined, () => this.extension());
  }

  /** notReadyGetGroup — unused while serving() holds; kept for the handler's contract. */
  notReadyGetGroup(withExtension: boolean): GetGroupResponse {
    return notReadyGetGroupFor(withExtension, () => this.extension());
  }

  /** extension — "primary" from the leader only; the epoch is the leader's. */
  extension(_groupName?: string): ResponseExtension {
    const health = this.host.health();
    return { epoch: health?.epoch ?? 0n, role: this.host.leads() ? 'primary' : 'secondary' };
  }

  /**
   * downConfigServerId — the first config server of `[public] config_server` that has no lease in
   * etcd (it is dead or cut off), else 0: an original data server that lists the servers in that
   * order then takes the replies of its entry #1 while its entry #0 is gone. Only while etcd is
   * connected (else we know nothing), never ourselves.
   */
  downConfigServerId(): bigint {
    const health = this.host.health();
    if (health?.etcd !== 'connected') return 0n;
    const { config } = this.host.deps;
    const live = this.host.coordinator.liveAddresses();
    const down = config.configServers.find((address) => address !== config.address && !live.has(address));
    return down === undefined ? 0n : serverIdFromText(down, config.port);
  }

  /** close — drop the connection to the leader. */
  close(): void {
    this.leaderClient?.client.close();
    this.leaderClient = null;
  }

  private async forwardFinish(finish: MigrateFinish): Promise<Packet> {
    const leader = this.host.health()?.leader ?? null;
    const own = this.host.deps.config.address;
    if (leader && leader.address !== own) {
      try {
        const reply = await this.clientFor(leader.address).request({ pcode: Pcode.migrateFinish, body: finish }, finishForwardTimeoutMs);
        if (reply.pcode === Pcode.returnPacket) return returnPacket(reply.body.code, reply.body.message);
      } catch {
        // Answered 1 below: the data server retries, by then to a leader that can take it.
      }
    }
    await sleep(systemClock, refusalDelayMs);
    return returnPacket(1, 'no quorum leader in reach; retry');
  }

  private clientFor(address: string): PeerClient {
    if (this.leaderClient?.address !== address) {
      this.close();
      const { config } = this.host.deps;
      const client = new PeerClient(parseServerAddress(address, config.port), { localIp: parseServerAddress(config.address, config.port).ip });
      this.leaderClient = { address, client };
    }
    return this.leaderClient.client;
  }
}

function returnPacket(code: number, message: string): Packet {
  return { pcode: Pcode.returnPacket, body: { configVersion: 0, code, message } };
}
