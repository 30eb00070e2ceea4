/**
 * server-record — what the cluster knows about one data server.
 *
 *                 heartbeat (accept 1, or admitted)          ready, has the table, ≥ T in standby
 *     ┌──────┐ ──────────────────────────────────▶ ┌─────────┐ ─────────────────────▶ ┌───────┐
 *     │ DOWN │                                      │ STANDBY │                        │ ALIVE │
 *     └──────┘ ◀────────────── silent 2T, or silent T and the probe fails ─────────── └───────┘
 *        ▲  └─ heartbeat, accept 0, not admitted: answered "solitary", nothing bumped      │
 *        │                                                                  not ready ─┘ (→ STANDBY)
 *        └─ a fresh group (no table yet): a member's first heartbeat makes it ALIVE at once
 *
 * `member` is false for a server removed from group.conf that still holds data: it stays a
 * migration source until its buckets have moved, then it is forgotten.
 */
import type { ServerConfig } from '../config/group-config.js';
import type { ServerStatus } from './types.js';

/** ServerRecord — one data server's state. */
export interface ServerRecord {
  serverId: bigint;
  /** id — `ip:port`. */
  id: string;
  groupName: string;
  status: ServerStatus;
  /** member — listed in the group's `_server_list`. */
  member: boolean;
  rack: string;
  weight: number;
  /** lastHeartbeatMs — −Infinity until the first heartbeat. */
  lastHeartbeatMs: number;
  /** standbyVersion — the server version served when the server entered STANDBY. */
  standbyVersion: number;
  standbySinceMs: number;
  /** admitted — an operator let it in although the accept strategy is 0. */
  admitted: boolean;
  probePending: boolean;
  lastProbeMs: number;
  /** rejectNoticed — the "rejected" notice was given since it went DOWN (no log storm). */
  rejectNoticed: boolean;
  /** draining — the operator drains it: it serves, but builds give it no copies (src/cluster/admin). */
  draining: boolean;
  /** heldOut — failed over by the operator: kept solitary until recovered (src/cluster/admin). */
  heldOut: boolean;
}

/** createServerRecord — a member as loaded from group.conf. */
export function createServerRecord(groupName: string, server: ServerConfig, status: ServerStatus, nowMs: number): ServerRecord {
  return {
    serverId: server.serverId,
    id: server.id,
    groupName,
    status,
    member: true,
    rack: server.rack,
    weight: server.weight,
    lastHeartbeatMs: status === 'down' ? Number.NEGATIVE_INFINITY : nowMs,
    standbyVersion: 0,
    standbySinceMs: 0,
    admitted: false,
    probePending: false,
    lastProbeMs: Number.NEGATIVE_INFINITY,
    rejectNoticed: false,
    draining: false,
    heldOut: false,
  };
}

/** SilenceVerdict — what the silence of a non-DOWN server calls for. */
export type SilenceVerdict = 'fine' | 'probe' | 'down';

/** judgeSilence — `fine` up to T, `probe` between T and 2T, `down` past 2T. */
export function judgeSilence(record: ServerRecord, nowMs: number, downTimeMs: number): SilenceVerdict {
  const silentMs = nowMs - record.lastHeartbeatMs;
  if (silentMs <= downTimeMs) return 'fine';
  return silentMs <= 2 * downTimeMs ? 'probe' : 'down';
}
