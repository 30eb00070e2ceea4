/**
 * cluster — the whole system end to end: one real config server (`tair-cs start`), reference
 * data servers (`tair-cs dataserver`), all separate processes on 127.0.0.1, and the client library.
 * C = 2, B = 1023, `_server_down_time` = 2 s, accept strategy 1.
 *
 *   4 data servers · 10,000 keys · kill -9 one · quick table · migration to a balanced table
 *   · a fifth server appended to group.conf is admitted and filled · one removed from group.conf
 *   drains before it leaves — and no key is ever lost or unreadable
 *
 * The measured figures are printed at the end (times from the config server's log lines).
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TairClient, type ClientTable } from '../../src/client/index.js';
import { buildOnce, ConfigServerProcess, type LogLine } from '../server/helpers/config-server-process.js';
import { freePorts, waitFor } from '../dataserver/cluster-helpers.js';
import { BackgroundReader, DataServerProcess, logTimeMs, type ReaderTally } from './processes.js';

const groupName = 'group_1';
const bucketCount = 1023;
const copyCount = 2;
const keyCount = 10_000;
const valueOf = (index: number): string => `value-${index}-${'x'.repeat(index % 50)}`;

let configServer: ConfigServerProcess;
let ports: number[] = [];
const dataServers = new Map<number, DataServerProcess>();
let client: TairClient;
const figures: Record<string, string | number> = {};

function groupConf(serverPorts: readonly number[]): string {
  return [
    `[${groupName}]`,
    `_bucket_number = ${bucketCount}`,
    `_copy_count = ${copyCount}`,
    ...serverPorts.map((port) => `_server_list = 127.0.0.1:${port}`),
    '_build_strategy = 1',
    '_accept_strategy = 1',
    '_server_down_time = 2',
    '_min_data_server_count = 2',
    '',
  ].join('\n');
}

function startDataServer(port: number): DataServerProcess {
  const server = new DataServerProcess(port, `127.0.0.1:${configServer.port}`, groupName);
  dataServers.set(port, server);
  return server;
}

function after(sinceMs: number, match: (line: LogLine) => boolean): (line: LogLine) => boolean {
  return (line) => logTimeMs(line) >= sinceMs && match(line);
}

async function freshTable(): Promise<ClientTable> {
  await client.refresh();
  return client.table;
}

/** Every key read back: how many are missing or wrong. */
async function readAll(): Promise<{ missing: number; wrong: number }> {
  let missing = 0;
  let wrong = 0;
  for (let start = 0; start < keyCount; start += 250) {
    const values = await Promise.all(Array.from({ length: 250 }, (_, offset) => client.get(`key-${start + offset}`)));
    values.forEach((value, offset) => {
      if (value === null) missing++;
      else if (value.toString() !== valueOf(start + offset)) wrong++;
    });
  }
  return { missing, wrong };
}

/** balanceProblems — why the table is not complete and balanced over exactly `servers` (±1 of B·C/S copies and B/S masters). */
function balanceProblems(table: ClientTable, servers: readonly number[]): string[] {
  const summary = table.summary();
  const problems: string[] = [];
  if (summary.emptySlots > 0) problems.push(`${summary.emptySlots} empty slots`);
  const expected = servers.map((port) => `127.0.0.1:${port}`).sort();
  const actual = summary.servers.map((entry) => entry.server).sort();
  if (expected.join() !== actual.join()) problems.push(`servers ${actual.join(' ')}, expected ${expected.join(' ')}`);
  const copyQuota = (bucketCount * copyCount) / servers.length;
  const masterQuota = bucketCount / servers.length;
  for (const entry of summary.servers) {
    if (Math.abs(entry.buckets - copyQuota) > 1) problems.push(`${entry.server} holds ${entry.buckets} copies (quota ${copyQuota})`);
    if (Math.abs(entry.masters - masterQuota) > 1) problems.push(`${entry.server} masters ${entry.masters} (quota ${masterQuota})`);
  }
  return problems;
}

/** expectBalanced — the published table becomes balanced over `servers` (the last publish may trail the log line). */
async function expectBalanced(servers: readonly number[]): Promise<void> {
  const table = await waitForTable((candidate) => balanceProblems(candidate, servers).length === 0, 'a balanced table', 5_000).catch(() => client.table);
  expect(balanceProblems(table, servers)).toEqual([]);
}

/** Refresh until the table satisfies `accept`. */
async function waitForTable(accept: (table: ClientTable) => boolean, what: string, timeoutMs: number): Promise<ClientTable> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await freshTable();
    if (accept(table)) return table;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function record(prefix: string, tally: ReaderTally): void {
  figures[`${prefix}: background reads`] = tally.reads;
  figures[`${prefix}: reads that failed`] = tally.failedReads;
  figures[`${prefix}: reads missing or wrong`] = tally.missing + tally.wrongValues;
  figures[`${prefix}: attempts retried on another copy`] = tally.serverErrors;
}

async function openReader(): Promise<{ reader: BackgroundReader; readerClient: TairClient }> {
  const readerClient = await TairClient.open({ configServers: [`127.0.0.1:${configServer.port}`], groupName, refreshIntervalMs: 200 });
  return { reader: new BackgroundReader(readerClient, keyCount, valueOf), readerClient };
}

beforeAll(async () => {
  buildOnce();
  ports = await freePorts(5);
  configServer = await ConfigServerProcess.create(groupConf(ports.slice(0, 4)));
  await configServer.start();
  for (const port of ports.slice(0, 4)) startDataServer(port);
  await waitFor(() => configServer.logs.some((line) => line.event === 'published'), 'the first table', 20_000);
  client = await TairClient.open({ configServers: [`127.0.0.1:${configServer.port}`], groupName, refreshIntervalMs: 200 });
  await expectBalanced(ports.slice(0, 4));
}, 60_000);

