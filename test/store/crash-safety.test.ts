import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadGroupTable } from '../../src/store/table-store.js';
import type { PersistedGroupTable } from '../../src/store/table-store.js';
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

interface Round {
  started: number[];
  saved: number[];
}

/** runAndKill — starts the save loop at `firstVersion`, SIGKILLs it after `delayMs`, reports what it said. */
function runAndKill(dataDir: string, firstVersion: number, delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, dataDir, String(firstVersion)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const round: Round = { started: [], saved: [] };
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
      if (signal !== 'SIGKILL') reject(new Error(`save loop exited on its own: ${stderr}`));
      else resolve(round);
    });
  });
}

function sameContent(loaded: PersistedGroupTable, expected: PersistedGroupTable): boolean {
  const bytes = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const { current, progress, destination, ...header } = loaded;
  const { current: c, progress: p, destination: d, ...expectedHeader } = expected;
  return JSON.stringify(header, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ===
    JSON.stringify(expectedHeader, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) &&
    bytes(current).equals(bytes(c)) && bytes(progress).equals(bytes(p)) && bytes(destination).equals(bytes(d));
}

describe('kill -9 during a save loop', () => {
  test('the file always loads as one complete written version, never older than the last confirmed save', async () => {
    const dataDir = join(workDir, 'data');
    let nextVersion = 1;
    let lastConfirmed = 0;
    let killedMidSave = 0;
    for (let roundIndex = 0; roundIndex < roundCount; roundIndex++) {
      const delayMs = 20 + Math.floor(Math.random() * 200);
      const round = await runAndKill(dataDir, nextVersion, delayMs);
      const lastStarted = round.started.at(-1) ?? nextVersion - 1;
      if ((round.saved.at(-1) ?? -1) < lastStarted) killedMidSave += 1;
      lastConfirmed = Math.max(lastConfirmed, round.saved.at(-1) ?? 0);
      const loaded = await loadGroupTable(dataDir, 'crash');
      if (lastConfirmed === 0 && loaded.status === 'missing') continue;
      expect(loaded.status, `round ${roundIndex}: ${loaded.status === 'corrupt' ? loaded.reason : ''}`).toBe('ok');
      if (loaded.status !== 'ok') return;
      const version = loaded.table.versions.client - 10;
      expect(version).toBeGreaterThanOrEqual(lastConfirmed);
      expect(version).toBeLessThanOrEqual(lastStarted);
      expect(sameContent(loaded.table, sampleTable(version, shape))).toBe(true);
      nextVersion = lastStarted + 1;
    }
    expect(killedMidSave).toBeGreaterThan(0);
    expect((await readdir(dataDir)).filter((name) => name.includes('.corrupt-'))).toEqual([]);
  });
});
