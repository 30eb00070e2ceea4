/**
 * quorum-keys — where quorum mode keeps its state in etcd, under one prefix P:
 *
 *   P/election/<lease id, hex>                      a candidate (value: its address), on its lease;
 *                                                   the lowest create revision leads
 *   P/epoch                                         the current term (decimal), +1 at each election
 *   P/leader                                        {address, epoch} of the leader, on its lease
 *   P/group.conf                                    group.conf text (the admin-edited truth)
 *   P/groups/<group>/head                           the group's newest committed version (group-head.ts)
 *   P/groups/<group>/records/<sequence>             one change record per version (change-record.ts)
 *   P/groups/<group>/snapshots/<sequence>/<chunk>   a whole table, compressed, in chunks (snapshot-chunks.ts)
 *
 * Sequences and chunk numbers are zero-padded decimals, so key order is numeric order and one
 * range covers "every record up to n".
 */

import { groupNamePattern } from '../store/persisted-table.js';

const sequenceDigits = 16;
const chunkDigits = 6;

/** QuorumKeys — the key names of one service (one prefix). */
export class QuorumKeys {
  readonly electionPrefix: string;
  readonly epoch: string;
  readonly leader: string;
  readonly groupConf: string;
  readonly groupsPrefix: string;

  constructor(readonly prefix: string) {
    this.electionPrefix = `${prefix}/election/`;
    this.epoch = `${prefix}/epoch`;
    this.leader = `${prefix}/leader`;
    this.groupConf = `${prefix}/group.conf`;
    this.groupsPrefix = `${prefix}/groups/`;
  }

  /** candidate — a candidate's key: its lease id in hex. */
  candidate(leaseId: string): string {
    return `${this.electionPrefix}${BigInt(leaseId).toString(16)}`;
  }

  /** head — the group's head key. */
  head(groupName: string): string {
    return `${this.groupsPrefix}${groupName}/head`;
  }

  /** recordsPrefix — every record of the group. */
  recordsPrefix(groupName: string): string {
    return `${this.groupsPrefix}${groupName}/records/`;
  }

  /** record — the record of one version. */
  record(groupName: string, sequence: number): string {
    return `${this.recordsPrefix(groupName)}${pad(sequence, sequenceDigits)}`;
  }

  /** snapshotsPrefix — every snapshot of the group. */
  snapshotsPrefix(groupName: string): string {
    return `${this.groupsPrefix}${groupName}/snapshots/`;
  }

  /** snapshotPrefix — the chunks of the snapshot taken at `sequence`. */
  snapshotPrefix(groupName: string, sequence: number): string {
    return `${this.snapshotsPrefix(groupName)}${pad(sequence, sequenceDigits)}/`;
  }

  /** snapshotChunk — one chunk of a snapshot. */
  snapshotChunk(groupName: string, sequence: number, chunkIndex: number): string {
    return `${this.snapshotPrefix(groupName, sequence)}${pad(chunkIndex, chunkDigits)}`;
  }

  /** snapshotsBefore — the end (exclusive) of a range over every snapshot older than `sequence`. */
  snapshotsBefore(groupName: string, sequence: number): string {
    return `${this.snapshotsPrefix(groupName)}${pad(sequence, sequenceDigits)}`;
  }

  /** groupOfHead — the group a head key belongs to, or null for any other key (or a name no group can have). */
  groupOfHead(key: string): string | null {
    if (!key.startsWith(this.groupsPrefix) || !key.endsWith('/head')) return null;
    const name = key.slice(this.groupsPrefix.length, -'/head'.length);
    return groupNamePattern.test(name) ? name : null;
  }
}

function pad(value: number, digits: number): string {
  return String(value).padStart(digits, '0');
}
