/**
 * The etcd test harness itself: three members come up healthy, a killed member leaves the others
 * a quorum, two stopped members take it away, and nothing is left running after close().
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { EtcdCluster, requireEtcd } from '../helpers/etcd-cluster.js';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('etcd test cluster', () => {
  let cluster: EtcdCluster;
  let client: Etcd3;
  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
    client = new Etcd3({ hosts: cluster.endpoints });
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
    await client.put('k').value('v2').exec();
    expect(await client.get('k').string()).toBe('v2');
    await cluster.restart(0);
    expect(await cluster.healthy(0)).toBe(true);
  });

  it('loses its quorum when two members are stopped, and regains it when they resume', async () => {
    cluster.stop(1);
    cluster.stop(2);
    const single = new Etcd3({ hosts: cluster.endpoint(0) });
    try {
      await expect(single.put('k').value('v3').options({ deadline: Date.now() + 1500 }).exec()).rejects.toThrow();
      expect(await cluster.healthy(0)).toBe(false);
    } finally {
      cluster.resume(1);
      cluster.resume(2);
    }
    await single.put('k').value('v4').exec();
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
});
