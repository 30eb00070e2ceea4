/**
 * partition — the config-server pair under network partitions, with real processes in network
 * namespaces (test/helpers/netns.ts; needs root):
 *
 *   ns cs0  tair-cs start, entry #0 (the primary)       ns ds  three tair-cs dataserver (our agent)
 *   ns cs1  tair-cs start, entry #1                      root   a client polling both config
 *                                                               servers at once every 50 ms
 *
 *   isolate  cs0 cut off from cs1 and the data servers (not from the client) for 15 s, then healed
 *   flap     the same cut, on 2 s / off 2 s, for 30 s
 *
 * Default settings (peer_timeout_ms 1500, tick 200 ms), _server_down_time 2 s, B = 1023, C = 2.
 * Figures per scenario: polls, polls both servers answered, double-primary polls (both answer as
 * primary with different tables), polls whose bucket tables differ, the longest double-primary
 * episode and how many lasted longer than one heartbeat interval (the data servers' beat, 1 s),
 * versions going down for a client that follows the highest epoch, and what the isolated primary
 * did (isolation notices, tables it published under its old epoch while cut off).
 *
 *   npm run build && node dist/bench/partition/run.js [--smoke] [--out FILE] [--logs DIR]
 *
 * --smoke: isolate 5 s, flap 8 s (the test suite runs it). Results: bench/results/partition-latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NetLab, netLabUnavailable, removeStaleLabs } from '../../test/helpers/netns.js';
import { runEnvironment } from '../bench-results.js';
import type { BenchProcess, LogLine, Spawner } from '../pair/processes.js';
import { configServer, dataServer, logTimeMs } from '../pair/processes.js';
import type { PollStats } from './pair-poller.js';
import { PairPoller } from './pair-poller.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const port = 5198;
const dataPorts = [5191, 5192, 5193];
/** heartbeatIntervalMs — the data servers' heartbeat, the unit the goal is stated in. */
const heartbeatIntervalMs = 1000;

interface Rig {
  lab: NetLab;
  dir: string;
  servers: [BenchProcess, BenchProcess];
  dataServers: BenchProcess[];
}

/** ScenarioResult — one scenario's figures. */
interface ScenarioResult extends PollStats {
  name: string;
  faultMs: number;
  isolationNotices: number;
  /** publishedWhileIsolated — tables cs0 published between its `isolated` and `isolation-over` notices (the rule says 0). */
  publishedWhileIsolated: number;
  takeovers: number;
}

async function createRig(): Promise<Rig> {
  removeStaleLabs('hdn');
  const lab = await NetLab.create({ prefix: 'hdn', nodes: ['cs0', 'cs1', 'ds'] });
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-partition-'));
  const addresses = ['cs0', 'cs1'].map((node) => `${lab.ipOf(node)}:${port}`);
  const dsIp = lab.ipOf('ds');
  writeFileSync(
    join(dir, 'group.conf'),
    [
      '[group_1]',
      '_bucket_number = 1023',
      '_copy_count = 2',
      `_server_list = ${dataPorts.map((dsPort) => `${dsIp}:${dsPort}`).join(';')}`,
      '_accept_strategy = 1',
      '_server_down_time = 2',
      '_min_data_server_count = 2',
      'group_status = on',
      '',
    ].join('\n'),
  );
  const servers = addresses.map((address, index) => {
    const sub = join(dir, `cs${index}`);
    mkdirSync(sub);
    writeFileSync(
      join(sub, 'configserver.conf'),
      [
        '[public]',
        ...addresses.map((entry) => `config_server = ${entry}`),
        '[configserver]',
        `address = ${address}`,
        'group_file = ../group.conf',
        'data_dir = data',
        'pid_file = cfgsvr.pid',
        '',
      ].join('\n'),
    );
    return configServer(join(sub, 'configserver.conf'), spawnerIn(lab, `cs${index}`));
  }) as [BenchProcess, BenchProcess];
  const dataServers = dataPorts.map((dsPort) => dataServer(dsPort, addresses, spawnerIn(lab, 'ds'), dsIp));
  return { lab, dir, servers, dataServers };
}

function spawnerIn(lab: NetLab, node: string): Spawner {
  return (script, args, options) => lab.spawnNode(node, script, args, options);
}

async function startRig(rig: Rig): Promise<void> {
  const startMs = Date.now();
  for (const server of rig.servers) server.start();
  await rig.servers[0].waitFor((line) => line.event === 'pair-primary', startMs, 20_000);
  await rig.servers[1].waitFor((line) => line.event === 'pair-synced', startMs, 20_000);
  for (const server of rig.dataServers) server.start();
  for (const server of rig.dataServers) await server.waitFor((line) => line.msg === 'table applied', startMs, 20_000);
}

