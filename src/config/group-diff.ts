/**
 * group-diff — what a reload of group.conf changes, and the B/C rule for groups that have tables.
 *
 * The original silently ignored a new `_bucket_number`/`_copy_count` once a table existed.
 * We say so instead: checkTableShapes turns such an edit into a
 * problem, and the caller keeps serving the last good config.
 */
import type { ConfigProblem } from '../errors.js';
import type { GroupConfig } from './group-config.js';

/** GroupConfigChange — one group present before and after whose section changed. */
export interface GroupConfigChange {
  name: string;
  previous: GroupConfig;
  next: GroupConfig;
  bucketCountChanged: boolean;
  copyCountChanged: boolean;
  /** serversAdded — `ip:port` of servers in next but not in previous. */
  serversAdded: string[];
  serversRemoved: string[];
}

/** GroupConfigDiff — groups added, removed (unload them; keep their tables on disk), changed, unchanged. */
export interface GroupConfigDiff {
  added: string[];
  removed: string[];
  changed: GroupConfigChange[];
  unchanged: string[];
}

/** TableShape — the B and C a group's existing table was built with. */
export interface TableShape {
  bucketCount: number;
  copyCount: number;
}

/** diffGroupConfigs — compares two loads group by group (by name, then by contentHash). */
export function diffGroupConfigs(previous: readonly GroupConfig[], next: readonly GroupConfig[]): GroupConfigDiff {
  const before = new Map(previous.map((group) => [group.name, group]));
  const after = new Map(next.map((group) => [group.name, group]));
  const diff: GroupConfigDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const group of next) {
    const old = before.get(group.name);
    if (!old) diff.added.push(group.name);
    else if (old.contentHash === group.contentHash) diff.unchanged.push(group.name);
    else diff.changed.push(describeChange(old, group));
  }
  for (const group of previous) if (!after.has(group.name)) diff.removed.push(group.name);
  return diff;
}

/** isEmptyDiff — true when no group was added, removed or changed. */
export function isEmptyDiff(diff: GroupConfigDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

function describeChange(previous: GroupConfig, next: GroupConfig): GroupConfigChange {
  const oldIds = new Set(previous.servers.map((server) => server.id));
  const newIds = new Set(next.servers.map((server) => server.id));
  return {
    name: next.name,
    previous,
    next,
    bucketCountChanged: previous.bucketCount !== next.bucketCount,
    copyCountChanged: previous.copyCount !== next.copyCount,
    serversAdded: [...newIds].filter((id) => !oldIds.has(id)),
    serversRemoved: [...oldIds].filter((id) => !newIds.has(id)),
  };
}

/**
 * checkTableShapes — a problem for every group whose B or C differs from its existing table
 * (`tables`: group name → shape on disk). Groups without a table may take any B and C.
 */
export function checkTableShapes(groups: readonly GroupConfig[], tables: ReadonlyMap<string, TableShape>, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const group of groups) {
    const table = tables.get(group.name);
    if (!table) continue;
    const check = (key: string, configured: number, existing: number, what: string): void => {
      if (configured === existing) return;
      problems.push({
        file,
        line: group.keyLines.get(key) ?? group.line,
        key,
        message:
          `${what} is ${configured} but group '${group.name}' already has a table with ${existing}; ` +
          'it cannot change once the table exists (move the table file aside to start over)',
      });
    };
    check('_bucket_number', group.bucketCount, table.bucketCount, 'bucket count');
    check('_copy_count', group.copyCount, table.copyCount, 'copy count');
  }
  return problems;
}
