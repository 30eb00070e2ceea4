/**
 * saved-tables — loading the groups' table files at start and when a reload adds groups.
 *
 * A missing file is a group never built; a corrupt one has been moved aside by the store (logged
 * here as an error: that group starts over); a log with a torn or corrupt tail was cut (a
 * warning: the group starts from what came before it); an unreadable file (permissions, I/O)
 * stops the start, since building over a good table would lose it.
 */
import type { Logger } from 'pino';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import { loadGroupTable } from '../store/table-store.js';

/**
 * loadSavedTables — the saved table of each named group that has a good one; `lostGroups` (when
 * given) collects the groups whose file was corrupt and moved aside.
 */
export async function loadSavedTables(
  dataDir: string,
  groupNames: readonly string[],
  logger: Logger,
  lostGroups?: string[],
): Promise<Map<string, PersistedGroupTable>> {
  const saved = new Map<string, PersistedGroupTable>();
  for (const groupName of groupNames) {
    const loaded = await loadGroupTable(dataDir, groupName);
    if (loaded.status === 'ok') {
      saved.set(groupName, loaded.table);
      const { client, server } = loaded.table.versions;
      const { replayed, cut } = loaded;
      logger.info(
        {
          event: 'table-loaded',
          group: groupName,
          path: loaded.path,
          client,
          server,
          migrateBlockCount: loaded.table.migrateBlockCount,
          record: loaded.table.recordSeq,
          replayed,
        },
        `group ${groupName}: table loaded (versions ${client}/${server}, ${replayed} log records replayed)`,
      );
      if (cut) {
        logger.warn(
          { event: 'table-log-cut', group: groupName, path: loaded.path, reason: cut },
          `group ${groupName}: the table log ended in a torn or corrupt record (${cut}); it was cut and the state before it saved as the snapshot`,
        );
      }
    } else if (loaded.status === 'corrupt') {
      lostGroups?.push(groupName);
      logger.error(
        { event: 'table-corrupt', group: groupName, path: loaded.path, movedTo: loaded.movedTo, reason: loaded.reason },
        `group ${groupName}: table file is corrupt (${loaded.reason}); moved aside, the group starts without a table`,
      );
    }
  }
  return saved;
}
