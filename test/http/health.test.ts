/**
 * Health (src/http/health.ts): the rules over every combination of conditions (property test),
 * then a running config server walked through each condition — a refused group.conf edit, a
 * DOWN server, a paused and a stuck migration, a table that cannot be saved, too few servers to
 * build — with /status, /healthz, the metrics and `tair-cs status` agreeing, and each reason
 * clearing once its cause is gone. Last, a pair whose other server never answers.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AdminCmd } from '../../src/admin/admin-codes.js';
import { run as runStatus } from '../../src/cli/status-command.js';
import { loadConfigServerConf } from '../../src/config/configserver-conf.js';
import type { HealthCheck } from '../../src/http/health.js';
import { groupHealth, serverHealth } from '../../src/http/health.js';
import type { GroupStatus, StatusDocument } from '../../src/http/status-model.js';
import { ConfigServer } from '../../src/server/config-server.js';
import { runCaptured } from '../helpers/run-captured.js';
import { eventually, OperatorCluster, quietPort } from './helpers/operator-cluster.js';

type Group = Omit<GroupStatus, 'health'>;

function group(changes: {
  down?: number;
  failedOver?: boolean;
  underReplicated?: number;
  alarms?: string[];
  hasTable?: boolean;
  paused?: boolean;
  migrating?: boolean;
}): Group {
  const servers = Array.from({ length: 4 }, (_, index) => ({
    id: `10.0.0.${index + 1}:5191`,
    state: index < (changes.down ?? 0) ? ('down' as const) : ('alive' as const),
    rack: 'r',
    weight: 1,
    member: true,
    draining: false,
    drained: false,
    failedOver: index < (changes.down ?? 0) && (changes.failedOver ?? false),
    lastHeartbeatAgoMs: 100,
    replicas: { held: 1, destination: 1, quota: 1 },
    masters: { held: 1, destination: 1, quota: 1 },
  }));
  return {
    name: 'g',
    bucketCount: 64,
    copyCount: 2,
    strategy: 'balanced',
    hasTable: changes.hasTable ?? true,
    state: 'normal',
    versions: { client: 10, server: 10, transition: 0, plugins: 10, areaCapacity: 10 },
    alarms: (changes.alarms ?? []).map((code) => ({ code, message: `${code} happened` })),
    underReplicatedBuckets: changes.underReplicated ?? 0,
    migration: {
      migrating: changes.migrating ?? false,
      paused: changes.paused ?? false,
      capPerServer: null,
      sources: [],
      bucketsLeft: 3,
      bucketsTotal: 5,
      bucketsDone: 2,
      ratePerS: null,
      etaS: null,
    },
    dataServers: servers,
  };
}

describe('health rules', () => {
  test('every combination: the level is the worst reason, each condition gives its check, none gives OK', () => {
    fc.assert(
      fc.property(
        fc.record({
          down: fc.integer({ min: 0, max: 4 }),
          failedOver: fc.boolean(),
          underReplicated: fc.integer({ min: 0, max: 64 }),
          alarms: fc.subarray(['build-failed', 'too-few-servers', 'bucket-lost', 'persist-failed']),
          hasTable: fc.boolean(),
          paused: fc.boolean(),
          migrating: fc.boolean(),
          stuck: fc.boolean(),
          configProblems: fc.integer({ min: 0, max: 8 }),
          peerSilentMs: fc.option(fc.integer({ min: 0, max: 5000 })),
        }),
        (conditions) => {
          const health = groupHealth(group(conditions), conditions.stuck ? 'no bucket finished' : null);
          const codes = health.checks.map((check) => check.code);
          const expected = new Set<string>();
          if (conditions.down > 0) expected.add('data-servers-down');
          if (conditions.hasTable && conditions.underReplicated > 0) expected.add('under-replicated');
          if (!conditions.hasTable) expected.add('no-table');
          if (conditions.migrating && conditions.paused) expected.add('migration-paused');
          if (conditions.migrating && conditions.stuck) expected.add('migration-stuck');
          for (const alarm of conditions.alarms) expected.add(['build-failed', 'too-few-servers'].includes(alarm) ? 'cannot-build' : alarm);
          expect(new Set(codes)).toEqual(expected);
          const errors = conditions.alarms.length > 0;
          expect(health.status).toBe(errors ? 'ERR' : expected.size > 0 ? 'WARN' : 'OK');
          const problems = Array.from({ length: conditions.configProblems }, (_, index) => ({
            file: '/etc/group.conf',
            line: index + 1,
            key: 'k',
            message: 'bad',
          }));
          const peer = conditions.peerSilentMs === null ? null : { address: '10.0.0.9:5198', silentMs: conditions.peerSilentMs, timeoutMs: 1500 };
          const server = serverHealth([{ health }], { groupFile: '/etc/group.conf', configProblems: problems, peer });
          const serverCodes = server.checks.filter((check) => check.group === null).map((check) => check.code);
          expect(serverCodes).toEqual([...(problems.length > 0 ? ['config-rejected'] : []), ...(peer && peer.silentMs >= 1500 ? ['peer-unreachable'] : [])]);
          const rank = { OK: 0, WARN: 1, ERR: 2 };
          expect(rank[server.status]).toBe(Math.max(rank[health.status], serverCodes.length > 0 ? 1 : 0));
        },
      ),
    );
  });

  test('a refused group.conf names file:line of its first problems', () => {
    const problems = Array.from({ length: 7 }, (_, index) => ({ file: '/etc/group.conf', line: 10 + index, key: '_bucket_numbr', message: 'unknown key' }));
    const [check] = serverHealth([], { groupFile: '/etc/group.conf', configProblems: problems, peer: null }).checks as [HealthCheck];
    expect(check.message).toContain('/etc/group.conf:10: _bucket_numbr: unknown key');
    expect(check.message).toContain('(and 2 more)');
  });
});

describe('a running config server', () => {
  let cluster: OperatorCluster;
  beforeAll(async () => {
    cluster = await OperatorCluster.start({ serverCount: 4, bucketCount: 64, cluster: { stuckMigrationMs: 800, persistRetryMs: 100 } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const status = async () => (await cluster.getJson<StatusDocument>('/status')).body;
  const healthz = async () => {
    const response = await fetch(cluster.url('/healthz'));
    return { code: response.status, text: await response.text() };
  };
  const metric = async (name: string) => {
    const text = await (await fetch(cluster.url('/metrics'))).text();
    return Number(/\s(\S+)$/.exec(text.split('\n').find((line) => line.startsWith(`${name} `)) ?? '')?.[1]);
  };
  const codes = (document: StatusDocument) => document.health.checks.map((check) => check.code);
  const settled = (document: StatusDocument) => !document.groups[0].migration.migrating && document.groups[0].underReplicatedBuckets === 0;
  /** withCheck — the first status document whose health has the check `code`. */
  const withCheck = (code: string, timeoutMs: number) =>
    eventually(
      async () => {
        const document = await status();
        return codes(document).includes(code) && document;
      },
      timeoutMs,
      `the health check ${code}`,
    );

  test('a refused group.conf edit: WARN with file:line in /status and on the first line of tair-cs status, gone once fixed', async () => {
    expect((await status()).health.status).toBe('OK');
    const good = await readFile(cluster.groupConfPath, 'utf8');
    await writeFile(cluster.groupConfPath, `${good}_bucket_numbr = 3\n`);
    const line = good.split('\n').length;
    const refused = await withCheck('config-rejected', 5000);
    expect(refused.health.status).toBe('WARN');
    expect(refused.health.checks[0].message).toContain(`${cluster.groupConfPath}:${line}: _bucket_numbr:`);
    const shown = await runCaptured(runStatus, ['--config-servers', `127.0.0.1:${cluster.port}`]);
    expect(shown.stdout.split('\n')[0]).toMatch(new RegExp(`^HEALTH_WARN .*group\\.conf was refused.*:${line}: _bucket_numbr`));
    expect(await healthz()).toMatchObject({ code: 200, text: expect.stringMatching(/^HEALTH_WARN /) });
    expect(await metric('tair_cs_health_status')).toBe(1);
    await writeFile(cluster.groupConfPath, good);
    await eventually(async () => (await status()).health.status === 'OK', 5000, 'health OK again');
  });

  test('a DOWN server, then a paused migration, then a stuck one: WARN with each reason', async () => {
    await cluster.dataServers[3].kill();
    const down = await eventually(
      async () => {
        const document = await status();
        return document.groups[0].migration.migrating && codes(document).includes('data-servers-down') && document;
      },
      8000,
      'the server DOWN and a migration',
    );
    expect(down.health.status).toBe('WARN');
    expect(down.groups[0].health.status).toBe('WARN');
    expect((await cluster.admin(AdminCmd.pauseMigration, ['group_1'])).code).toBe(0);
    expect(codes(await status())).toContain('migration-paused');
    expect((await cluster.admin(AdminCmd.resumeMigration, ['group_1'])).code).toBe(0);
    const stuck = await withCheck('migration-stuck', 8000);
    expect(stuck.health.checks.find((check) => check.code === 'migration-stuck')?.message).toMatch(/no bucket finished for 800 ms/);
    const moved = await eventually(
      async () => {
        await cluster.finishAll();
        const document = await status();
        return settled(document) && document;
      },
      10_000,
      'the migration done',
    );
    expect(codes(moved)).toEqual(['data-servers-down']);
    expect(moved.groups[0].state).toBe('degraded');
  });

  test('a table that cannot be saved: ERR, /healthz 503, metric 2; OK-ish again once saving works', async () => {
    // A save appends to the log or rewrites the snapshot: with both paths directories, neither works.
    const files = ['group_1.table', 'group_1.log'].map((name) => join(cluster.dir, 'data', name));
    for (const file of files) {
      await rm(file, { force: true });
      await mkdir(file);
    }
    expect((await cluster.admin(AdminCmd.rebuild, ['group_1'])).code).toBe(0);
    const failing = await withCheck('persist-failed', 5000);
    expect(failing.health.status).toBe('ERR');
    expect(await healthz()).toMatchObject({ code: 503, text: expect.stringMatching(/^HEALTH_ERR /) });
    expect(await metric('tair_cs_health_status')).toBe(2);
    for (const file of files) await rm(file, { recursive: true });
    await eventually(async () => !codes(await status()).includes('persist-failed'), 5000, 'the save working again');
    expect((await healthz()).code).toBe(200);
  });

  test('too few live servers to build: ERR cannot-build', async () => {
    const third = cluster.dataServers[2];
    await third.kill();
    await eventually(
      async () => {
        await cluster.finishAll();
        const document = await status();
        const gone = document.groups[0].dataServers.find((server) => server.id === third.id);
        return gone?.state === 'down' && gone.replicas.held === 0 && settled(document);
      },
      10_000,
      'the copies re-made on the two left',
    );
    await cluster.dataServers[1].kill();
    const stopped = await withCheck('cannot-build', 10_000);
    expect(stopped.health.status).toBe('ERR');
    expect(stopped.groups[0].state).toBe('cannot build');
    expect((await healthz()).code).toBe(503);
  });
});

