/**
 * admin-command — operator commands the cluster state machine carries out (step `admin`).
 *
 * Parameters arrive parsed (src/admin turns op_cmd strings into these); the cluster checks them
 * against its state and either changes it or refuses with a reason and changes nothing.
 */

/** AdminCommand — one operator command on one group. */
export type AdminCommand =
  | { kind: 'rebuild'; groupName: string }
  | { kind: 'drain'; groupName: string; serverId: bigint }
  | { kind: 'undrain'; groupName: string; serverId: bigint }
  | { kind: 'failover'; groupName: string; serverId: bigint }
  | { kind: 'recover'; groupName: string; serverId: bigint }
  | { kind: 'pause'; groupName: string }
  | { kind: 'resume'; groupName: string }
  | { kind: 'migrationCap'; groupName: string; capPerServer: number | null }
  | { kind: 'migrateBucket'; groupName: string; bucketIndex: number; copyIndex: number; sourceId: bigint; targetId: bigint }
  | { kind: 'switchBuckets'; groupName: string; bucketIndexes: number[] }
  | { kind: 'replaceServers'; groupName: string; pairs: { sourceId: bigint; targetId: bigint }[] }
  | { kind: 'urgentOffline'; groupName: string; serverId: bigint; replacementIds: bigint[] };

/** AdminRefusal — why a command was refused: unknown group, a bad parameter, or the state forbids it. */
export type AdminRefusal = 'groupNotFound' | 'invalidParam' | 'refused';

/** AdminOutcome — done (with info lines), or refused with nothing changed. */
export type AdminOutcome = { ok: true; infos: string[] } | { ok: false; refusal: AdminRefusal; message: string };

/** refuse — a refused outcome. */
export function refuse(refusal: AdminRefusal, message: string): AdminOutcome {
  return { ok: false, refusal, message };
}

/** done — a successful outcome. */
export function done(...infos: string[]): AdminOutcome {
  return { ok: true, infos };
}
