/**
 * The HTTP status API on a running config server with data servers heart-beating over TCP:
 * /healthz, /status, /groups/{name}/table (JSON and raw, checked against what a data server
 * was sent), /metrics, and the errors for bad requests. Then a data server dies and the status
 * and metrics follow the failover, the migration (with its pace) and the return to normal.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StatusDocument } from '../../src/http/status-model.js';
import type { TableJson } from '../../src/http/table-export.js';
import { eventually, OperatorCluster } from './helpers/operator-cluster.js';

let cluster: OperatorCluster;

beforeAll(async () => {
  cluster = await OperatorCluster.start({ serverCount: 4, bucketCount: 64, racks: ['r1', 'r1', 'r2', 'r2'] });
});

afterAll(async () => {
  await cluster?.stop();
});

async function status(): Promise<StatusDocument> {
  const { status: code, body } = await cluster.getJson<StatusDocument>('/status');
  expect(code).toBe(200);
  return body;
}

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(cluster.url('/metrics'))).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  if (!line) throw new Error(`metric ${name}{${labels}} not found`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('a healthy group', () => {
  test('/healthz answers 200 HEALTH_OK; /status and the metrics say OK too', async () => {
    const response = await fetch(cluster.url('/healthz'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('HEALTH_OK\n');
    const document = await status();
    expect(document.health).toEqual({ status: 'OK', checks: [] });
    expect(document.groups[0].health).toEqual({ status: 'OK', checks: [] });
    expect(await metric('tair_cs_health_status')).toBe(0);
    expect(await metric('tair_cs_group_health_status', 'group="group_1"')).toBe(0);
  });

  test('/status: role, epoch, and per group B, C, strategy, versions, state and every data server against its quota', async () => {
    const document = await status();
    expect(document).toMatchObject({ role: 'primary', epoch: 0, address: `127.0.0.1:${cluster.port}` });
    expect(document.groups).toHaveLength(1);
    const [group] = document.groups;
    expect(group).toMatchObject({ name: 'group_1', bucketCount: 64, copyCount: 2, strategy: 'balanced', hasTable: true, state: 'normal', alarms: [] });
    expect(group.versions.client).toBeGreaterThanOrEqual(10);
    expect(group.versions.server).toBeGreaterThanOrEqual(10);
    expect(group.migration).toMatchObject({ migrating: false, bucketsLeft: 0, paused: false, capPerServer: null, sources: [] });
    expect(group.dataServers.map((server) => server.id).sort()).toEqual(cluster.dataServers.map((server) => server.id).sort());
    const rackOf = new Map(cluster.dataServers.map((ds, index) => [ds.id, index < 2 ? 'r1' : 'r2']));
    for (const server of group.dataServers) {
      expect(server).toMatchObject({ state: 'alive', weight: 1, member: true, draining: false, failedOver: false });
      expect(server.rack).toBe(rackOf.get(server.id));
      expect(server.replicas.quota).toBe(32);
      expect(server.masters.quota).toBe(16);
      expect(Math.abs(server.replicas.held - 32)).toBeLessThanOrEqual(1);
      expect(Math.abs(server.masters.held - 16)).toBeLessThanOrEqual(1);
      expect(server.lastHeartbeatAgoMs).toBeLessThan(2000);
    }
    expect(group.dataServers.reduce((sum, server) => sum + server.replicas.held, 0)).toBe(128);
    expect(group.dataServers.reduce((sum, server) => sum + server.masters.held, 0)).toBe(64);
    expect(document.events.map((event) => event.event)).toContain('table-built');
  });

  test('/groups/group_1/table: JSON rows of server ids, and the raw form equals what a data server was sent', async () => {
    const { status: code, body } = await cluster.getJson<TableJson>('/groups/group_1/table');
    expect(code).toBe(200);
    expect(body).toMatchObject({ group: 'group_1', bucketCount: 64, copyCount: 2, migrating: false });
    const ids = new Set(cluster.dataServers.map((server) => server.id));
    for (const row of [...body.current, ...body.destination]) {
      expect(row).toHaveLength(64);
      for (const id of row) expect(ids.has(id as string)).toBe(true);
    }
    for (let bucket = 0; bucket < 64; bucket++) expect(body.current[0][bucket]).not.toBe(body.current[1][bucket]);
    const raw = await fetch(cluster.url('/groups/group_1/table?format=bin'));
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');
    expect(raw.headers.get('x-bucket-count')).toBe('64');
    expect(raw.headers.get('x-copy-count')).toBe('2');
    const bytes = Buffer.from(await raw.arrayBuffer());
    expect(bytes.length).toBe(2 * 2 * 64 * 8);
    const sent = cluster.dataServers[0];
    const slots = Array.from({ length: 128 }, (_, slot) => bytes.readBigUInt64LE(slot * 8));
    expect(slots).toEqual(Array.from(sent.current));
    expect(Array.from({ length: 128 }, (_, slot) => bytes.readBigUInt64LE((128 + slot) * 8))).toEqual(Array.from(sent.destination));
  });

  test('bad requests: 404 for unknown paths and groups, 400 for bad queries, 405 for other methods; JSON errors', async () => {
    const cases: [string, RequestInit | undefined, number, RegExp][] = [
      ['/groups/nope/table', undefined, 404, /group nope not found/],
      ['/nowhere', undefined, 404, /no such path/],
      ['/groups/group_1/table?format=xml', undefined, 400, /format must be json or bin/],
      ['/groups/group_1/table?format=bin&format=json', undefined, 400, /given twice/],
      ['/status?verbose=1', undefined, 400, /unknown query parameter 'verbose'/],
      ['/groups/%E0%A4%A/table', undefined, 400, /percent-encoding/],
      ['/status', { method: 'POST' }, 405, /method POST not allowed/],
    ];
    for (const [path, init, code, message] of cases) {
      const response = await fetch(cluster.url(path), init);
      expect(response.status, path).toBe(code);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
  });

  test('/metrics: heartbeats, latency, servers by state, versions, rebuilds, reloads and process metrics', async () => {
    const text = await (await fetch(cluster.url('/metrics'))).text();
    for (const name of [
      'tair_cs_heartbeats_received_total',
      'tair_cs_heartbeats_answered_total',
      'tair_cs_response_seconds_bucket',
      'tair_cs_data_servers',
      'tair_cs_table_version',
      'tair_cs_rebuilds_total',
      'tair_cs_rebuild_duration_seconds_count',
      'tair_cs_buckets_to_migrate',
      'tair_cs_config_reloads_total',
      'tair_cs_config_reload_failures_total',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ])
      expect(text, name).toContain(`\n${name}`);
    const received = await metric('tair_cs_heartbeats_received_total');
    expect(received).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await metric('tair_cs_heartbeats_answered_total')).toBeGreaterThan(received);
    expect(await metric('tair_cs_data_servers', 'group="group_1",state="alive"')).toBe(4);
    expect(await metric('tair_cs_table_version', 'group="group_1",kind="server"')).toBe((await status()).groups[0].versions.server);
    expect(await metric('tair_cs_rebuilds_total', 'group="group_1",kind="build",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(await metric('tair_cs_group_state', 'group="group_1",state="normal"')).toBe(1);
  });

  test('group.conf reloads are counted, refused ones too', async () => {
    const failures = await metric('tair_cs_config_reload_failures_total');
    const edits = await metric('tair_cs_config_reloads_total', 'kind="initial"');
    const good = await readFile(cluster.groupConfPath, 'utf8');
    await writeFile(cluster.groupConfPath, `${good}_bucket_numbr = 3\n`);
    await eventually(async () => (await metric('tair_cs_config_reload_failures_total')) > failures, 5000, 'a refused reload');
    await writeFile(cluster.groupConfPath, good.replace('group_status = on', 'group_status = off'));
    await eventually(
      async () => {
        const text = await (await fetch(cluster.url('/metrics'))).text();
        return text.includes('tair_cs_config_reloads_total{kind="edit"} 1');
      },
      5000,
      'an applied edit',
    );
    expect(await metric('tair_cs_config_reloads_total', 'kind="initial"')).toBe(edits);
  });
});

describe('a data server dies', () => {
  test('status shows it down, the group failovering then migrating with its pace, metrics follow, then degraded (never normal while it is DOWN)', async () => {
    const victim = cluster.dataServers[3];
    await victim.kill();
    const down = await eventually(
      async () => {
        const group = (await status()).groups[0];
        return group.dataServers.find((server) => server.id === victim.id)?.state === 'down' && group.migration.migrating && group;
      },
      8000,
      'the victim DOWN and a migration',
    );
    expect(['failovering', 'migrating']).toContain(down.state);
    expect(down.underReplicatedBuckets).toBeGreaterThan(0);
    expect(down.state).toBe('failovering');
    expect(down.migration.bucketsLeft).toBeGreaterThan(0);
    expect(down.migration.sources.reduce((sum, source) => sum + source.left, 0)).toBe(down.migration.bucketsLeft);
    expect(down.dataServers.find((server) => server.id === victim.id)?.replicas).toMatchObject({ held: 0, destination: 0, quota: 0 });
    expect(await metric('tair_cs_data_servers', 'group="group_1",state="down"')).toBe(1);
    expect(await metric('tair_cs_buckets_to_migrate', 'group="group_1"')).toBe(down.migration.bucketsLeft);
    expect(await metric('tair_cs_group_state', 'group="group_1",state="failovering"')).toBe(1);
    expect(await metric('tair_cs_rebuilds_total', 'group="group_1",kind="quick",outcome="ok"')).toBe(1);
    expect((await status()).events.map((event) => event.event)).toEqual(expect.arrayContaining(['server-down', 'quick-table', 'table-built']));

    await eventually(() => cluster.finishAll(3), 5000, 'data servers with buckets to move');
    const paced = await eventually(
      async () => {
        const group = (await status()).groups[0];
        return group.migration.ratePerS !== null && group.migration.ratePerS > 0 && group;
      },
      5000,
      'a migration rate',
    );
    expect(paced.migration.bucketsDone).toBeGreaterThan(0);
    expect(paced.migration.bucketsTotal).toBe(down.migration.bucketsLeft);
    expect(paced.migration.etaS).toBeGreaterThan(0);

    const normal = await eventually(
      async () => {
        await cluster.finishAll();
        const group = (await status()).groups[0];
        return group.state === 'degraded' && group;
      },
      10_000,
      'the group degraded: re-made, one server still DOWN',
    );
    expect(normal.health).toMatchObject({ status: 'WARN', checks: [{ code: 'data-servers-down', level: 'WARN', group: 'group_1' }] });
    expect(normal.health.checks[0].message).toContain(victim.id);
    expect(await metric('tair_cs_group_state', 'group="group_1",state="degraded"')).toBe(1);
    expect(await metric('tair_cs_health_check', 'code="data-servers-down",severity="WARN",group="group_1"')).toBe(1);
    const healthz = await fetch(cluster.url('/healthz'));
    expect(healthz.status).toBe(200);
    expect(await healthz.text()).toMatch(new RegExp(`^HEALTH_WARN group_1: 1 data server DOWN: ${victim.id}\n$`));
    expect(normal.underReplicatedBuckets).toBe(0);
    for (const server of normal.dataServers.filter((entry) => entry.state === 'alive')) {
      expect(server.replicas.quota).toBeCloseTo(128 / 3, 1);
      expect(Math.abs(server.replicas.held - 128 / 3)).toBeLessThan(1.5);
    }
    expect(await metric('tair_cs_buckets_to_migrate', 'group="group_1"')).toBe(0);
  });
});
