import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { PersistedGroupTable } from '../../src/store/table-store.js';
import { crashRounds } from './helpers/kill-rounds.js';
import { transpileSources } from './helpers/transpile-sources.js';
import { sampleTable } from './helpers/sample-table.js';

// 2^16 buckets × 3 copies: 2.4 MB per save, so a kill usually lands in the middle of one.
const shape = { groupName: 'crash', bucketCount: 1 << 16, copyCount: 3, serverCount: 40 };
const roundCount = 12;

const childSource = `
import { saveGroupTable } from './src/store/table-store.js';
import { sampleTable } from './test/store/helpers/sample-table.js';
const [dataDir, firstVersion] = process.argv.slice(2);
const shape = ${JSON.stringify(shape)};
for (let version = Number(firstVersion); ; version++) {
  const table = sampleTable(version, shape);
  process.stdout.write('start ' + version + '\\n');
  await saveGroupTable(dataDir, table);
  process.stdout.write('saved ' + version + '\\n');
}
`;

let workDir = '';
let childScript = '';
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tair-cs-crash-'));
  const buildDir = join(workDir, 'build');
  await transpileSources(['src/store/table-store.ts', 'test/store/helpers/sample-table.ts'], buildDir);
  childScript = join(buildDir, 'save-loop.mjs');
  await writeFile(childScript, childSource);
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function sameContent(loaded: PersistedGroupTable, expected: PersistedGroupTable): boolean {
  const bytes = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const { current, progress, destination, ...header } = loaded;
  const { current: c, progress: p, destination: d, ...expectedHeader } = expected;
  return (
    JSON.stringify(header, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ===
      JSON.stringify(expectedHeader, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) &&
    bytes(current).equals(bytes(c)) &&
    bytes(progress).equals(bytes(p)) &&
    bytes(destination).equals(bytes(d))
  );
}

describe('kill -9 during a save loop', () => {
  test('the file always loads as one complete written version, never older than the last confirmed save', async () => {
    await crashRounds({
      childScript,
      dataDir: join(workDir, 'data'),
      groupName: 'crash',
      roundCount,
      versionOf: (table) => table.versions.client - 10,
      expectedAt: (_rounds, version) => sampleTable(version, shape),
      same: sameContent,
    });
  });
});