describe('a config-server pair', () => {
  test('the other server never answers: WARN peer-unreachable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tair-cs-health-pair-'));
    const [port, peerPort] = [await quietPort(), await quietPort()];
    await writeFile(join(dir, 'group.conf'), '[group_1]\n_bucket_number = 16\n_copy_count = 1\n_server_list = 127.0.0.1:5191\n');
    await writeFile(
      join(dir, 'configserver.conf'),
      [
        '[public]',
        `config_server = 127.0.0.1:${port}`,
        `config_server = 127.0.0.1:${peerPort}`,
        '[configserver]',
        `port = ${port}`,
        `address = 127.0.0.1:${port}`,
        'group_file = group.conf',
        'data_dir = data',
        'peer_timeout_ms = 200',
        '',
      ].join('\n'),
    );
    const server = new ConfigServer(await loadConfigServerConf(join(dir, 'configserver.conf')), pino({ level: 'silent' }), { tickMs: 20 });
    await server.start();
    try {
      const shown = await eventually(
        async () => {
          const run = await runCaptured(runStatus, ['--config-servers', `127.0.0.1:${port}`, '--json']);
          const document = JSON.parse(run.stdout || '{}') as StatusDocument;
          return document.health?.checks.some((check) => check.code === 'peer-unreachable') && document;
        },
        5000,
        'the peer reported unreachable',
      );
      expect(shown.health.checks.find((check) => check.code === 'peer-unreachable')?.message).toContain(`127.0.0.1:${peerPort} is unreachable`);
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
