/**
 * isolation — a primary cut off from the world must not rebuild the world without it.
 *
 * A primary that loses its peer AND more than half of a group's data servers within one
 * down-detection window cannot tell "they all died" from "I am the one cut off"; the second is
 * far more likely, and then the peer has taken over. So it treats the group as isolated:
 *
 *   peer lost (silent for the peer timeout)                      ┌─ alarm `isolated`, no DOWN verdicts,
 *   and > ½ of the group's candidates silent > lostMs ─────────▶ │  no rebuild, no save, no admin change:
 *                                                                │  the last table stays served, no new
 *   candidates: members heard within 2T before the peer's last   │  version is published; replies for the
 *   answer, or after it (the ones that were there when it went); └─ group say "secondary" in our extension
 *   lost: candidates silent > lostMs whose last heartbeat came
 *   within 2T of the peer's (they went with it, not hours later)
 *
 *   the peer answers again, or enough of those data servers heartbeat again ──▶ alarm cleared; the
 *   ones still silent get T..2T from now to be heard (we could not hear them while cut off, as
 *   at a start), then liveness judges them as usual (DOWN, rebuild)
 *
 * While more than half are silent and the peer has not answered since the last of them went quiet,
 * DOWN verdicts wait too (at most the peer timeout: then the peer is lost or has answered): the
 * losses may be this same isolation, not yet recognised. lostMs = min(T, peer timeout): a data
 * server counts as lost before liveness could declare it DOWN. A peer this process never heard
 * cannot be lost (a lone restart is no isolation). The pair feeds its link as `peerLink` events at
 * every answer and change of state (src/pair); a server alone has none.
 */
import type { ClusterContext } from './cluster-context.js';
import { isPrimary, notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';

/** PeerLinkState — up: answering; silent: overdue; lost: silent for the peer timeout. */
export type PeerLinkState = 'up' | 'silent' | 'lost';

/** PeerLink — what the pair knows of its peer. */
export interface PeerLink {
  state: PeerLinkState;
  /** lastHeardMs — the peer's last answer (−Infinity: never since this process started). */
  lastHeardMs: number;
  /** peerTimeoutMs — the pair's peer timeout. */
  peerTimeoutMs: number;
}

/** isolatedAlarm — the alarm code an isolated group carries. */
export const isolatedAlarm = 'isolated';

/** isIsolated — whether the group is held as isolated (no new version). */
export function isIsolated(group: Readonly<GroupState>): boolean {
  return group.alarms.has(isolatedAlarm);
}

/** setPeerLink — the pair's view of the peer changed. */
export function setPeerLink(context: ClusterContext, link: PeerLink): void {
  context.peerLink = link;
}

/** verdictsHeld — whether DOWN verdicts in the group wait (as of the last tick). */
export function verdictsHeld(context: ClusterContext, groupName: string): boolean {
  return context.heldGroups?.has(groupName) === true;
}

/**
 * tickIsolation — raise or clear each group's isolation, and note the groups whose DOWN
 * verdicts wait until the next tick (the isolated ones and those that may be becoming so).
 */
export function tickIsolation(context: ClusterContext, nowMs: number): void {
  const held = new Set<string>();
  const link = context.peerLink;
  for (const group of context.groups.values()) {
    const silence = link && isPrimary(context) && Number.isFinite(link.lastHeardMs) ? massSilence(context, group, link, nowMs) : null;
    const waiting = silence !== null && (link?.state === 'lost' || (link?.lastHeardMs ?? 0) <= silence.sinceMs);
    const isolated = waiting && link?.state === 'lost';
    if (waiting) held.add(group.name);
    if (isolated && silence && !isIsolated(group)) enterIsolation(context, group, silence.text);
    else if (!isolated && isIsolated(group)) leaveIsolation(context, group, nowMs);
  }
  context.heldGroups = held;
}

/**
 * massSilence — when more than half of the candidates are lost: "lost of candidates" and when
 * the last of the lost went quiet; else null.
 */
function massSilence(context: ClusterContext, group: GroupState, link: PeerLink, nowMs: number): { text: string; sinceMs: number } | null {
  const windowMs = 2 * group.config.serverDownTimeMs;
  const lostMs = Math.min(group.config.serverDownTimeMs, link.peerTimeoutMs);
  let candidateCount = 0;
  let lostCount = 0;
  let sinceMs = Number.NEGATIVE_INFINITY;
  for (const record of context.records.values()) {
    if (record.groupName !== group.name || !record.member || !Number.isFinite(record.lastHeartbeatMs)) continue;
    if (record.lastHeartbeatMs < link.lastHeardMs - windowMs) continue;
    candidateCount += 1;
    if (nowMs - record.lastHeartbeatMs > lostMs && record.lastHeartbeatMs <= link.lastHeardMs + windowMs) {
      lostCount += 1;
      sinceMs = Math.max(sinceMs, record.lastHeartbeatMs);
    }
  }
  return candidateCount > 0 && 2 * lostCount > candidateCount ? { text: `${lostCount} of ${candidateCount}`, sinceMs } : null;
}

function enterIsolation(context: ClusterContext, group: GroupState, silence: string): void {
  const message =
    `the peer config server and ${silence} data servers went silent together: this server is probably the one cut off; ` +
    'serving the last table, publishing nothing new until the peer or those data servers are heard again';
  group.alarms.set(isolatedAlarm, message);
  notify(context, { level: 'error', event: 'isolated', group: group.name, message });
}

function leaveIsolation(context: ClusterContext, group: GroupState, nowMs: number): void {
  group.alarms.delete(isolatedAlarm);
  let silentCount = 0;
  for (const record of context.records.values()) {
    if (record.groupName !== group.name || record.status === 'down' || record.lastHeartbeatMs >= nowMs) continue;
    record.lastHeartbeatMs = nowMs;
    silentCount += 1;
  }
  const why = context.peerLink?.state === 'up' ? 'the peer config server answers again' : 'its data servers are heard again';
  notify(context, {
    level: 'info',
    event: 'isolation-over',
    group: group.name,
    message: `no longer isolated: ${why}; the ${silentCount} data servers still silent have ${group.config.serverDownTimeMs} ms from now to be heard before they are judged`,
  });
}
