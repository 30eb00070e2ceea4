/**
 * save-flow — persist before publish (nothing served before it is durable), batched per tick:
 *
 *   tick: unsaved changes and no save in flight ─▶ outbox.persist (record of the changed rows + publication)
 *   host: append the record durably, serve the publication, then step `persisted`
 *   persisted ─▶ published := snapshot; finish replies covered by it are released
 *   persistFailed ─▶ alarm, keep serving the last durable state, retry after persistRetryMs
 *                    (the next record and publication carry whole tables: the lost one's rows are in them)
 *
 * One save per group at a time: changes made meanwhile go into the next one.
 */
import type { ClusterContext } from './cluster-context.js';
import { isPrimary, notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import { hasUnsavedChanges, markChanged, setAlarm, snapshotPublished } from './group-state.js';
import { isIsolated } from './isolation.js';
import { snapshotForSave, wholePublication } from './save-snapshot.js';
import { foldFinishes } from './migration-tracking.js';

/** startSave — queue a save of the group's working state when it has unsaved changes. */
export function startSave(context: ClusterContext, group: GroupState, nowMs: number): void {
  // A pair's secondary never saves its own changes: its tables come from the primary (src/pair).
  // An isolated group publishes no new version (isolation.ts); its changes wait for the way back.
  if (!isPrimary(context) || isIsolated(group) || group.saving || !hasUnsavedChanges(group) || nowMs < group.saveRetryAtMs) return;
  // Rows that changed get a version before they are published: pending finishes go with this save.
  foldFinishes(group, nowMs);
  const { record, publication, published } = snapshotForSave(group);
  group.saving = { seq: publication.seq, changeSeq: group.changeSeq, published };
  context.outbox.persist.push({ groupName: group.name, seq: publication.seq, record, publication });
}

/** saveDone — the save `seq` is durable: publish it and release the replies it covers. */
export function saveDone(context: ClusterContext, group: GroupState, seq: number, compactWanted: boolean, nowMs: number): void {
  const saving = group.saving;
  if (!saving || saving.seq !== seq) return;
  group.saving = null;
  // The store's log grew past its bound: the next save (whenever something changes) is whole tables.
  if (compactWanted) group.records.wholeNext = true;
  group.published = saving.published;
  group.publishSeq = seq;
  group.savedChangeSeq = saving.changeSeq;
  if (group.alarms.delete('persist-failed')) {
    notify(context, { level: 'info', event: 'persist-recovered', group: group.name, message: 'table saved again' });
  }
  for (const [key, reply] of group.deferred) {
    if (reply.changeSeq > group.savedChangeSeq) continue;
    context.outbox.replies.push({ token: reply.token, code: reply.code });
    group.deferred.delete(key);
  }
  startSave(context, group, nowMs);
}

/** saveFailed — the save `seq` failed: the last durable state stays served; retry later. */
export function saveFailed(context: ClusterContext, group: GroupState, seq: number, message: string, nowMs: number): void {
  if (!group.saving || group.saving.seq !== seq) return;
  group.saving = null;
  group.records.wholeNext = true;
  group.records.wholePublicationNext = true;
  group.saveRetryAtMs = nowMs + context.options.persistRetryMs;
  const text = `cannot save the table: ${message}; serving the last saved table, retrying`;
  if (setAlarm(group, 'persist-failed', text)) {
    notify(context, { level: 'error', event: 'persist-failed', group: group.name, message: text });
  }
}

/**
 * republish — the host's views lost the group's state: a primary publishes whole tables with a
 * save now; a secondary (whose working state is what it was sent, all durable) at once.
 */
export function republish(context: ClusterContext, group: GroupState): void {
  if (isPrimary(context)) {
    group.records.wholePublicationNext = true;
    markChanged(group);
    return;
  }
  group.publishSeq += 1;
  group.published = snapshotPublished(group, group.publishSeq);
  context.outbox.publish.push(wholePublication(group, group.publishSeq));
}
