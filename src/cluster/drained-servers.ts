/**
 * drained-servers — forgetting data servers that were removed from group.conf once no table
 * names them any more (until then they are migration sources, reference §10.13).
 */
import type { ClusterContext } from './cluster-context.js';
import { notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';

/** forgetDrainedServers — drop the records of removed servers that hold no bucket of the group. */
export function forgetDrainedServers(context: ClusterContext, group: GroupState): void {
  for (const record of [...context.records.values()]) {
    if (record.groupName !== group.name || record.member || group.tables.valueOf.has(record.serverId)) continue;
    context.records.delete(record.serverId);
    notify(context, {
      level: 'info',
      event: 'server-drained',
      group: group.name,
      server: record.id,
      message: `${record.id} was removed from _server_list and holds no bucket any more`,
    });
  }
}
