/**
 * replicator — the primary's pushes to the secondary, strictly in order, one at a time:
 *
 *   group.conf edit ──┐                                   1103 type 1 ──▶ secondary writes, reloads ──▶ 101
 *   record saved ─────┴─▶ queue ─▶ encode ─▶ push ──────▶ 1103 type 3 (rows) or 0 (whole tables)
 *                                                          ──▶ secondary saves, serves ──▶ 101
 *   (a record that does not follow what the secondary holds is refused: it then pulls everything)
 *
 * The secondary answers only once the file is durable and served, so a table is published by the
 * primary after the secondary has it (pair-host.ts waits for the outcome before publishing).
 *
 *   101 code 0                         acked
 *   101 code 1, "stale epoch: … N"     stale: the peer is at epoch N (newer), we are deposed
 *   101 other code                     refused (e.g. the peer does not know the group yet)
 *   no answer in pushTimeoutMs, error  failed
 */
import type { ServerTablePacket } from '../protocol/index.js';
import { Pcode } from '../protocol/index.js';
import type { TableRecord } from '../cluster/persisted-group-table.js';
import { tableOfRecord } from '../cluster/persisted-group-table.js';
import type { PeerClient } from './peer-client.js';
import type { GroupConfFile } from './table-transfer.js';
import { groupConfPacket, recordPacket, tablePacket } from './table-transfer.js';

/** PushOutcome — how one push ended. */
export type PushOutcome = 'acked' | 'stale' | 'refused' | 'failed';

/** PushResult — the outcome, and for `stale` the peer's epoch. */
export interface PushResult {
  outcome: PushOutcome;
  peerEpoch?: bigint;
}

/** staleEpochMessage — how a secondary refuses an older epoch's push (the epoch it is at follows). */
export const staleEpochMessage = 'stale epoch: this server is at epoch';

const bytesPerExtraMs = 20_000;

/** Replicator — see the file comment. */
export class Replicator {
  private chain: Promise<unknown> = Promise.resolve();
  private pendingCount = 0;

  constructor(
    private readonly peer: PeerClient,
    private readonly pushTimeoutMs: number,
  ) {}

  /** pushRecord — queue the push of a saved record (whole tables travel as a table file); resolves with its outcome. */
  pushRecord(record: TableRecord, transitionVersion: number): Promise<PushResult> {
    return this.enqueue(() => {
      const { body } = record;
      if (body.kind === 'rows') return recordPacket(record, transitionVersion);
      return tablePacket(record.groupName, tableOfRecord(record, record.servers ?? [], body), transitionVersion);
    });
  }

  /** pushGroupConf — queue a group.conf push; `read` runs when its turn comes (order with tables kept). */
  pushGroupConf(read: () => Promise<GroupConfFile | null>): Promise<PushResult> {
    return this.enqueue(async () => {
      const file = await read();
      return file ? groupConfPacket(file) : null;
    });
  }

  /** idle — resolves once every push queued so far has ended. */
  async idle(): Promise<void> {
    while (this.pendingCount > 0) await this.chain;
  }

  private enqueue(build: () => Promise<ServerTablePacket | null>): Promise<PushResult> {
    this.pendingCount += 1;
    const run = this.chain.then(async (): Promise<PushResult> => {
      try {
        const packet = await build();
        return packet ? await this.send(packet) : { outcome: 'refused' };
      } catch {
        return { outcome: 'failed' };
      } finally {
        this.pendingCount -= 1;
      }
    });
    this.chain = run;
    return run;
  }

  private async send(packet: ServerTablePacket): Promise<PushResult> {
    try {
      // A big table takes the secondary longer to save and compress: 1 ms more per 20 KB.
      const timeoutMs = this.pushTimeoutMs + Math.ceil(packet.originalBytes / bytesPerExtraMs);
      const reply = await this.peer.request({ pcode: Pcode.serverTable, body: packet }, timeoutMs);
      if (reply.pcode !== Pcode.returnPacket) return { outcome: 'failed' };
      if (reply.body.code === 0) return { outcome: 'acked' };
      const stale = new RegExp(`^${staleEpochMessage} (\\d{1,20})$`).exec(reply.body.message);
      return stale ? { outcome: 'stale', peerEpoch: BigInt(stale[1]) } : { outcome: 'refused' };
    } catch {
      return { outcome: 'failed' };
    }
  }
}
