/**
 * drained-servers — forgetting data servers that were removed from group.conf once no table
 * names them any more (until then they are migration sources).
 *
 * A forgotten server is *retired*, not unknown: if it keeps heart-beating it is answered
 * "solitary" (versions 1) so it stops serving, instead of the all-zero reply of a stranger,
 * which a data server would take as "no config server answer" and go on serving stale data.
 */
import { retiredServerCountMax } from '../limits.js';
import type { ClusterContext } from './cluster-context.js';
import { notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import type { ServerRecord } from './server-record.js';

/** forgetDrainedServers — retire the records of removed servers that hold no bucket of the group. */
export function forgetDrainedServers(context: ClusterContext, group: GroupState): void {
  for (const record of [...context.records.values()]) {
    if (record.groupName !== group.name || record.member || group.tables.valueOf.has(record.serverId)) continue;
    retireServer(context, record);
    notify(context, {
      level: 'info',
      event: 'server-drained',
      group: group.name,
      server: record.id,
      message: `${record.id} was removed from _server_list and holds no bucket any more`,
    });
  }
}

/** retireServer — drop a server's record but remember its group, so its heartbeats get "solitary". */
export function retireServer(context: ClusterContext, record: ServerRecord): void {
  context.records.delete(record.serverId);
  context.retired.delete(record.serverId);
  context.retired.set(record.serverId, record.groupName);
  while (context.retired.size > retiredServerCountMax) {
    const oldest = context.retired.keys().next().value as bigint;
    context.retired.delete(oldest);
  }
}
