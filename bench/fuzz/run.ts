/**
 * fuzz — `npm run fuzz`: garbage and near-miss input against a real config server, counting cases,
 * crashes and state changes (all must be 0 but the cases).
 *
 *   frames   ≥ 100,000 cases (frame-cases.ts: every request pcode generated, the golden captures,
 *            mutations, random bytes) from 127.0.0.1 to a `tair-cs start` child whose admin_allow
 *            and peer are other addresses, so this source is NOT allowed to change anything; three
 *            data servers (original protocol) keep its table alive. After every batch: the process
 *            runs, answers a ping, and its state (state.ts) equals the state before the fuzz.
 *   group.conf  ≥ 10,000 mutated files through the reload path of a config server in this
 *            process (conf-fuzz.ts): refused ones change nothing, applied ones leave every group
 *            answering, nothing throws.
 *
 *   npm run fuzz                                          # full run, bench/results/fuzz-latest.json
 *   node dist/bench/fuzz/run.js --smoke [--out FILE]      # 3,000 frames, 300 files (the test suite)
 *   options: --frames N  --confs N  --seed N  --connections N
 *            --allow-self  (a check of the checker: 127.0.0.1 IS allowed, state changes must show)
 *
 * Exit 0 when there was no crash, no state change and no bad state; 1 otherwise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfigServerConf } from '../../src/config/configserver-conf.js';
import { ConfigServer } from '../../src/server/config-server.js';
import { captureNames, readHexCapture } from '../../test/protocol/capture-files.js';
import { FakeDataServer } from '../../test/server/helpers/fake-data-server.js';
import { runEnvironment } from '../bench-results.js';
import { freeLocalPort } from '../heartbeat/free-port.js';
import { configServer } from '../pair/processes.js';
import type { BenchProcess } from '../pair/processes.js';
import type { ConfFuzzTally } from './conf-fuzz.js';
import { runConfCases } from './conf-fuzz.js';
import { FrameCases, Random } from './frame-cases.js';
import type { FrameFuzzTally } from './frame-fuzz.js';
import { runFrameCases } from './frame-fuzz.js';
import { stateSnapshot } from './state.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const unreachablePeer = '10.255.255.1';
const otherAdmin = '10.255.255.2';

/** FrameReport — the frame fuzz's figures. */
interface FrameReport extends FrameFuzzTally {
  crashes: number;
  stateChanges: number;
  changes: { afterCases: number; before: string; after: string }[];
}

function groupConfText(ports: number[]): string {
  return [
    '[group_1]',
    '_bucket_number = 256',
    '_copy_count = 2',
    `_server_list = ${ports.map((port) => `127.0.0.1:${port}`).join(';')}`,
    '_accept_strategy = 1',
    '_server_down_time = 30',
    '_min_data_server_count = 2',
    'group_status = on',
    'area_status = 1,0',
    '_areaCapacity_list = 0,1000000;1,2000000',
    '[group_2]',
    '_bucket_number = 64',
    '_copy_count = 1',
    '_server_list = 127.0.0.1:9',
    '',
  ].join('\n');
}

function configText(port: number, peerPort: number, allowSelf: boolean): string {
  return [
    '[public]',
    `config_server = 127.0.0.1:${port}`,
    `config_server = ${unreachablePeer}:${peerPort}`,
    '[configserver]',
    `port = ${port}`,
    `address = 127.0.0.1:${port}`,
    'group_file = group.conf',
    'data_dir = data',
    'pid_file = cfgsvr.pid',
    'peer_timeout_ms = 300',
    `admin_allow = ${allowSelf ? 'loopback' : otherAdmin}`,
    '',
  ].join('\n');
}

async function startFleet(configServerPort: number, ports: number[]): Promise<FakeDataServer[]> {
  const fleet = ports.map((port) => new FakeDataServer({ configServerPort, port, intervalMs: 300 }));
  for (const server of fleet) await server.start();
  return fleet;
}

/** stableSnapshot — wait until the table is built and two snapshots a second apart agree. */
async function stableSnapshot(port: number, files: string[]): Promise<string> {
  let previous = '';
  for (let attempt = 0; attempt < 60; attempt++) {
    const snapshot = await stateSnapshot(port, files);
    if (snapshot === previous && snapshot.includes('"hasTable":true')) return snapshot;
    previous = snapshot;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`the server did not settle: ${previous}`);
}

