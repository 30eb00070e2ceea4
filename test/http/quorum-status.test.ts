/**
 * Quorum mode in health, /status text and metrics: a server that cannot use etcd says so (WARN,
 * with why), its status line names the leader and the committed versions, and the gauges carry
 * the role, the epoch, etcd's reach and the committed version of each group.
 */
import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { serverHealth } from '../../src/http/health.js';
import type { StatusDocument } from '../../src/http/status-model.js';
import { renderStatusText } from '../../src/http/status-text.js';
import { addQuorumGauges } from '../../src/metrics/quorum-metrics.js';
import type { EtcdReach, QuorumHealth } from '../../src/quorum/quorum-health.js';

function quorumHealth(etcd: EtcdReach, role: QuorumHealth['role']): QuorumHealth {
  return {
    etcd,
    role,
    epoch: 7n,
    leader: role === 'leader' ? { address: '10.0.0.1:5198', epoch: 7n } : null,
    lastContactAgoMs: etcd === 'connected' ? 100 : 4200,
    readOnly: etcd !== 'connected',
    sequences: { group_1: 12, group_2: 3 },
    lastProblem: null,
  };
}

const inputs = { groupFile: 'group.conf', configProblems: [], peer: null };

describe('quorum mode in health, status and metrics', () => {
  test.each(['no-quorum', 'unreachable', 'refused', 'connecting'] as const)('etcd %s: WARN, serving the last tables, publishing nothing', (etcd) => {
    const health = serverHealth([], { ...inputs, quorum: quorumHealth(etcd, 'follower') });
    expect(health.status).toBe('WARN');
    expect(health.checks).toHaveLength(1);
    expect(health.checks[0]).toMatchObject({ code: `etcd-${etcd}`, level: 'WARN', group: null });
    expect(health.checks[0].message).toMatch(/serving the last committed tables, publishing nothing/);
  });

  test('etcd connected, or pair mode: no check', () => {
    expect(serverHealth([], { ...inputs, quorum: quorumHealth('connected', 'leader') }).checks).toEqual([]);
    expect(serverHealth([], inputs).checks).toEqual([]);
  });

  test('the status text has a quorum line only in quorum mode', () => {
    const base: StatusDocument = {
      role: 'primary',
      epoch: 7,
      address: '10.0.0.1:5198',
      startedAt: '',
      uptimeS: 1,
      health: { status: 'OK', checks: [] },
      groups: [],
      events: [],
    };
    expect(renderStatusText(base)).not.toContain('quorum');
    const quorum = {
      etcd: 'connected' as const,
      role: 'leader' as const,
      epoch: 7,
      leader: { address: '10.0.0.1:5198', epoch: 7 },
      lastContactAgoMs: 10,
      readOnly: false,
      committed: { group_1: 12 },
      lastProblem: null,
    };
    expect(renderStatusText({ ...base, quorum })).toContain(
      'quorum: etcd connected · leader 10.0.0.1:5198 (epoch 7) · this server leader · committed group_1 v12',
    );
    expect(renderStatusText({ ...base, quorum: { ...quorum, etcd: 'no-quorum', readOnly: true, leader: null } })).toContain(
      'no leader · this server leader · committed group_1 v12 · read-only',
    );
  });

  test('the gauges follow the coordinator', async () => {
    const registry = new Registry();
    let health: QuorumHealth | null = quorumHealth('connected', 'leader');
    addQuorumGauges(registry, () => health);
    const text = await registry.metrics();
    expect(text).toContain('tair_cs_quorum_leader 1');
    expect(text).toContain('tair_cs_quorum_epoch 7');
    expect(text).toContain('tair_cs_quorum_etcd{state="connected"} 1');
    expect(text).toContain('tair_cs_quorum_etcd{state="no-quorum"} 0');
    expect(text).toContain('tair_cs_quorum_read_only 0');
    expect(text).toContain('tair_cs_quorum_committed_version{group="group_2"} 3');
    health = quorumHealth('no-quorum', 'follower');
    const after = await registry.metrics();
    expect(after).toContain('tair_cs_quorum_leader 0');
    expect(after).toContain('tair_cs_quorum_etcd{state="no-quorum"} 1');
    expect(after).toContain('tair_cs_quorum_read_only 1');
    health = null;
    expect(await registry.metrics()).toContain('tair_cs_quorum_read_only 1');
  });
});
