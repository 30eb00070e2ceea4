/**
 * follower — the secondary's side of sync: it takes tables and group.conf from the primary,
 * pushed (1103) or pulled (1003 → 1103), one at a time, in arrival order.
 *
 *   table:  epoch older than ours ─▶ refused ("stale epoch", the pusher is deposed)
 *           epoch over epochMax ─▶ refused (never stored)
 *           older versions than served (a pull raced a push) ─▶ acknowledged, nothing changes
 *           else ─▶ saved (crash-safe) ─▶ its epoch saved in pair.state (awaited) ─▶ state and
 *                   views served together (one cluster step) ─▶ epoch adopted ─▶ ack
 *   record: epoch older than ours ─▶ refused ("stale epoch")
 *           one we hold already (a pull raced its push) ─▶ acknowledged, nothing changes
 *           not the one after ours ─▶ refused: the primary then has us pull everything
 *           else ─▶ appended to our log (crash-safe) ─▶ its epoch saved ─▶ applied and served
 *                   (one cluster step) ─▶ epoch adopted ─▶ ack
 *   group.conf: written (old one backed up) ─▶ reloaded ─▶ ack (refused while we are primary)
 *   pull:  group.conf, then every group's table; synced when the primary's token did not change
 */
import type { GroupState } from '../cluster/index.js';
import { epochMax } from '../limits.js';
import type { ServerTablePacket } from '../protocol/index.js';
import { Pcode, ServerTableType } from '../protocol/index.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import { appendGroupRecord, saveGroupTable } from '../store/table-store.js';
import { writeGroupConf } from './group-conf-sync.js';
import type { PairCore } from './pair-core.js';
import type { PairHostDeps } from './pair-deps.js';
import type { PeerClient } from './peer-client.js';
import { staleEpochMessage } from './replicator.js';
import type { GroupConfFile, TransferredRecord, TransferredTable } from './table-transfer.js';
import { readGroupConfPacket, readRecordPacket, readTablePacket } from './table-transfer.js';

/** ApplyResult — the 101 a push is answered with. */
export interface ApplyResult {
  code: number;
  message: string;
}

/** FollowerHooks — what following may make the host do. */
export interface FollowerHooks {
  stepDown(reason: string): void;
  /** persistEpoch — save `epoch` in pair.state (if higher than saved); resolves once it is on disk. */
  persistEpoch(epoch: bigint): Promise<void>;
}

const ok: ApplyResult = { code: 0, message: '' };

