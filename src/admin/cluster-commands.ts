/**
 * cluster-commands — op_cmd parameters of the commands the cluster state machine carries out,
 * read into AdminCommands (src/cluster/admin):
 *
 *   23   migrate_bucket GROUP BUCKET COPY SRC DST
 *   45   switch_bucket GROUP BUCKETS…              (`,`, `;` or blank separated)
 *   46   failover_or_recover GROUP DS 0|1          (0 failover, 1 recover)
 *   60   replace_ds GROUP N SRCS DSTS              (N must be the length of both lists)
 *   62   urgent_offline GROUP DS REPLACEMENTS
 *   1002 rebuild GROUP · 1004 drain GROUP DS · 1005 undrain GROUP DS
 *   1006 pause GROUP · 1007 resume GROUP · 1008 migration_cap GROUP N (0 = no cap)
 *
 * Servers without a port take `[tairserver] port`. Bounds that depend on the group (bucket <
 * B, copy < C) are checked by the cluster.
 */
import type { AdminCommand } from '../cluster/index.js';
import { bucketCountMax, copyCountMax, migrationCapMax, serverCountMax } from '../limits.js';
import { AdminCmd } from './admin-codes.js';
import { bucketListParam, expectParams, groupParam, ParamError, serverListParam, serverParam, wholeNumber } from './op-params.js';

/** clusterCommandNumbers — the command numbers read here. */
export const clusterCommandNumbers: ReadonlySet<number> = new Set([
  AdminCmd.migrateBucket,
  AdminCmd.switchBucket,
  AdminCmd.activeFailoverOrRecover,
  AdminCmd.replaceDataServer,
  AdminCmd.urgentOffline,
  AdminCmd.rebuild,
  AdminCmd.drain,
  AdminCmd.undrain,
  AdminCmd.pauseMigration,
  AdminCmd.resumeMigration,
  AdminCmd.migrationCap,
]);

/** readClusterCommand — the AdminCommand of an op_cmd; throws ParamError for bad parameters. */
export function readClusterCommand(cmd: number, params: readonly string[], port: number): AdminCommand {
  switch (cmd) {
    case AdminCmd.migrateBucket: {
      expectParams(params, 5, 5, 'group bucket copy src dst');
      return {
        kind: 'migrateBucket',
        groupName: groupParam(params[0]),
        bucketIndex: wholeNumber(params[1], 'bucket', bucketCountMax - 1),
        copyIndex: wholeNumber(params[2], 'copy', copyCountMax - 1),
        sourceId: serverParam(params[3], 'src', port),
        targetId: serverParam(params[4], 'dst', port),
      };
    }
    case AdminCmd.switchBucket:
      expectParams(params, 2, Number.POSITIVE_INFINITY, 'group buckets');
      return {
        kind: 'switchBuckets',
        groupName: groupParam(params[0]),
        bucketIndexes: bucketListParam(params.slice(1).join(','), 'buckets', bucketCountMax - 1),
      };
    case AdminCmd.activeFailoverOrRecover: {
      expectParams(params, 3, 3, 'group server 0|1');
      const type = wholeNumber(params[2], 'type', 1);
      return { kind: type === 0 ? 'failover' : 'recover', groupName: groupParam(params[0]), serverId: serverParam(params[1], 'server', port) };
    }
    case AdminCmd.replaceDataServer:
      return readReplace(params, port);
    case AdminCmd.urgentOffline:
      expectParams(params, 3, 3, 'group server replacements');
      return {
        kind: 'urgentOffline',
        groupName: groupParam(params[0]),
        serverId: serverParam(params[1], 'server', port),
        replacementIds: serverListParam(params[2], 'replacements', port),
      };
    case AdminCmd.drain:
    case AdminCmd.undrain:
      expectParams(params, 2, 2, 'group server');
      return { kind: cmd === AdminCmd.drain ? 'drain' : 'undrain', groupName: groupParam(params[0]), serverId: serverParam(params[1], 'server', port) };
    case AdminCmd.migrationCap: {
      expectParams(params, 2, 2, 'group n (0 = no cap)');
      const cap = wholeNumber(params[1], 'cap', migrationCapMax);
      return { kind: 'migrationCap', groupName: groupParam(params[0]), capPerServer: cap === 0 ? null : cap };
    }
    default:
      return readGroupOnly(cmd, params);
  }
}

function readGroupOnly(cmd: number, params: readonly string[]): AdminCommand {
  expectParams(params, 1, 1, 'group');
  const groupName = groupParam(params[0]);
  if (cmd === AdminCmd.rebuild) return { kind: 'rebuild', groupName };
  if (cmd === AdminCmd.pauseMigration) return { kind: 'pause', groupName };
  return { kind: 'resume', groupName };
}

function readReplace(params: readonly string[], port: number): AdminCommand {
  expectParams(params, 4, 4, 'group n sources destinations');
  const count = wholeNumber(params[1], 'n', serverCountMax);
  const sources = serverListParam(params[2], 'sources', port);
  const targets = serverListParam(params[3], 'destinations', port);
  if (sources.length !== count || targets.length !== count) {
    throw new ParamError(`n is ${count} but ${sources.length} sources and ${targets.length} destinations are given`);
  }
  return { kind: 'replaceServers', groupName: groupParam(params[0]), pairs: sources.map((sourceId, index) => ({ sourceId, targetId: targets[index] })) };
}
