/**
 * kill -9 while a child process appends records to the table log (and now and then writes a new
 * snapshot): the group always loads as exactly one version that was started, never older than
 * the last one confirmed, never corrupt — a torn tail is cut, and nothing is moved aside.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { PersistedGroupTable } from '../../src/store/table-store.js';
import { crashRounds, type Round } from './helpers/kill-rounds.js';
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

function expectedAt(rounds: readonly Round[], version: number): PersistedGroupTable {
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
    await crashRounds({
      childScript,
      dataDir: join(workDir, 'data'),
      groupName: 'crashlog',
      roundCount,
      versionOf: (table) => table.recordSeq,
      expectedAt,
      same: sameTables,
    });
  }, 120_000);
});