async function stopRig(rig: Rig, logsDir: string | undefined): Promise<void> {
  for (const process of [...rig.dataServers, ...rig.servers]) await process.kill();
  if (logsDir) {
    mkdirSync(logsDir, { recursive: true });
    const named = [['cs0', rig.servers[0]], ['cs1', rig.servers[1]], ...rig.dataServers.map((server, index) => [`ds${index}`, server] as const)] as const;
    for (const [name, process] of named) writeFileSync(join(logsDir, `${name}.log`), process.logs.map((line) => JSON.stringify(line)).join('\n'));
  }
  rig.lab.destroy();
  await rm(rig.dir, { recursive: true, force: true });
}

/** setCut — cs0 cut off from cs1 and the data servers (the client in the root namespace still reaches it). */
async function setCut(lab: NetLab, cut: boolean): Promise<void> {
  for (const other of ['cs1', 'ds']) {
    if (cut) await lab.block('cs0', other);
    else await lab.unblock('cs0', other);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** scenario — run `fault`, then let the pair settle; the figures cover both. */
async function scenario(rig: Rig, poller: PairPoller, name: string, fault: () => Promise<void>, settleMs: number): Promise<ScenarioResult> {
  const startMs = Date.now();
  await fault();
  const faultEndMs = Date.now();
  await sleep(settleMs);
  const endMs = Date.now();
  const [cs0, cs1] = rig.servers;
  const within = (line: LogLine, fromMs: number, toMs: number) => logTimeMs(line) >= fromMs && logTimeMs(line) <= toMs;
  return {
    name,
    faultMs: faultEndMs - startMs,
    ...poller.stats(startMs, endMs, heartbeatIntervalMs),
    isolationNotices: cs0.logs.filter((line) => line.event === 'isolated' && within(line, startMs, endMs)).length,
    publishedWhileIsolated: publishedWhileIsolated(cs0, startMs, endMs),
    takeovers: [cs0, cs1].reduce(
      (sum, server) => sum + server.logs.filter((line) => line.event === 'pair-primary' && line.newEpoch === true && within(line, startMs, endMs)).length,
      0,
    ),
  };
}

/** publishedWhileIsolated — `published` lines between an `isolated` notice and the next `isolation-over`. */
function publishedWhileIsolated(server: BenchProcess, fromMs: number, toMs: number): number {
  let isolated = false;
  let count = 0;
  for (const line of server.logs) {
    if (logTimeMs(line) < fromMs || logTimeMs(line) > toMs) continue;
    if (line.event === 'isolated') isolated = true;
    else if (line.event === 'isolation-over') isolated = false;
    else if (line.event === 'published' && isolated) count += 1;
  }
  return count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { smoke: { type: 'boolean' }, out: { type: 'string' }, logs: { type: 'string' } } });
  const unavailable = netLabUnavailable();
  if (unavailable) {
    process.stderr.write(`partition: ${unavailable}\n`);
    process.exit(2);
  }
  const smoke = values.smoke === true;
  const isolateMs = smoke ? 5000 : 15_000;
  const flapMs = smoke ? 8000 : 30_000;
  const settleMs = smoke ? 4000 : 10_000;
  const rig = await createRig();
  let results: ScenarioResult[] = [];
  try {
    await startRig(rig);
    const poller = new PairPoller(
      ['cs0', 'cs1'].map((node) => ({ ip: rig.lab.ipOf(node), port })),
      'group_1',
    );
    await sleep(2000);
    const isolate = await scenario(
      rig,
      poller,
      'isolate',
      async () => {
        await setCut(rig.lab, true);
        await sleep(isolateMs);
        await setCut(rig.lab, false);
      },
      settleMs,
    );
    const flap = await scenario(
      rig,
      poller,
      'flap',
      async () => {
        for (let elapsedMs = 0; elapsedMs < flapMs; elapsedMs += 4000) {
          await setCut(rig.lab, true);
          await sleep(2000);
          await setCut(rig.lab, false);
          await sleep(2000);
        }
      },
      settleMs,
    );
    await poller.stop();
    results = [isolate, flap];
  } finally {
    await stopRig(rig, values.logs);
  }
  const out = values.out ?? join(root, 'bench', 'results', 'partition-latest.json');
  writeFileSync(out, `${JSON.stringify({ ...runEnvironment(root), mode: smoke ? 'smoke' : 'full', heartbeatIntervalMs, scenarios: results }, null, 2)}\n`);
  for (const result of results) {
    process.stdout.write(
      `${result.name.padEnd(8)} polls ${result.polls} (both answered ${result.answeredBoth}), double primary ${result.doublePrimaryPolls}, ` +
        `split layout ${result.splitLayoutPolls}, longest double primary ${result.longestDoublePrimaryMs} ms, over ${heartbeatIntervalMs} ms: ` +
        `${result.episodesOverThreshold}, version decreases ${result.versionDecreases}, isolated ${result.isolationNotices}×, ` +
        `published while isolated ${result.publishedWhileIsolated}, takeovers ${result.takeovers}\n`,
    );
  }
  process.stdout.write(`results: ${out}\n`);
}

await main();
