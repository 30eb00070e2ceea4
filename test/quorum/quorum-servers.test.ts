/**
 * Quorum mode for real: a 3-member etcd, three `tair-cs start` processes with coordination =
 * etcd, and three of our data servers (`tair-cs dataserver`) listing all three config servers.
 * A poller asks every config server for the table every 50 ms the whole time.
 *
 *   a table is built by the leader and served by all three (same version, same table)
 *   group.conf edited on the leader ─▶ committed to etcd ─▶ written into every follower's file
 *   leader kill -9 ─▶ another one publishes within lease TTL + 1 s (measured; asserted loosely)
 *   an original Tair data server listing two of them follows entry #0, and entry #1 once entry
 *     #0 is gone (the servers name the config server without a lease as down)
 *   etcd quorum lost (2 of 3 members hung) ─▶ all keep serving the last table, nothing is
 *     published, /status says etcd has no quorum, a server restarted meanwhile serves its local
 *     copy; quorum back ─▶ a leader publishes again
 *   over everything: no version goes down on any server, no two servers serve different tables
 *   under one version
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sendAdminCommand } from '../../src/admin/admin-client.js';
import { AdminCmd } from '../../src/admin/admin-codes.js';
import type { StatusDocument } from '../../src/http/status-model.js';
import { DataServerProcess } from '../e2e/processes.js';
import { OriginalDataServer } from '../pair/helpers/original-data-server.js';
import { EtcdCluster } from '../helpers/etcd-cluster.js';
import { QuorumPoller } from '../helpers/quorum-poller.js';
import { buildOnce, freePort, waitFor } from '../server/helpers/config-server-process.js';
import { groupConfText } from '../server/helpers/group-conf.js';
import { uniquePrefix, waitFor as waitUntil } from './helpers/coordinators.js';
import { leads, publishedAfter, QuorumServers, timeOf } from './helpers/quorum-servers.js';

const leaseTtlMs = 2000;
const bucketCount = 64;
let etcd: EtcdCluster;
let quorum: QuorumServers;
let dataServers: DataServerProcess[] = [];
let poller: QuorumPoller;
let original: OriginalDataServer;

beforeAll(async () => {
  buildOnce();
  etcd = await EtcdCluster.start(3);
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  quorum = await QuorumServers.create({
    count: 3,
    groupConf: groupConfText({ ports, bucketCount, serverDownTimeS: 2 }),
    endpoints: etcd.endpoints,
    prefix: uniquePrefix('servers'),
    leaseTtlMs,
  });
  await quorum.start();
  dataServers = ports.slice(0, 3).map((port) => new DataServerProcess(port, quorum.addresses.join(','), 'group_1'));
  // An original Tair data server listing two of the three config servers.
  original = new OriginalDataServer([quorum.servers[0].port, quorum.servers[1].port], ports[3], 200);
  await original.start();
  poller = new QuorumPoller(quorum.endpoints, 'group_1', 50, 500);
}, 60_000);

afterAll(async () => {
  if (process.env.QUORUM_TEST_LOGS) {
    quorum?.servers.forEach((server, index) => {
      for (const line of server.logs)
        if (String(line.event).startsWith('quorum') || line.event === 'published')
          process.stdout.write(`#${index} ${new Date(timeOf(line)).toISOString()} ${line.event} ${line.msg}\n`);
    });
  }
  await poller?.stop();
  for (const dataServer of dataServers) await dataServer.kill('SIGKILL');
  // Its listener closes once every connection to it does (config servers' probes, data servers'
  // migrations): not waited for; the connections end with their processes.
  void original?.kill();
  await quorum?.cleanup();
  await etcd?.close();
}, 30_000);

/** allServeOneTable — the newest poll has every running server answering one version and one table. */
function allServe(indexes: number[]): { version: number; layout: string } | undefined {
  const poll = poller.latest();
  if (!poll) return undefined;
  const answers = indexes.map((index) => poll.answers[index]);
  const first = answers[0];
  if (!first || answers.some((answer) => !answer || answer.version !== first.version || answer.layout !== first.layout)) return undefined;
  return { version: first.version, layout: first.layout };
}

