/**
 * health — OK / WARN / ERR for each group and the whole config server, with the reasons, in the
 * manner of Ceph's `HEALTH_OK`: derived only from what the status document and the host already
 * know, so /status, the page, `tair-cs status`, /healthz and the metrics always agree.
 *
 *   check                 level  when
 *   cannot-build          ERR    an alarm stops rebuilds (a build failed, too few live servers)
 *   bucket-lost           ERR    a bucket lost every copy
 *   persist-failed        ERR    the table cannot be saved (so no new table can be published)
 *   no-table              WARN   the group has no table yet (no data server has come up)
 *   data-servers-down     WARN   a data server of the group is DOWN (failed over included)
 *   under-replicated      WARN   buckets are served with fewer than C live copies
 *   migration-stuck       WARN   the migration was re-planned as stuck and has not moved since
 *   migration-paused      WARN   an operator paused the migration
 *   config-rejected       WARN   the last group.conf edit was refused (file:line of each problem);
 *                                the last good version stays in force
 *   peer-unreachable      WARN   the other config server of the pair has not answered in time
 *
 * A group is the worst of its checks; the server is the worst of its groups and its own checks.
 */
import type { QuorumHealth } from '../quorum/quorum-health.js';
import type { ConfigProblem } from '../errors.js';
import { formatConfigProblem } from '../errors.js';
import type { GroupStatus } from './status-model.js';

/** HealthStatus — the three levels, best first. */
export type HealthStatus = 'OK' | 'WARN' | 'ERR';

/** HealthCheck — one reason a group or the server is not OK. */
export interface HealthCheck {
  code: string;
  level: Exclude<HealthStatus, 'OK'>;
  message: string;
  /** group — the group it is about; null for the server's own checks. */
  group: string | null;
}

/** Health — a level and every check behind it (empty when OK). */
export interface Health {
  status: HealthStatus;
  checks: HealthCheck[];
}

/** PeerReach — how long the pair's other config server has been silent to this one. */
export interface PeerReach {
  address: string;
  silentMs: number;
  timeoutMs: number;
}

/** ServerHealthInputs — the server-wide facts besides the groups. */
export interface ServerHealthInputs {
  groupFile: string;
  /** configProblems — why the latest group.conf load was refused (empty: it was applied). */
  configProblems: readonly ConfigProblem[];
  /** peer — the pair's other server; null without a pair. */
  peer: PeerReach | null;
  /** quorum — quorum mode's state (coordination = etcd); absent or null otherwise. */
  quorum?: QuorumHealth | null;
}

const levelRank: Record<HealthStatus, number> = { OK: 0, WARN: 1, ERR: 2 };
const buildStoppers = new Set(['build-failed', 'too-few-servers']);
/** shownProblemsMax — a refused file can have many problems: the first few say enough. */
const shownProblemsMax = 5;

/** healthStatusValue — 0 OK, 1 WARN, 2 ERR (the metric's value, as Ceph's exporter counts). */
export function healthStatusValue(status: HealthStatus): number {
  return levelRank[status];
}

/** worstOf — the worst level of some checks (OK for none). */
export function worstOf(checks: readonly HealthCheck[]): HealthStatus {
  let worst: HealthStatus = 'OK';
  for (const check of checks) if (levelRank[check.level] > levelRank[worst]) worst = check.level;
  return worst;
}

/** groupHealth — a group's checks, from its status; `stuck` is the host's note of a stuck migration. */
export function groupHealth(group: Omit<GroupStatus, 'health'>, stuck: string | null): Health {
  const checks: HealthCheck[] = [];
  const add = (code: string, level: HealthCheck['level'], message: string) => checks.push({ code, level, message, group: group.name });
  for (const alarm of group.alarms) {
    if (buildStoppers.has(alarm.code)) add('cannot-build', 'ERR', `cannot build: ${alarm.message}`);
    else add(alarm.code, 'ERR', alarm.message);
  }
  if (!group.hasTable) add('no-table', 'WARN', 'no table yet: waiting for the data servers');
  const down = group.dataServers.filter((server) => server.state === 'down');
  if (down.length > 0) {
    const names = down.map((server) => `${server.id}${server.failedOver ? ' (failed over)' : ''}`);
    add('data-servers-down', 'WARN', `${down.length} data server${down.length === 1 ? '' : 's'} DOWN: ${names.join(', ')}`);
  }
  if (group.hasTable && group.underReplicatedBuckets > 0) {
    add('under-replicated', 'WARN', `${group.underReplicatedBuckets} of ${group.bucketCount} buckets have fewer than ${group.copyCount} live copies`);
  }
  if (stuck !== null && group.migration.migrating) add('migration-stuck', 'WARN', `migration stuck: ${stuck}`);
  if (group.migration.migrating && group.migration.paused)
    add('migration-paused', 'WARN', `migration paused by an operator (${group.migration.bucketsLeft} buckets left)`);
  return { status: worstOf(checks), checks };
}

/** serverHealth — the whole server: its own checks, then every group's. */
export function serverHealth(groups: readonly { health: Health }[], inputs: ServerHealthInputs): Health {
  const checks: HealthCheck[] = [];
  if (inputs.configProblems.length > 0) {
    const shown = inputs.configProblems.slice(0, shownProblemsMax).map(formatConfigProblem);
    const more = inputs.configProblems.length - shown.length;
    checks.push({
      code: 'config-rejected',
      level: 'WARN',
      message: `${inputs.groupFile} was refused, the last good version stays in force: ${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`,
      group: null,
    });
  }
  const { peer } = inputs;
  if (peer && peer.silentMs >= peer.timeoutMs) {
    const silence = Number.isFinite(peer.silentMs) ? `silent for ${(peer.silentMs / 1000).toFixed(1)} s` : 'never answered';
    checks.push({
      code: 'peer-unreachable',
      level: 'WARN',
      message: `the pair's other config server ${peer.address} is unreachable (${silence})`,
      group: null,
    });
  }
  const quorum = inputs.quorum;
  if (quorum?.readOnly) checks.push({ code: `etcd-${quorum.etcd}`, level: 'WARN', message: quorumReadOnlyMessage(quorum), group: null });
  for (const group of groups) checks.push(...group.health.checks);
  return { status: worstOf(checks), checks };
}

/** quorumReadOnlyMessage — why a quorum-mode server publishes nothing and serves its last committed tables. */
function quorumReadOnlyMessage(quorum: QuorumHealth): string {
  const reach =
    quorum.etcd === 'no-quorum'
      ? 'etcd has lost its quorum'
      : quorum.etcd === 'refused'
        ? 'etcd refuses our credentials'
        : quorum.etcd === 'connecting'
          ? 'etcd not reached yet'
          : 'etcd is unreachable';
  const ago = quorum.lastContactAgoMs === null ? 'never reached' : `last contact ${(quorum.lastContactAgoMs / 1000).toFixed(1)} s ago`;
  return `${reach} (${ago}): serving the last committed tables, publishing nothing`;
}

/** healthLine — one line for a terminal or /healthz: `HEALTH_WARN group_1: …; …`. */
export function healthLine(health: Health): string {
  if (health.checks.length === 0) return 'HEALTH_OK';
  const reasons = health.checks.map((check) => (check.group ? `${check.group}: ${check.message}` : check.message));
  return `HEALTH_${health.status} ${reasons.join('; ')}`;
}