afterAll(async () => {
  client?.close();
  await Promise.all([...dataServers.values()].map((server) => server.kill('SIGKILL')));
  await configServer?.cleanup();
  console.log(`\nend-to-end figures (B=${bucketCount}, C=${copyCount}, ${keyCount} keys, _server_down_time=2 s):`);
  for (const [name, value] of Object.entries(figures)) console.log(`  ${name}: ${value}`);
});

describe('a real cluster: 1 config server, reference data servers, C = 2', () => {
  test('10,000 keys written through the client all read back', async () => {
    const startedMs = Date.now();
    for (let start = 0; start < keyCount; start += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, offset) => client.put(`key-${start + offset}`, valueOf(start + offset))));
    }
    figures['write 10,000 keys (ms)'] = Date.now() - startedMs;
    expect(await readAll()).toEqual({ missing: 0, wrong: 0 });
  });

  test('kill -9 of a data server: the quick table keeps every key readable, migration converges to a balanced table', async () => {
    const { reader, readerClient } = await openReader();
    const victim = dataServers.get(ports[3])!;
    const killedMs = Date.now();
    await victim.kill('SIGKILL');
    const down = await configServer.waitForLog(
      after(killedMs, (line) => line.event === 'server-down' && line.server === victim.address),
      20_000,
    );
    const quick = await configServer.waitForLog(
      after(killedMs, (line) => line.event === 'quick-table'),
      20_000,
    );
    const quickPublished = await configServer.waitForLog(
      after(logTimeMs(quick), (line) => line.event === 'published'),
      20_000,
    );
    await waitForTable((table) => !table.summary().servers.some((entry) => entry.server === victim.address), 'the quick table', 20_000);
    const seenMs = Date.now();
    const converged = await configServer.waitForLog(
      after(logTimeMs(quick), (line) => line.event === 'migration-complete'),
      30_000,
    );
    const tally = await reader.stop();
    readerClient.close();
    figures['kill → DOWN (ms)'] = logTimeMs(down) - killedMs;
    figures['kill → quick table built (ms)'] = logTimeMs(quick) - killedMs;
    figures['kill → quick table published (ms)'] = logTimeMs(quickPublished) - killedMs;
    figures['kill → quick table seen by a polling client (ms)'] = seenMs - killedMs;
    figures['kill → migration converged (ms)'] = logTimeMs(converged) - killedMs;
    record('kill', tally);
    expect(tally).toMatchObject({ failedReads: 0, missing: 0, wrongValues: 0 });
    await expectBalanced(ports.slice(0, 3));
    const all = await readAll();
    figures['kill: keys lost'] = all.missing + all.wrong;
    expect(all).toEqual({ missing: 0, wrong: 0 });
  });

  test('a fifth data server appended to group.conf is admitted and filled; no key is lost', async () => {
    const { reader, readerClient } = await openReader();
    const addedMs = Date.now();
    await appendFile(configServer.groupConfPath, `_server_list = 127.0.0.1:${ports[4]}\n`);
    const added = startDataServer(ports[4]);
    const alive = await configServer.waitForLog(
      after(addedMs, (line) => line.event === 'server-alive' && line.server === added.address),
      20_000,
    );
    const converged = await configServer.waitForLog(
      after(logTimeMs(alive), (line) => line.event === 'migration-complete'),
      30_000,
    );
    const tally = await reader.stop();
    readerClient.close();
    figures['add → admitted (ms)'] = logTimeMs(alive) - addedMs;
    figures['add → migration converged (ms)'] = logTimeMs(converged) - addedMs;
    record('add', tally);
    expect(tally).toMatchObject({ failedReads: 0, missing: 0, wrongValues: 0 });
    await expectBalanced([...ports.slice(0, 3), ports[4]]);
    const all = await readAll();
    figures['add: keys lost'] = all.missing + all.wrong;
    expect(all).toEqual({ missing: 0, wrong: 0 });
  });

  test('a data server removed from group.conf drains its buckets to the others before it leaves', async () => {
    const leaving = dataServers.get(ports[0])!;
    const { reader, readerClient } = await openReader();
    const removedMs = Date.now();
    const text = await readFile(configServer.groupConfPath, 'utf8');
    await writeFile(configServer.groupConfPath, text.replace(`_server_list = ${leaving.address}\n`, ''));
    await configServer.waitForLog(
      after(removedMs, (line) => line.event === 'server-draining' && line.server === leaving.address),
      20_000,
    );
    const whileDraining = (await freshTable()).summary().servers.find((entry) => entry.server === leaving.address);
    expect(whileDraining?.buckets).toBeGreaterThan(0);
    const drained = await configServer.waitForLog(
      after(removedMs, (line) => line.event === 'server-drained' && line.server === leaving.address),
      30_000,
    );
    expect(leaving.running).toBe(true);
    figures['remove → drained (ms)'] = logTimeMs(drained) - removedMs;
    await expectBalanced([ports[1], ports[2], ports[4]]);
    expect(await leaving.kill('SIGTERM')).toBe(0);
    const tally = await reader.stop();
    readerClient.close();
    record('remove', tally);
    expect(tally).toMatchObject({ failedReads: 0, missing: 0, wrongValues: 0 });
    const all = await readAll();
    figures['remove: keys lost'] = all.missing + all.wrong;
    expect(all).toEqual({ missing: 0, wrong: 0 });
  });
});