async function fuzzFrames(dir: string, count: number, seed: number, connectionCount: number, allowSelf: boolean): Promise<FrameReport> {
  const [port, peerPort, ...dataPorts] = await Promise.all([0, 1, 2, 3, 4].map(() => freeLocalPort()));
  mkdirSync(join(dir, 'frames'));
  writeFileSync(join(dir, 'frames', 'group.conf'), groupConfText(dataPorts));
  writeFileSync(join(dir, 'frames', 'configserver.conf'), configText(port, peerPort, allowSelf));
  const server: BenchProcess = configServer(join(dir, 'frames', 'configserver.conf'));
  server.start();
  await server.waitFor((line) => line.event === 'listening', 0, 20_000);
  const fleet = await startFleet(port, dataPorts);
  const files = [join(dir, 'frames', 'group.conf'), join(dir, 'frames', 'data', 'pair.state')];
  const report: FrameReport = {
    cases: 0,
    answered: 0,
    closed: 0,
    dropped: 0,
    silent: 0,
    bySource: {},
    byMutation: {},
    crashes: 0,
    stateChanges: 0,
    changes: [],
  };
  try {
    let baseline = await stableSnapshot(port, files);
    const captured = captureNames.flatMap((name) =>
      readHexCapture(name, join(root, 'test', 'fixtures', 'captures'))
        .filter((frame) => !frame.truncated)
        .map((frame) => frame.bytes),
    );
    const cases = new FrameCases(seed, captured, ['group_1', 'group_2']);
    Object.assign(
      report,
      await runFrameCases(port, cases, count, connectionCount, Math.min(5000, count), async (sent) => {
        if (!server.running) throw new Error(`the config server exited after ${sent} cases: ${server.stderr}`);
        const snapshot = await stateSnapshot(port, files);
        if (snapshot !== baseline) {
          report.stateChanges += 1;
          if (report.changes.length < 5) report.changes.push({ afterCases: sent, before: baseline, after: snapshot });
          baseline = snapshot;
        }
        process.stdout.write(`frames: ${sent} of ${count}\r`);
      }),
    );
  } catch (error) {
    report.crashes += server.running ? 0 : 1;
    if (server.running) throw error;
  } finally {
    for (const dataServer of fleet) await dataServer.kill();
    await server.kill();
  }
  process.stdout.write('\n');
  return report;
}

async function fuzzConfs(dir: string, count: number, seed: number): Promise<ConfFuzzTally> {
  const [port, ...dataPorts] = await Promise.all([0, 1, 2, 3].map(() => freeLocalPort()));
  const sub = join(dir, 'confs');
  mkdirSync(sub);
  const base = groupConfText(dataPorts);
  writeFileSync(join(sub, 'group.conf'), base);
  writeFileSync(
    join(sub, 'configserver.conf'),
    ['[public]', `config_server = 127.0.0.1:${port}`, '[configserver]', `port = ${port}`, 'group_file = group.conf', 'data_dir = data', ''].join('\n'),
  );
  const server = new ConfigServer(await loadConfigServerConf(join(sub, 'configserver.conf')), pino({ level: 'silent' }), { tickMs: 50 });
  await server.start();
  const fleet = await startFleet(port, dataPorts);
  try {
    await stableSnapshot(port, []);
    return await runConfCases(server, join(sub, 'group.conf'), base, port, count, new Random(seed ^ 0x5eed));
  } finally {
    for (const dataServer of fleet) await dataServer.kill();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean' },
      out: { type: 'string' },
      frames: { type: 'string' },
      confs: { type: 'string' },
      seed: { type: 'string' },
      connections: { type: 'string' },
      'allow-self': { type: 'boolean' },
    },
  });
  const smoke = values.smoke === true;
  const frameCount = Number(values.frames ?? (smoke ? 3000 : 100_000));
  const confCount = Number(values.confs ?? (smoke ? 300 : 10_000));
  const seed = Number(values.seed ?? Date.now() % 2 ** 31);
  const connections = Number(values.connections ?? 8);
  const dir = await mkdtemp(join(tmpdir(), 'tair-cs-fuzz-'));
  const startMs = Date.now();
  try {
    const frames = await fuzzFrames(dir, frameCount, seed, connections, values['allow-self'] === true);
    const confs = await fuzzConfs(dir, confCount, seed);
    const out = values.out ?? join(root, 'bench', 'results', 'fuzz-latest.json');
    const results = {
      ...runEnvironment(root),
      mode: smoke ? 'smoke' : 'full',
      allowSelf: values['allow-self'] === true,
      seed,
      durationS: Math.round((Date.now() - startMs) / 1000),
      frames,
      confs,
    };
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(
      `frames: ${frames.cases} cases (${frames.answered} answered, ${frames.closed} closed by the server, ${frames.dropped} partial, ${frames.silent} silent), ` +
        `${frames.crashes} crashes, ${frames.stateChanges} state changes\n` +
        `group.conf: ${confs.cases} files (${confs.applied} applied, ${confs.refused} refused, ${confs.unchanged} unchanged), ${confs.crashes} crashes, ${confs.badStates} bad states\n` +
        `seed ${seed}; results: ${out}\n`,
    );
    process.exitCode = frames.crashes + frames.stateChanges + confs.crashes + confs.badStates === 0 ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