/** Follower — see the file comment. */
export class Follower {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: PairHostDeps,
    private readonly core: PairCore,
    private readonly hooks: FollowerHooks,
  ) {}

  /** applyPush — a 1103 pushed by the primary. */
  applyPush(packet: ServerTablePacket): Promise<ApplyResult> {
    return this.serially(async () => {
      if (packet.type === ServerTableType.groupConfig) return this.applyGroupConf(await readGroupConfPacket(packet));
      if (packet.type === ServerTableType.table) return this.applyTable(packet.groupName, await readTablePacket(packet));
      if (packet.type === ServerTableType.record) return this.applyRecord(await readRecordPacket(packet));
      return { code: 1, message: `unknown server table type ${packet.type}` };
    });
  }

  /** pull — copy group.conf and every table from the primary; true when we are in sync after it. */
  async pull(peer: PeerClient, timeoutMs: number): Promise<boolean> {
    const status = this.core.peerStatus;
    if (!status || status.role !== 'primary') return false;
    const conf = await this.fetch(peer, ServerTableType.groupConfig, '', timeoutMs);
    const confResult = await this.serially(async () => this.applyGroupConf(await readGroupConfPacket(conf)));
    if (confResult.code !== 0) throw new Error(`group.conf from the primary: ${confResult.message}`);
    for (const groupName of this.deps.cluster().groupNames()) {
      const packet = await this.fetch(peer, ServerTableType.table, groupName, timeoutMs);
      const result = await this.serially(async () => this.applyTable(groupName, await readTablePacket(packet)));
      if (result.code !== 0) throw new Error(`table of group ${groupName} from the primary: ${result.message}`);
    }
    const now = this.core.peerStatus;
    if (!now || now.role !== 'primary' || now.syncToken !== status.syncToken || now.epoch !== status.epoch) return false;
    await this.adopt(status.epoch);
    this.core.markSynced(status.syncToken);
    return true;
  }

  private async fetch(peer: PeerClient, type: number, groupName: string, timeoutMs: number): Promise<ServerTablePacket> {
    const reply = await peer.request({ pcode: Pcode.getServerTableRequest, body: { type, groupName } }, timeoutMs);
    if (reply.pcode !== Pcode.serverTable) throw new Error(`the primary answered 1003 with pcode ${reply.pcode}`);
    return reply.body;
  }

  private async applyGroupConf(file: GroupConfFile): Promise<ApplyResult> {
    if (this.core.role === 'primary') return { code: 1, message: 'this server is primary' };
    if (!(await writeGroupConf(this.deps.config.groupFile, file))) return ok;
    this.deps.logger.info({ event: 'pair-group-conf-synced', bytes: file.bytes.length }, 'group.conf copied from the primary');
    return (await this.deps.reloadGroupConf()) ? ok : { code: 1, message: 'group.conf from the primary is invalid here' };
  }

  private async applyTable(groupName: string, transferred: TransferredTable): Promise<ApplyResult> {
    const table = transferred.table;
    if (!table) return ok;
    const verdict = this.core.considerPush(table.epoch);
    if (verdict.tooLarge) return { code: 1, message: `epoch ${table.epoch} is over the limit ${epochMax}; refused` };
    if (!verdict.accept) return { code: 1, message: `${staleEpochMessage} ${this.core.epoch}` };
    if (verdict.stepDown) this.hooks.stepDown(`the peer sent a table of epoch ${table.epoch}`);
    const installed = this.deps.cluster().groupState(groupName);
    if (!installed) return { code: 1, message: `group ${groupName} is not loaded here` };
    if (isOlder(table, installed)) return ok;
    await saveGroupTable(this.deps.config.dataDir, table);
    // The epoch is on disk before this server serves anything of it.
    if (table.epoch > this.core.epoch) await this.hooks.persistEpoch(table.epoch);
    if (this.core.role === 'primary') return { code: 1, message: 'this server became primary meanwhile' };
    const { transitionVersion } = transferred;
    if (!this.deps.step({ type: 'tableSynced', nowMs: this.deps.nowMs(), table, transitionVersion })) {
      return { code: 1, message: `group ${groupName} is not loaded here` };
    }
    await this.adopt(table.epoch);
    return ok;
  }

  private async applyRecord(transferred: TransferredRecord): Promise<ApplyResult> {
    const { record, transitionVersion } = transferred;
    const verdict = this.core.considerPush(record.epoch);
    if (verdict.tooLarge) return { code: 1, message: `epoch ${record.epoch} is over the limit ${epochMax}; refused` };
    if (!verdict.accept) return { code: 1, message: `${staleEpochMessage} ${this.core.epoch}` };
    if (verdict.stepDown) this.hooks.stepDown(`the peer sent a record of epoch ${record.epoch}`);
    const installed = this.deps.cluster().groupState(record.groupName);
    if (!installed) return { code: 1, message: `group ${record.groupName} is not loaded here` };
    if (record.epoch === installed.epoch && record.seq <= installed.records.seq) return ok;
    if (record.seq !== installed.records.seq + 1) return { code: 1, message: `record ${record.seq} does not follow ours (${installed.records.seq}): pull` };
    await appendGroupRecord(this.deps.config.dataDir, record);
    if (record.epoch > this.core.epoch) await this.hooks.persistEpoch(record.epoch);
    if (this.core.role === 'primary') return { code: 1, message: 'this server became primary meanwhile' };
    if (!this.deps.step({ type: 'recordSynced', nowMs: this.deps.nowMs(), record, transitionVersion })) {
      return { code: 1, message: `record ${record.seq} of group ${record.groupName} does not apply here: pull` };
    }
    await this.adopt(record.epoch);
    return ok;
  }

  /** adopt — take a higher epoch: saved first, then acted on. */
  private async adopt(epoch: bigint): Promise<void> {
    if (epoch <= this.core.epoch || this.core.role === 'primary') return;
    await this.hooks.persistEpoch(epoch);
    this.core.adoptEpoch(epoch);
  }

  private serially(work: () => Promise<ApplyResult>): Promise<ApplyResult> {
    const run = this.chain.then(work).catch(
      (error: unknown): ApplyResult => ({
        code: 1,
        message: error instanceof Error ? error.message : String(error),
      }),
    );
    this.chain = run;
    return run;
  }
}

/** isOlder — a table of the same epoch with any version below what we serve is a stale copy. */
function isOlder(table: PersistedGroupTable, installed: Readonly<GroupState>): boolean {
  if (table.epoch !== installed.epoch) return table.epoch < installed.epoch;
  const served = installed.published.versions;
  const versions = table.versions;
  return versions.client < served.client || versions.server < served.server || versions.plugins < served.plugins || versions.areaCapacity < served.areaCapacity;
}