/** newestVersion — the highest version any poll has seen. */
function newestVersion(): number {
  return Math.max(0, ...poller.polls.flatMap((poll) => poll.answers.map((answer) => answer?.version ?? 0)));
}

/** primary — the one server the newest poll found answering "primary" (undefined: none or several). */
function primary(): { index: number } | undefined {
  const answers = poller.latest()?.answers ?? [];
  const primaries = answers.flatMap((answer, index) => (answer?.primary ? [index] : []));
  return primaries.length === 1 ? { index: primaries[0] } : undefined;
}

async function statusOf(index: number): Promise<StatusDocument> {
  const { response } = await sendAdminCommand([quorum.endpoints[index]], AdminCmd.status, [], 2000);
  if (response.code !== 0) throw new Error(response.infos[0] ?? `code ${response.code}`);
  return JSON.parse(response.infos[0]) as StatusDocument;
}

describe('three config servers in quorum mode with a 3-member etcd', () => {
  test('one leader builds the table; all three serve it under one version', async () => {
    const served = await waitFor(
      () => allServe([0, 1, 2]),
      30_000,
      () => `polls: ${JSON.stringify(poller.stats())}`,
    );
    expect(served.version).toBeGreaterThanOrEqual(10);
    const leaders = quorum.servers.filter(leads);
    expect(leaders).toHaveLength(1);
    const leaderIndex = quorum.servers.indexOf(leaders[0]);
    const status = await statusOf(leaderIndex);
    expect(status.role).toBe('primary');
    expect(status.quorum).toMatchObject({ etcd: 'connected', role: 'leader', readOnly: false });
    const follower = await statusOf((leaderIndex + 1) % 3);
    expect(follower.role).toBe('secondary');
    expect(follower.quorum?.leader?.address).toBe(quorum.addresses[leaderIndex]);
  }, 60_000);

  test("group.conf edited on the leader is committed to etcd and mirrored into every follower's file", async () => {
    const { index: leaderIndex } = await waitFor(
      () => primary(),
      10_000,
      () => 'no single primary in the polls',
    );
    const edit = `# edited on the leader at ${Date.now()}\n`;
    appendFileSync(quorum.servers[leaderIndex].groupConfPath, edit);
    for (const [index, server] of quorum.servers.entries()) {
      if (index === leaderIndex) continue;
      await waitFor(
        () => readFileSync(server.groupConfPath, 'utf8').endsWith(edit),
        15_000,
        () => `follower #${index} did not get the edit`,
      );
    }
    expect(quorum.servers[leaderIndex].logs.some((line) => line.event === 'quorum-group-conf-committed')).toBe(true);
  }, 30_000);

  test('leader kill -9: another publishes within the lease TTL (+ slack for a loaded machine); all serve its table', async () => {
    const { index: leaderIndex } = await waitFor(
      () => primary(),
      10_000,
      () => `no single primary in the polls: ${JSON.stringify(poller.latest()?.answers, (_key, value) => (typeof value === 'bigint' ? String(value) : value))}`,
    );
    const before = allServe([0, 1, 2]);
    const killedAtMs = Date.now();
    await quorum.servers[leaderIndex].kill9();
    const others = [0, 1, 2].filter((index) => index !== leaderIndex);
    const published = await waitFor(
      () => others.map((index) => publishedAfter(quorum.servers[index], killedAtMs)).find((line) => line !== undefined),
      20_000,
      () => 'no other server published',
    );
    const elapsedMs = timeOf(published) - killedAtMs;
    process.stdout.write(`quorum: new leader published ${elapsedMs} ms after the leader's kill -9 (lease TTL ${leaseTtlMs} ms)\n`);
    // The goal is TTL + 1 s; a saturated 2-core machine can add seconds of scheduling delay.
    expect(elapsedMs).toBeLessThan(leaseTtlMs + 6000);
    const after = await waitFor(
      () => {
        const served = allServe(others);
        return served && served.version > (before?.version ?? 0) && served;
      },
      20_000,
      () => `polls: ${JSON.stringify(poller.stats())}`,
    );
    expect(after.version).toBeGreaterThanOrEqual((before?.version ?? 0) + 100);
    const stats = poller.stats();
    expect(stats.conflicts, stats.firstConflict ?? '').toBe(0);
    expect(stats.regressions).toBe(0);
  }, 60_000);

  test('etcd quorum lost: every server keeps serving the last table, publishes nothing, and says so; back: publishing again', async () => {
    const running = [0, 1, 2].filter((index) => poller.latest()?.answers[index] !== null);
    // Quiet first: the rebuild after the data server's death may still be publishing.
    const last = await waitFor(
      () => {
        const served = allServe(running);
        const quietSinceMs = Date.now() - 2000;
        const quiet = quorum.servers.every((server) => !server.logs.some((line) => line.event === 'published' && timeOf(line) > quietSinceMs));
        return served && quiet && served.version === newestVersion() && served;
      },
      30_000,
      () => 'the running servers do not agree on the newest version, or keep publishing',
    );
    etcd.stop(1);
    etcd.stop(2);
    const lostAtMs = Date.now();
    try {
      // A member left alone may answer a keepalive or two before it notices it lost the quorum.
      const statuses = await waitUntil(
        async () => {
          const answered = await Promise.all(running.map((index) => statusOf(index)));
          return answered.every((status) => status.quorum?.readOnly === true) && answered;
        },
        20_000,
        'every running server reports etcd without a quorum',
      );
      for (const status of statuses) {
        expect(status.quorum?.readOnly).toBe(true);
        expect(status.health.checks.map((check) => check.code)).toContain(`etcd-${status.quorum?.etcd}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2 * leaseTtlMs));
      const still = allServe(running);
      expect(still).toEqual(last);
      // A server restarted while etcd has no quorum starts from its committed local copy.
      const restarted = quorum.servers[running[0]];
      expect(await restarted.stop('SIGTERM')).toBe(0);
      await restarted.start();
      await waitFor(
        () => {
          const served = allServe(running);
          return served && served.version === last.version && served.layout === last.layout;
        },
        15_000,
        () => 'the restarted server does not serve its local copy',
      );
      for (const index of running) {
        const published = quorum.servers[index].logs.filter((line) => line.event === 'published' && timeOf(line) >= lostAtMs + leaseTtlMs);
        expect(published).toEqual([]);
      }
    } finally {
      etcd.resume(1);
      etcd.resume(2);
    }
    const backAtMs = Date.now();
    await waitFor(
      () => running.some((index) => publishedAfter(quorum.servers[index], backAtMs)),
      30_000,
      () => 'nobody published after etcd came back',
    );
    await waitFor(
      () => {
        const served = allServe(running);
        return served && served.version > last.version;
      },
      20_000,
      () => 'the running servers do not agree on a newer version after etcd came back',
    );
    const stats = poller.stats();
    process.stdout.write(
      `quorum: ${stats.polls} polls of every server, ${stats.conflicts} conflicts, ${stats.regressions} regressions, ${stats.versions} versions\n`,
    );
    expect(stats.conflicts, stats.firstConflict ?? '').toBe(0);
    expect(stats.regressions).toBe(0);
  }, 90_000);

  test('an original data server listing two config servers: it follows entry #0, and entry #1 once entry #0 is gone', async () => {
    await waitFor(
      () => original.applied.length > 0,
      10_000,
      () => 'the original data server got no table',
    );
    const alive = (index: number): boolean => poller.latest()?.answers[index] !== null;
    if (alive(0) && alive(1)) await quorum.servers[0].kill9();
    const before = original.serverVersion;
    // A data server dies: the leader rebuilds and publishes a new table.
    await dataServers[2].kill('SIGKILL');
    await waitFor(
      () => original.serverVersion > before,
      30_000,
      () => `the original data server stays at server version ${original.serverVersion}`,
    );
    const stats = poller.stats();
    expect(stats.conflicts, stats.firstConflict ?? '').toBe(0);
    expect(stats.regressions).toBe(0);
  }, 60_000);
});
