/**
 * isolation — a primary cut off from the world must not rebuild the world without it.
 *
 * A primary that loses its peer AND more than half of a group's data servers within one
 * down-detection window cannot tell "they all died" from "I am the one cut off"; the second is
 * far more likely, and then the peer has taken over. So it treats the group as isolated:
 *
 *   peer lost (silent for the peer timeout)                      ┌─ alarm `isolated`, no DOWN verdicts,
 *   and > ½ of the group's candidates lost ────────────────────▶ │  no rebuild, no save, no admin change:
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
 * lostMs = max(T, 2 s): two missed beats of a data server (they beat every second), so a normal
 * gap between heartbeats never counts as a loss. Before isolation can be recognised, a DOWN
 * verdict waits (`downVerdictWaits`) while the peer has not answered since that data server
 * became overdue (one beat after its last heartbeat): a healthy peer answers within its heartbeat
 * interval, a silent one is lost within the peer timeout. With the peer lost, the verdict still
 * waits while more than half of the candidates went quiet with that server (not heard since two
 * beats after it): a mass loss in the making, about to be isolation; a lone loss is judged. A peer this
 * process never heard cannot be lost (a lone restart is no isolation). The pair feeds its link as
 * `peerLink` events at every answer and change of state (src/pair); a server alone has none.
 */
import type { ClusterContext } from './cluster-context.js';
import { isPrimary, notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import type { ServerRecord } from './server-record.js';

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

/** dataServerBeatMs — data servers heartbeat every second (the original's and our agent's rhythm). */
export const dataServerBeatMs = 1000;
/** dataServerLostFloorMs — two missed heartbeats of a data server. */
export const dataServerLostFloorMs = 2 * dataServerBeatMs;

/** downVerdictWaits — whether declaring `record` DOWN must wait (see the file comment). */
export function downVerdictWaits(context: ClusterContext, group: GroupState, record: Readonly<ServerRecord>): boolean {
  const link = context.peerLink;
  if (!link || !Number.isFinite(link.lastHeardMs)) return false;
  if (isIsolated(group)) return true;
  if (link.lastHeardMs > record.lastHeartbeatMs + dataServerBeatMs) return false;
  if (link.state !== 'lost') return true;
  const { candidateCount, quietCount } = countQuiet(context, group, link, record.lastHeartbeatMs + 2 * dataServerBeatMs);
  return 2 * quietCount > candidateCount;
}

/** tickIsolation — raise or clear each group's isolation. */
export function tickIsolation(context: ClusterContext, nowMs: number): void {
  const link = context.peerLink;
  for (const group of context.groups.values()) {
    const loss = link?.state === 'lost' && isPrimary(context) && Number.isFinite(link.lastHeardMs) ? massLoss(context, group, link, nowMs) : null;
    if (loss !== null && !isIsolated(group)) enterIsolation(context, group, loss);
    else if (loss === null && isIsolated(group)) leaveIsolation(context, group, nowMs);
  }
}

/** massLoss — "lost of candidates" when more than half of the group's candidates are lost, else null. */
function massLoss(context: ClusterContext, group: GroupState, link: PeerLink, nowMs: number): string | null {
  const lostMs = Math.max(group.config.serverDownTimeMs, dataServerLostFloorMs);
  const { candidateCount, quietCount } = countQuiet(context, group, link, nowMs - lostMs);
  return candidateCount > 0 && 2 * quietCount > candidateCount ? `${quietCount} of ${candidateCount}` : null;
}

/**
 * countQuiet — the group's candidates, and how many of them have not been heard since
 * `quietBeforeMs` while their last heartbeat came within 2T of the peer's last answer.
 */
function countQuiet(context: ClusterContext, group: GroupState, link: PeerLink, quietBeforeMs: number): { candidateCount: number; quietCount: number } {
  const windowMs = 2 * group.config.serverDownTimeMs;
  let candidateCount = 0;
  let quietCount = 0;
  for (const record of context.records.values()) {
    if (record.groupName !== group.name || !record.member || !Number.isFinite(record.lastHeartbeatMs)) continue;
    if (record.lastHeartbeatMs < link.lastHeardMs - windowMs) continue;
    candidateCount += 1;
    if (record.lastHeartbeatMs < quietBeforeMs && record.lastHeartbeatMs <= link.lastHeardMs + windowMs) quietCount += 1;
  }
  return { candidateCount, quietCount };
}

function enterIsolation(context: ClusterContext, group: GroupState, silence: string): void {
  const message =
    `the peer config server and ${silence} data servers went silent together: this server is probably the one cut off; ` +
    'serving the last table, publishing nothing new until the peer or those data servers are heard again';
  group.alarms.set(isolatedAlarm, message);
  notify(context, { level: 'error', event: 'isolated', group: group.name, message });
}

/** endIsolations — this server steps down: its isolated groups are no longer its to hold (their state comes from the new primary). */
export function endIsolations(context: ClusterContext, nowMs: number): void {
  for (const group of context.groups.values()) if (isIsolated(group)) leaveIsolation(context, group, nowMs);
}

function leaveIsolation(context: ClusterContext, group: GroupState, nowMs: number): void {
  group.alarms.delete(isolatedAlarm);
  let silentCount = 0;
  for (const record of context.records.values()) {
    if (record.groupName !== group.name || record.status === 'down' || nowMs - record.lastHeartbeatMs <= dataServerBeatMs) continue;
    record.lastHeartbeatMs = nowMs;
    silentCount += 1;
  }
  const why = !isPrimary(context)
    ? 'this server is no longer primary'
    : context.peerLink?.state !== 'lost'
      ? 'the peer config server answers again'
      : 'its data servers are heard again';
  notify(context, {
    level: 'info',
    event: 'isolation-over',
    group: group.name,
    message: `no longer isolated: ${why}; the ${silentCount} data servers still silent have ${group.config.serverDownTimeMs} ms from now to be heard before they are judged`,
  });
}
