/**
 * kill -9 while a child process appends records to the table log (and now and then writes a new
 * snapshot): the group always loads as exactly one version that was started, never older than
 * the last one confirmed, never corrupt — a torn tail is cut, and nothing is moved aside.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PersistedGroupTable } from '../../src/store/table-store.js';
import { loadGroupTable } from '../../src/store/table-store.js';
import { chainOf } from './helpers/sample-records.js';
import { sampleTable } from './helpers/sample-table.js';
import { transpileSources } from './helpers/transpile-sources.js';

// 4,096 buckets × 3 copies, 2,000 rows per record (~80 KB): a kill usually lands inside an append.
const shape = { groupName: 'crashlog', bucketCount: 4096, copyCount: 3, serverCount: 40 };
const rowsPerRecord = 2000;
const snapshotEvery = 9;
const roundCount = 10;

const childSource = `
import { appendGroupRecord, saveGroupTable } from './src/store/table-store.js';
import { sampleTable } from './test/store/helpers/sample-table.js';
import { evolveMany, recordBetween } from './test/store/helpers/sample-records.js';
const [dataDir, firstVersion] = process.argv.slice(2).map((value, index) => index === 0 ? value : Number(value));
const shape = ${JSON.stringify(shape)};
let table = sampleTable(firstVersion, shape);
process.stdout.write('start ' + firstVersion + '\\n');
await saveGroupTable(dataDir, table);
process.stdout.write('saved ' + firstVersion + '\\n');
for (let version = firstVersion + 1; ; version++) {
  const next = evolveMany(table, version, ${rowsPerRecord});
  process.stdout.write('start ' + version + '\\n');
  if (version % ${snapshotEvery} === 0) await saveGroupTable(dataDir, next);
  else await appendGroupRecord(dataDir, recordBetween(table, next));
  process.stdout.write('saved ' + version + '\\n');
  table = next;
}
`;

let workDir = '';
let childScript = '';
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tair-cs-logcrash-'));
  const buildDir = join(workDir, 'build');
  await transpileSources(['src/store/table-store.ts', 'test/store/helpers/sample-table.ts', 'test/store/helpers/sample-records.ts'], buildDir);
  childScript = join(buildDir, 'append-loop.mjs');
  await writeFile(childScript, childSource);
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

interface Round {
  first: number;
  started: number[];
  saved: number[];
}

function runAndKill(dataDir: string, first: number, delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, dataDir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const round: Round = { first, started: [], saved: [] };
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.stdout.on('data', (chunk) => {
      buffered += String(chunk);
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [word, version] = line.split(' ');
        (word === 'start' ? round.started : round.saved).push(Number(version));
      }
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`append loop exited on its own: ${stderr}`));
      else resolve(round);
    });
  });
}

function expectedAt(rounds: Round[], version: number): PersistedGroupTable {
  const round = [...rounds].reverse().find((candidate) => candidate.first <= version) as Round;
  return chainOf(sampleTable(round.first, shape), version, rowsPerRecord);
}

function sameTables(a: PersistedGroupTable, b: PersistedGroupTable): boolean {
  const bytes = (array: Uint32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  return (
    a.recordSeq === b.recordSeq &&
    a.versions.client === b.versions.client &&
    bytes(a.current).equals(bytes(b.current)) &&
    bytes(a.progress).equals(bytes(b.progress)) &&
    bytes(a.destination).equals(bytes(b.destination))
  );
}

describe('kill -9 during appends to the table log', () => {
  test('the group loads as one whole version that was started, never older than the last confirmed', async () => {
    const dataDir = join(workDir, 'data');
    const rounds: Round[] = [];
    let next = 1;
    let lastConfirmed = 0;
    let killedMidSave = 0;
    for (let roundIndex = 0; roundIndex < roundCount; roundIndex++) {
      const round = await runAndKill(dataDir, next, 20 + Math.floor(Math.random() * 200));
      rounds.push(round);
      const lastStarted = round.started.at(-1) ?? next - 1;
      if ((round.saved.at(-1) ?? -1) < lastStarted) killedMidSave += 1;
      lastConfirmed = Math.max(lastConfirmed, round.saved.at(-1) ?? 0);
      const loaded = await loadGroupTable(dataDir, 'crashlog');
      if (lastConfirmed === 0 && loaded.status === 'missing') continue;
      expect(loaded.status, `round ${roundIndex}: ${loaded.status === 'corrupt' ? loaded.reason : ''}`).toBe('ok');
      if (loaded.status !== 'ok') return;
      const version = loaded.table.recordSeq;
      expect(version).toBeGreaterThanOrEqual(lastConfirmed);
      expect(version).toBeLessThanOrEqual(lastStarted);
      expect(sameTables(loaded.table, expectedAt(rounds, version))).toBe(true);
      next = lastStarted + 1;
    }
    expect(killedMidSave).toBeGreaterThan(0);
    expect((await readdir(dataDir)).filter((name) => name.includes('.corrupt-'))).toEqual([]);
  }, 120_000);
});
