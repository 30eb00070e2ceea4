/**
 * Three coordinators in their own processes against a real 3-member etcd: a leader killed with
 * SIGKILL is replaced once its lease expires; a leader frozen (SIGSTOP) past its lease is
 * replaced, and when it wakes it notices it is deposed and cannot publish.
 *
 * Times are measured and printed (the figures are in bench/quorum/README.md); the assertions
 * are on what happened, with bounds loose enough for a loaded machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EtcdSettings } from '../../src/quorum/quorum-config.js';
import { EtcdCluster } from '../helpers/etcd-cluster.js';
import { uniquePrefix, waitFor } from './helpers/coordinators.js';
import { buildChild, CoordinatorProcess, removeChild } from './helpers/coordinator-process.js';

const leaseTtlMs = 2000;
let cluster: EtcdCluster;
let buildDir: string;
let dataRoot: string;
let processes: CoordinatorProcess[] = [];

beforeAll(async () => {
  [cluster, buildDir, dataRoot] = await Promise.all([EtcdCluster.start(3), buildChild(), mkdtemp(join(tmpdir(), 'tair-cs-quorum-proc-'))]);
});
afterAll(async () => {
  await cluster?.close();
  if (buildDir) await removeChild(buildDir);
  if (dataRoot) await rm(dataRoot, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(processes.map((child) => child.close()));
  processes = [];
});

function startThree(name: string): CoordinatorProcess[] {
  const settings: EtcdSettings = {
    endpoints: cluster.endpoints.map((endpoint) => `http://${endpoint}`),
    prefix: uniquePrefix(name),
    leaseTtlMs,
    tls: null,
    auth: null,
  };
  processes = [0, 1, 2].map((index) => new CoordinatorProcess(buildDir, `127.0.0.1:${6000 + index}`, settings, join(dataRoot, `${name}-${index}`)));
  return processes;
}

async function theLeader(children: CoordinatorProcess[], timeoutMs: number): Promise<CoordinatorProcess> {
  return waitFor(
    () => {
      const leading = children.filter((child) => child.running && child.leading);
      return leading.length === 1 ? leading[0] : undefined;
    },
    timeoutMs,
    'exactly one leading process',
  );
}

describe('coordinators in their own processes', () => {
  it('replace a leader killed with SIGKILL once its lease expires, under a higher epoch', async () => {
    const children = startThree('kill');
    const first = await theLeader(children, 15_000);
    const firstEpoch = BigInt(String((await first.next((event) => event.event === 'elected', 1000)).epoch));
    first.send({ cmd: 'publish', group: 'group_1', bucketCount: 1023, seed: 1, changes: 0, surely: true });
    expect((await first.next((event) => event.event === 'published', 30_000)).outcome).toMatchObject({ ok: true, sequence: 1 });
    const marks = children.map((child) => child.events.length);
    const killedAtMs = Date.now();
    first.signal('SIGKILL');
    const rest = children.filter((child) => child !== first);
    const second = await theLeader(rest, 2 * leaseTtlMs + 5000);
    const elected = await second.next((event) => event.event === 'elected', 1000, marks[children.indexOf(second)]);
    console.log(`new leader ${elected.atMs - killedAtMs} ms after SIGKILL (lease TTL ${leaseTtlMs} ms)`);
    expect(BigInt(String(elected.epoch))).toBe(firstEpoch + 1n);
    expect(elected.atMs - killedAtMs).toBeLessThan(2 * leaseTtlMs + 5000);
    // The survivors hold what the dead leader committed, and the new one builds on it.
    second.send({ cmd: 'publish', group: 'group_1', bucketCount: 1023, seed: 1, changes: 1, surely: true });
    expect((await second.next((event) => event.event === 'published', 30_000, marks[children.indexOf(second)])).outcome).toMatchObject({
      ok: true,
      sequence: 2,
      kind: 'record',
    });
  });

  it('replace a leader frozen past its lease; woken, it knows it is deposed and publishes nothing', async () => {
    const children = startThree('stop');
    const first = await theLeader(children, 15_000);
    first.send({ cmd: 'publish', group: 'group_1', bucketCount: 1023, seed: 5, changes: 0, surely: true });
    expect((await first.next((event) => event.event === 'published', 30_000)).outcome).toMatchObject({ ok: true, sequence: 1 });
    const mark = first.events.length;
    first.signal('SIGSTOP');
    const rest = children.filter((child) => child !== first);
    const second = await theLeader(rest, 2 * leaseTtlMs + 5000);
    second.send({ cmd: 'publish', group: 'group_1', bucketCount: 1023, seed: 5, changes: 1, surely: true });
    expect((await second.next((event) => event.event === 'published', 30_000)).outcome).toMatchObject({ ok: true, sequence: 2 });
    // The frozen leader's publish is queued before it wakes: it runs first thing after SIGCONT.
    first.send({ cmd: 'publish', group: 'group_1', bucketCount: 1023, seed: 5, changes: 7 });
    const wokeAtMs = Date.now();
    first.signal('SIGCONT');
    const deposed = await first.next((event) => event.event === 'deposed', 5000, mark);
    const published = await first.next((event) => event.event === 'published', 5000, mark);
    console.log(`the woken leader knew it was deposed ${deposed.atMs - wokeAtMs} ms after SIGCONT`);
    expect(published.outcome).toMatchObject({ ok: false });
    expect(first.leading).toBe(false);
    // The version the frozen leader tried never lands: the followers stay at the new leader's version 2.
    const follower = rest.find((child) => child !== second)!;
    await follower.next((event) => event.event === 'table' && event.sequence === 2, 5000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(follower.events.filter((event) => event.event === 'table').map((event) => event.sequence)).toEqual([1, 2]);
  });
});
