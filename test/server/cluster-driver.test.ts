/**
 * The one driver of the cluster state machine (src/server/cluster-driver.ts): every step is
 * followed by performing what it produced, before the step returns — the heartbeat path included —
 * and a step made while performing is performed after the current batch, in order.
 */
import { describe, expect, test } from 'vitest';
import type { Ready } from '../../src/cluster/index.js';
import { Cluster } from '../../src/cluster/index.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import { parseGroupConf } from '../../src/config/group-conf.js';
import { ClusterDriver, drainRoundsMax } from '../../src/server/cluster-driver.js';
import { originalHeartbeat } from '../helpers/original-heartbeat.js';
import { groupConfText } from './helpers/group-conf.js';

const ports = [7101, 7102, 7103];
const ids = ports.map((port) => serverIdFromText(`127.0.0.1:${port}`, 0));

function newCluster(): Cluster {
  const { groups, problems } = parseGroupConf(groupConfText({ ports, bucketCount: 8, copyCount: 2 }), 'group.conf', { defaultDataServerPort: 5191 });
  expect(problems).toEqual([]);
  return new Cluster({ groups, saved: new Map(), nowMs: 0, options: { settleMs: 100 } });
}

describe('ClusterDriver', () => {
  test('a heartbeat step is performed before it returns: nothing is left in the outbox', () => {
    const performed: Ready[] = [];
    const cluster = newCluster();
    const driver = new ClusterDriver(cluster, (ready) => performed.push(ready));
    driver.start();
    for (const serverId of ids) driver.step({ type: 'heartbeat', nowMs: 10, request: originalHeartbeat({ serverId, serverVersion: 0, transitionVersion: 0 }) });
    expect(performed.flatMap((ready) => ready.notices).length).toBeGreaterThan(0);
    expect(cluster.ready().notices).toEqual([]);
    driver.step({ type: 'tick', nowMs: 500 });
    expect(performed.flatMap((ready) => ready.jobs).map((job) => job.kind)).toEqual(['build']);
  });

  test('a step made while performing is performed after the current batch, in order', () => {
    const order: string[] = [];
    const cluster = newCluster();
    let driver: ClusterDriver;
    let nested = false;
    driver = new ClusterDriver(cluster, (ready) => {
      for (const notice of ready.notices) order.push(notice.event);
      if (!nested) {
        nested = true;
        driver.step({ type: 'heartbeat', nowMs: 20, request: originalHeartbeat({ serverId: ids[1], serverVersion: 0, transitionVersion: 0 }) });
        order.push('nested step returned');
      }
    });
    driver.step({ type: 'heartbeat', nowMs: 10, request: originalHeartbeat({ serverId: ids[0], serverVersion: 0, transitionVersion: 0 }) });
    const returned = order.indexOf('nested step returned');
    expect(returned).toBeGreaterThan(0);
    expect(order.length).toBeGreaterThan(returned + 1);
  });

  test('a cluster that never stops producing work is cut after drainRoundsMax rounds', () => {
    let rounds = 0;
    const endless = {
      step: () => undefined,
      ready: (): Ready => ({ persist: [], publish: [], jobs: [], probes: [], replies: [{ token: rounds, code: 0 }], notices: [] }),
    } as unknown as Cluster;
    const driver = new ClusterDriver(endless, () => {
      rounds += 1;
    });
    expect(() => driver.step({ type: 'tick', nowMs: 0 })).toThrow(/kept producing work/);
    expect(rounds).toBe(drainRoundsMax);
  });
});
