/**
 * quorum-publish — what a publication costs in quorum mode (src/quorum) against a real 3-member
 * etcd on 127.0.0.1 (test/helpers/etcd-cluster.ts, the system's etcd binary), at the bench sizes
 * S, L, XL (bench-sizes.ts), engine-built tables:
 *
 *   first version (a snapshot: compressed, chunked)  ─▶ then versions alternating between the
 *   table and its rebuild after one server left (each a change record of the moved copies)
 *
 * Measured per size: the snapshot publication, the record publication (median, p99, mean), the
 * time until a second coordinator holds each version (follower lag: publish resolved → its
 * 'table' event), the record and snapshot sizes in etcd, and how long the event loop was held up
 * meanwhile (perf_hooks.monitorEventLoopDelay, 10 ms resolution: max, p99, mean; the leader and
 * the follower share the one loop). `--codec inline` runs the O(B·C) work on the event loop
 * instead of the codec worker (quorum-codec.ts), for comparison. Writes
 * bench/results/quorum-publish-latest.json (or quorum-publish-inline-latest.json).
 *
 *   npm run build && node dist/bench/quorum-publish.js [--versions 20] [--sizes S,L,XL] [--codec worker|inline] [--smoke] [--out FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Engine } from '../src/engine/index.js';
import type { Table } from '../src/engine/index.js';
import { createEtcdClient, QuorumCodec, QuorumCoordinator } from '../src/quorum/index.js';
import type { EtcdSettings } from '../src/quorum/index.js';
import type { PersistedGroupTable } from '../src/store/persisted-table.js';
import { EtcdCluster } from '../test/helpers/etcd-cluster.js';
import { runEnvironment } from './bench-results.js';
import type { BenchSize } from './bench-sizes.js';
import { benchServers, benchSizes, downPosition, smokeSizes, withDown } from './bench-sizes.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface SizeResult {
  size: string;
  bucketCount: number;
  copyCount: number;
  snapshotMs: number;
  snapshotBytes: number;
  snapshotChunks: number;
  recordMedianMs: number;
  recordP99Ms: number;
  recordMeanMs: number;
  recordBytes: number;
  changedSlots: number;
  followerLagMedianMs: number;
  followerLagP99Ms: number;
  versions: number;
  codec: 'worker' | 'inline';
  /** loopDelay* — the event loop's delays while publishing and following (ms). */
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  loopDelayMeanMs: number;
  /** copyBytesPerTurnMax — the most bytes one event-loop turn copied into shared memory (leader and follower). */
  copyBytesPerTurnMax: number;
}

