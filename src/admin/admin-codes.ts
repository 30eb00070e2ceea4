/**
 * admin-codes — the op_cmd (pcode 16 → 17) command numbers and return codes.
 *
 *   cmd        name                    from                   who answers
 *   3..62      the original's commands Tair config server     the primary only
 *   1001..1099 ours (below)            tair-config-server     the primary only, except 1001
 *
 * Tair's own numbers (TAIR_SERVER_CMD_*) stay below 100, so 1001..1099 cannot collide with a
 * command an original tool sends.
 *
 *   code    meaning                               infos[0] on an error
 *   0       done                                  —
 *   −3999   failed (unknown command, I/O error)   the reason
 *   −4201   invalid parameter                     which one and why
 *   −4202   group not found                       the group
 *   −4203   no free area  −4204 area exists  −4205 area does not exist
 *   −4210   not the primary (ours)                who is, as far as this server knows
 *   −4211   refused: the cluster's state forbids it now (ours), e.g. "bucket 5 is migrating"
 *   −4212   denied: the source may not change state (ours): not in admin_allow, or unsigned /
 *           badly signed while admin_secret is set (docs/operations.md "Security")
 */
import { OpCmd, ReturnCode } from '../protocol/index.js';

/** AdminCmd — every command number the config server answers. */
export const AdminCmd = {
  ...OpCmd,
  /** status — the /status JSON in infos[0]; answered by either role. */
  status: 1001,
  /** rebuild — group: rebuild now, versions up even if the table comes out the same. */
  rebuild: 1002,
  /** plan — group, change…: the migration a change would cause; changes nothing. */
  plan: 1003,
  /** drain — group, server: move every copy off the server. */
  drain: 1004,
  /** undrain — group, server: stop draining. */
  undrain: 1005,
  /** pauseMigration — group: show data servers no bucket to move until resumed. */
  pauseMigration: 1006,
  /** resumeMigration — group. */
  resumeMigration: 1007,
  /** migrationCap — group, n: at most n buckets into or out of a data server at a time (0 = no cap). */
  migrationCap: 1008,
  /** admit — group, server: let a DOWN server in under `_accept_strategy = 0`. */
  admit: 1009,
} as const;

/** AdminCode — return codes of op_cmd replies. */
export const AdminCode = {
  ...ReturnCode,
  notPrimary: -4210,
  refused: -4211,
  denied: -4212,
} as const;

/** adminCommandNames — the name of each command number, for logs, metrics and messages. */
export const adminCommandNames: ReadonlyMap<number, string> = new Map([
  [AdminCmd.resetDataServer, 'reset_ds'],
  [AdminCmd.getGroupStatus, 'get_group_status'],
  [AdminCmd.getTmpDownServer, 'get_tmp_down_server'],
  [AdminCmd.setGroupStatus, 'set_group_status'],
  [AdminCmd.migrateBucket, 'migrate_bucket'],
  [AdminCmd.allocArea, 'alloc_area'],
  [AdminCmd.setQuota, 'set_quota'],
  [AdminCmd.getAreaStatus, 'get_area_status'],
  [AdminCmd.setAreaStatus, 'set_area_status'],
  [AdminCmd.switchBucket, 'switch_bucket'],
  [AdminCmd.activeFailoverOrRecover, 'failover_or_recover'],
  [AdminCmd.replaceDataServer, 'replace_ds'],
  [AdminCmd.urgentOffline, 'urgent_offline'],
  [AdminCmd.status, 'status'],
  [AdminCmd.rebuild, 'rebuild'],
  [AdminCmd.plan, 'plan'],
  [AdminCmd.drain, 'drain'],
  [AdminCmd.undrain, 'undrain'],
  [AdminCmd.pauseMigration, 'pause'],
  [AdminCmd.resumeMigration, 'resume'],
  [AdminCmd.migrationCap, 'migration_cap'],
  [AdminCmd.admit, 'admit'],
]);

/** adminCodeNames — a short name for each return code, for the CLI and metrics. */
export const adminCodeNames: ReadonlyMap<number, string> = new Map([
  [AdminCode.success, 'ok'],
  [AdminCode.failed, 'failed'],
  [AdminCode.invalidParam, 'invalid parameter'],
  [AdminCode.groupNotFound, 'group not found'],
  [AdminCode.noMoreArea, 'no free area'],
  [AdminCode.areaExisted, 'area exists'],
  [AdminCode.areaNotExisted, 'area does not exist'],
  [AdminCode.notPrimary, 'not the primary'],
  [AdminCode.refused, 'refused'],
  [AdminCode.denied, 'denied'],
]);
