/**
 * coordinator-child — one QuorumCoordinator in its own process, for the kill -9 and SIGSTOP
 * tests. argv[2] is JSON {settings, address, dataDir}. Every event goes to stdout as one JSON
 * line with `atMs` (Date.now(), comparable across processes); commands come on stdin, one JSON
 * line each:
 *   {"cmd":"publish","group":"group_1","bucketCount":1023,"seed":1,"changes":3}  ─▶ {"event":"published",...}
 *     with "surely":true, a publication refused because the office was suspended for a moment (a
 *     loaded machine) waits for the office and is tried again, as a host would save again
 *   {"cmd":"health"} ─▶ {"event":"health",...}      {"cmd":"stop"} ─▶ resign, exit 0
 */
import { createInterface } from 'node:readline';
import { QuorumCoordinator } from '../../../src/quorum/quorum-coordinator.js';
import type { EtcdSettings } from '../../../src/quorum/quorum-config.js';
import { baseTable, mutate } from './tables.js';

interface ChildConfig {
  settings: EtcdSettings;
  address: string;
  dataDir: string;
}

interface PublishCommand {
  cmd: 'publish';
  group: string;
  bucketCount: number;
  seed: number;
  changes: number;
  surely?: boolean;
}

type Command = PublishCommand | { cmd: 'health' } | { cmd: 'stop' };

function say(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, atMs: Date.now(), ...fields }, (_, value) => (typeof value === 'bigint' ? value.toString() : value))}\n`);
}

const config = JSON.parse(process.argv[2]) as ChildConfig;
const coordinator = await QuorumCoordinator.connect(config.settings, { address: config.address, dataDir: config.dataDir });
coordinator.on('elected', (epoch) => say('elected', { epoch }));
coordinator.on('deposed', (reason) => say('deposed', { reason }));
coordinator.on('leader', (leader) => say('leader', { leader }));
coordinator.on('table', (committed) => say('table', { group: committed.groupName, sequence: committed.sequence }));
coordinator.on('health', (health) => say('health', { health }));
coordinator.on('problem', (message) => say('problem', { message }));
coordinator.start();
say('started', { pid: process.pid });

async function run(command: Command): Promise<void> {
  if (command.cmd === 'stop') {
    await coordinator.stop();
    say('stopped');
    process.exit(0);
  }
  if (command.cmd === 'health') return say('health', { health: coordinator.health() });
  let table = baseTable({ groupName: command.group, bucketCount: command.bucketCount, copyCount: 3, serverCount: 8 }, command.seed);
  for (let change = 0; change < command.changes; change++)
    table = mutate(table, { seed: command.seed + change + 1, slotChanges: 10, addServer: false, reshapeBuckets: null });
  const sentAtMs = Date.now();
  coordinator.stampEpoch(table);
  let outcome = await coordinator.publish(table);
  for (let retry = 0; command.surely && retry < 3 && !outcome.ok && (outcome.reason === 'not-leader' || outcome.reason === 'unavailable'); retry++) {
    for (const deadline = Date.now() + 10_000; !coordinator.isLeader() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    coordinator.stampEpoch(table);
    outcome = await coordinator.publish(table);
  }
  say('published', { outcome, sentAtMs });
}

let chain = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  chain = chain.then(() => run(JSON.parse(line) as Command)).catch((error: unknown) => say('error', { message: String(error) }));
});
