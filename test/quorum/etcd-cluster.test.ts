/**
 * The etcd test harness itself: three members come up healthy, a killed member leaves the others
 * a quorum, two stopped members take it away, and nothing is left running after close().
 */
import { spawn } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../src/quorum/etcd-client.js';
import { EtcdCluster, requireEtcd } from '../helpers/etcd-cluster.js';
import { repoRoot, transpileSources } from '../store/helpers/transpile-sources.js';
import { waitFor } from './helpers/coordinators.js';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function clientOf(endpoints: string[]): Promise<Etcd3> {
  return createEtcdClient({ endpoints: endpoints.map((endpoint) => `http://${endpoint}`), prefix: '/t', leaseTtlMs: 2000, tls: null, auth: null });
}

describe('etcd test cluster', () => {
  let cluster: EtcdCluster;
  let client: Etcd3;
  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
    client = await clientOf(cluster.endpoints);
  });
  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });

  it('serves reads and writes with all members, and with one member killed', async () => {
    await client.put('k').value('v1').exec();
    expect(await client.get('k').string()).toBe('v1');
    await cluster.kill(0);
    expect(cluster.pid(0)).toBeUndefined();
    // If m0 led etcd's raft, writes fail until the other two elect a leader.
    await waitFor(
      () =>
        client
          .put('k')
          .value('v2')
          .exec()
          .then(
            () => true,
            () => false,
          ),
      20_000,
      'a write with m0 dead',
    );
    expect(await client.get('k').string()).toBe('v2');
    await cluster.restart(0);
    expect(await cluster.healthy(0)).toBe(true);
  });

  it('loses its quorum when two members are stopped, and regains it when they resume', async () => {
    cluster.stop(1);
    cluster.stop(2);
    const single = await clientOf([cluster.endpoint(0)]);
    try {
      await expect(
        single
          .put('k')
          .value('v3')
          .options({ deadline: Date.now() + 1500 })
          .exec(),
      ).rejects.toThrow();
      expect(await cluster.healthy(0)).toBe(false);
    } finally {
      cluster.resume(1);
      cluster.resume(2);
    }
    // The client skips a member that did not answer for a lease TTL: retry until it asks again.
    await waitFor(
      () =>
        single
          .put('k')
          .value('v4')
          .exec()
          .then(
            () => true,
            () => false,
          ),
      20_000,
      'a write after the resume',
    );
    expect(await single.get('k').string()).toBe('v4');
    single.close();
  });

  it('says how to install etcd when the binary is missing', () => {
    expect(() => requireEtcd('/nonexistent/etcd')).toThrow(/apt-get install etcd-server/);
  });

  it('leaves no member running and no directory behind after close', async () => {
    const other = await EtcdCluster.start(3);
    const pids = [0, 1, 2].map((index) => other.pid(index) as number);
    other.stop(2);
    await other.close();
    expect(pids.filter(processAlive)).toEqual([]);
    expect(existsSync(other.dir)).toBe(false);
  });

  it('leaves no member running when the process that started them is killed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tair-cs-cluster-child-'));
    try {
      await transpileSources(['test/quorum/helpers/cluster-child.ts'], dir);
      symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
      const child = spawn(process.execPath, [join(dir, 'test', 'quorum', 'helpers', 'cluster-child.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const started = await waitFor(() => output.includes('\n') && (JSON.parse(output) as { pids: number[]; dir: string }), 30_000, 'the child cluster');
      expect(started.pids.filter(processAlive)).toHaveLength(3);
      child.kill('SIGKILL');
      await waitFor(() => started.pids.filter(processAlive).length === 0, 10_000, 'the watchdog to kill the members');
      await waitFor(() => !existsSync(started.dir), 5000, 'the watchdog to remove the data dir');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
