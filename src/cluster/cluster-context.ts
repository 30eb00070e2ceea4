/**
 * cluster-context — the state every part of the cluster state machine works on, and the outbox
 * its outputs collect in until the host drains them with `ready()`.
 */
import type { GroupState } from './group-state.js';
import type { PeerLink } from './isolation.js';
import type { ServerRecord } from './server-record.js';
import type { ClusterOptions, Notice, Ready } from './types.js';

/** ClusterContext — groups by name, data servers by id, options and the outbox. */
export interface ClusterContext {
  options: ClusterOptions;
  groups: Map<string, GroupState>;
  records: Map<bigint, ServerRecord>;
  /** retired — removed servers that hold nothing any more (id → group): answered "solitary", not "unknown". */
  retired: Map<bigint, string>;
  outbox: Ready;
  nextJobId: number;
  /** role — in a config-server pair, a secondary only tracks liveness and serves what it is sent (src/pair). */
  role?: 'primary' | 'secondary';
  /** lastTickMs — the previous tick, to notice a gap in which this process did not run (pair-roles.ts). */
  lastTickMs?: number;
  /** peerLink — the pair's view of its peer (isolation.ts); absent when this server runs alone. */
  peerLink?: PeerLink;
  /** configServers — the pair's `ip:port`s, to name exact admin commands in notices. */
  configServers?: readonly string[];
}

/** adminCommand — the exact `tair-cs admin` line for an operation, against this config server pair. */
export function adminCommand(context: ClusterContext, operation: string): string {
  const servers = context.configServers && context.configServers.length > 0 ? context.configServers.join(',') : '<config-server ip:port>';
  return `tair-cs admin --config-servers ${servers} ${operation}`;
}

/** isPrimary — whether this server makes decisions (alone, or the pair's primary). */
export function isPrimary(context: ClusterContext): boolean {
  return context.role !== 'secondary';
}

/** emptyReady — an outbox with nothing in it. */
export function emptyReady(): Ready {
  return { persist: [], publish: [], jobs: [], probes: [], replies: [], notices: [] };
}

/** notify — queue a notice for the log. */
export function notify(context: ClusterContext, notice: Notice): void {
  context.outbox.notices.push(notice);
}

/** groupRecords — the data servers of a group (members and draining ones). */
export function groupRecords(context: ClusterContext, groupName: string): ServerRecord[] {
  const records: ServerRecord[] = [];
  for (const record of context.records.values()) if (record.groupName === groupName) records.push(record);
  return records;
}

/** liveMemberCount — ALIVE members of a group a build may use (not draining, not failed over). */
export function liveMemberCount(context: ClusterContext, groupName: string): number {
  let count = 0;
  for (const record of context.records.values()) {
    if (record.groupName === groupName && record.member && record.status === 'alive' && !record.draining && !record.heldOut) count += 1;
  }
  return count;
}