function persisted(table: Table, serverIds: readonly string[], version: number): PersistedGroupTable {
  const slots = Uint32Array.from(table.slots);
  return {
    groupName: 'group_1',
    bucketCount: table.bucketCount,
    copyCount: table.copyCount,
    versions: { client: version, server: version, plugins: 0, areaCapacity: 0 },
    epoch: 0n,
    migrateBlockCount: -1,
    configHash: '',
    servers: serverIds.map((_, index) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}:5191`),
    recordSeq: 0,
    current: slots,
    progress: slots.slice(),
    destination: slots.slice(),
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measureSize(settings: EtcdSettings, size: BenchSize, versions: number, dir: string, inline: boolean): Promise<SizeResult> {
  const engine = new Engine();
  const servers = benchServers(size);
  const base = engine.build({ ...size, servers });
  const left = engine.build({ ...size, servers: withDown(servers, downPosition(size)), source: base.table });
  if (!base.ok || !left.ok) throw new Error(`bench setup: build of ${size.name} failed`);
  const ids = servers.map((server) => server.id);
  const tables = [persisted(base.table, ids, 10), persisted(left.table, ids, 11)];
  const codecs = [new QuorumCodec({ inline }), new QuorumCodec({ inline })];
  const leader = await QuorumCoordinator.connect(settings, { address: '127.0.0.1:1', dataDir: join(dir, `${size.name}-a`), codec: codecs[0] });
  const follower = await QuorumCoordinator.connect(settings, { address: '127.0.0.1:2', dataDir: join(dir, `${size.name}-b`), codec: codecs[1] });
  const seen = new Map<number, number>();
  follower.on('table', (committed) => seen.set(committed.sequence, performance.now()));
  leader.start();
  await until(() => leader.isLeader(), 'the leader to be elected');
  follower.start();
  const publish = async (table: PersistedGroupTable): Promise<{ ms: number; doneAtMs: number; sequence: number }> => {
    leader.stampEpoch(table);
    const startMs = performance.now();
    let outcome = await leader.publish(table);
    // A loaded machine can suspend the leader (a lease not renewed in time): wait, as a host would, and save again.
    for (let retry = 0; retry < 5 && !outcome.ok; retry++) {
      await until(() => leader.isLeader(), 'the leader to resume');
      leader.stampEpoch(table);
      outcome = await leader.publish(table);
    }
    if (!outcome.ok) throw new Error(`publish failed: ${outcome.message}`);
    const doneAtMs = performance.now();
    return { ms: doneAtMs - startMs, doneAtMs, sequence: outcome.sequence };
  };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const first = await publish(tables[0]);
  const recordMs: number[] = [];
  const done: { sequence: number; atMs: number }[] = [];
  for (let version = 1; version <= versions; version++) {
    const result = await publish(tables[version % 2]);
    recordMs.push(result.ms);
    done.push({ sequence: result.sequence, atMs: result.doneAtMs });
  }
  const last = done[done.length - 1].sequence;
  await until(() => seen.has(last), 'the follower to hold the last version');
  loop.disable();
  const lags = done.filter((entry) => seen.has(entry.sequence)).map((entry) => Math.max(0, (seen.get(entry.sequence) as number) - entry.atMs));
  const committed = leader.committed('group_1');
  const prefix = `${leader.keys.prefix}/groups/group_1`;
  const client = await createEtcdClient(settings);
  const record = await client.get(`${prefix}/records/${String(last).padStart(16, '0')}`).buffer();
  client.close();
  // The three tables are equal here, so each moved copy changes three slots.
  let changedSlots = 0;
  for (let slot = 0; slot < tables[0].current.length; slot++) if (tables[0].current[slot] !== tables[1].current[slot]) changedSlots += 3;
  await follower.stop();
  await leader.stop();
  await Promise.all(codecs.map((codec) => codec.close()));
  return {
    size: size.name,
    bucketCount: size.bucketCount,
    copyCount: size.copyCount,
    snapshotMs: Math.round(first.ms * 10) / 10,
    snapshotBytes: committed?.snapshot.compressedBytes ?? 0,
    snapshotChunks: committed?.snapshot.chunkCount ?? 0,
    recordMedianMs: round(quantile(recordMs, 0.5)),
    recordP99Ms: round(quantile(recordMs, 0.99)),
    recordMeanMs: round(recordMs.reduce((sum, value) => sum + value, 0) / recordMs.length),
    recordBytes: record?.length ?? 0,
    changedSlots,
    followerLagMedianMs: round(quantile(lags, 0.5)),
    followerLagP99Ms: round(quantile(lags, 0.99)),
    versions,
    codec: inline ? 'inline' : 'worker',
    loopDelayMaxMs: round(loop.max / 1e6),
    loopDelayP99Ms: round(loop.percentile(99) / 1e6),
    loopDelayMeanMs: round(loop.mean / 1e6),
    copyBytesPerTurnMax: Math.max(...codecs.map((codec) => codec.meter.copy.bytesPerTurnMax)),
  };
}

/** until — poll `check` every 10 ms; a bench that waits longer than a minute has failed. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      versions: { type: 'string', default: '20' },
      sizes: { type: 'string', default: 'S,L,XL' },
      smoke: { type: 'boolean', default: false },
      codec: { type: 'string', default: 'worker' },
      out: { type: 'string' },
    },
  });
  const names = values.sizes.split(',');
  const sizes = (values.smoke ? smokeSizes : benchSizes).filter((size) => names.includes(size.name));
  const versions = values.smoke ? 3 : Number(values.versions);
  if (values.codec !== 'worker' && values.codec !== 'inline') throw new Error(`--codec must be worker or inline, got '${values.codec}'`);
  const inline = values.codec === 'inline';
  const environment = runEnvironment(root);
  const cluster = await EtcdCluster.start(3);
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-quorum-bench-'));
  const results: SizeResult[] = [];
  try {
    for (const size of sizes) {
      const settings: EtcdSettings = {
        endpoints: cluster.endpoints.map((endpoint) => `http://${endpoint}`),
        prefix: `/tair-cs-bench/${size.name}-${process.pid}`,
        leaseTtlMs: 2000,
        tls: null,
        auth: null,
      };
      const result = await measureSize(settings, size, versions, dir, inline);
      results.push(result);
      console.log(JSON.stringify(result));
    }
  } finally {
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  }
  const out = values.out ?? join(root, 'bench', 'results', inline ? 'quorum-publish-inline-latest.json' : 'quorum-publish-latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...environment, smoke: values.smoke, results }, null, 2)}\n`);
  console.log(`written ${out}`);
}

await main();
