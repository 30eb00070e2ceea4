import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// Real processes: the compiled CLI as a user runs it (`npm test` builds dist first).
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const mainJs = join(repoRoot, 'dist/src/cli/main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tairCs(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [mainJs, 'table', ...args], { cwd: dir, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function json(args: string[], code = 0): Promise<Record<string, any>> {
  const run = await tairCs(args);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(code);
  return JSON.parse(run.stdout);
}

interface FileServer {
  id: string;
  rack: string;
  weight: number;
  alive: boolean;
}

interface TableJson {
  bucketCount: number;
  copyCount: number;
  servers: FileServer[];
  table: number[][];
}

async function readTable(name: string): Promise<TableJson> {
  return JSON.parse(await readFile(join(dir, name), 'utf8'));
}

/** countPerServer — replicas and masters per position, recounted from the file (not from the CLI). */
function countPerServer(file: TableJson): { replicas: number[]; masters: number[] } {
  const replicas = file.servers.map(() => 0);
  const masters = file.servers.map(() => 0);
  file.table.forEach((row, copyIndex) =>
    row.forEach((position) => {
      if (position < 0) return;
      replicas[position]++;
      if (copyIndex === 0) masters[position]++;
    }),
  );
  return { replicas, masters };
}

function liveRange(counts: number[], servers: FileServer[]): [number, number] {
  const live = counts.filter((_, position) => servers[position].alive);
  return [Math.min(...live), Math.max(...live)];
}

let dir = '';
beforeAll(async () => {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run npm run build`);
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-table-'));
  await tairCs(['build', '--buckets', '1023', '--copies', '3', '--servers', '8', '--racks', '2', '--out', 'small.json']);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tair-cs table build', () => {
  test('S table: valid, balanced, spread, and the file matches the report', async () => {
    const report = await json(['check', '--in', 'small.json']);
    const file = await readTable('small.json');
    expect(report).toMatchObject({
      valid: true,
      bucketCount: 1023,
      copyCount: 3,
      violations: { sameServer: 0, rackSpreadShort: 0, emptySlots: 0, deadSlots: 0 },
      replicas: { quotaMin: 383, quotaMax: 384 },
      masters: { quotaMin: 127, quotaMax: 128 },
    });
    expect(file.servers).toEqual(
      Array.from({ length: 8 }, (_, i) => ({
        id: `ds-${String(i).padStart(6, '0')}`,
        rack: `rack-${i % 2}`,
        weight: 1,
        alive: true,
      })),
    );
    expect(file.table).toHaveLength(3);
    for (let bucket = 0; bucket < 1023; bucket++) {
      const row = file.table.map((copy) => copy[bucket]);
      expect(new Set(row).size).toBe(3);
      expect(new Set(row.map((position) => position % 2)).size).toBe(2);
    }
    const counts = countPerServer(file);
    expect([report.replicas.min, report.replicas.max]).toEqual(liveRange(counts.replicas, file.servers));
    expect([report.masters.min, report.masters.max]).toEqual(liveRange(counts.masters, file.servers));
  });

  test('prints one JSON object with the build time, strategy and engine view', async () => {
    const report = await json(['build', '--buckets', '100', '--copies', '2', '--servers', '5', '--strategy', 'auto']);
    expect(report.buildMs).toBeGreaterThan(0);
    expect(report).toMatchObject({ command: 'build', ok: true, valid: true, strategy: 'auto', strategyUsed: 'balanced', out: null });
    expect(report.partners.worstExcess).toBeTypeOf('number');
    expect(report.engine.outcome).toBe('ok');
    // What the engine reached, beside the least it could have: steps, budgets, rack-short, partners.
    expect(report.engine).toMatchObject({
      steps: expect.any(Number),
      stepsPerSlot: expect.any(Number),
      budgetSpent: expect.any(Boolean),
      spentIn: expect.any(Array),
      rackShortBuckets: 0,
      rackShortBound: 0,
      partnerExcessMax: expect.any(Number),
    });
    expect(report.engine.steps).toBeGreaterThan(0);
    expect(report).not.toHaveProperty('repeat');
  });

  test('--repeat N prints min/median/max of N builds beside the first build', async () => {
    const report = await json(['build', '--buckets', '4096', '--copies', '3', '--servers', '9', '--racks', '3', '--repeat', '5']);
    const { repeat } = report;
    expect(repeat).toMatchObject({ runs: 5 });
    expect(repeat.minMs).toBeGreaterThan(0);
    expect(repeat.minMs).toBeLessThanOrEqual(repeat.medianMs);
    expect(repeat.medianMs).toBeLessThanOrEqual(repeat.maxMs);
    expect(report.buildMs).toBeGreaterThanOrEqual(repeat.minMs);
    expect(report.buildMs).toBeLessThanOrEqual(repeat.maxMs);
    const rebuilt = await json(['rebuild', '--in', 'small.json', '--down', '2', '--repeat', '3']);
    expect(rebuilt.repeat).toMatchObject({ runs: 3 });
  });

  test('--rack-sizes fills racks in order; a spread the sizes forbid is reported, not fatal', async () => {
    const report = await json(['build', '--buckets', '1023', '--copies', '2', '--rack-sizes', '5,3', '--servers', '8', '--out', 'sizes.json']);
    const file = await readTable('sizes.json');
    expect(file.servers.map((server) => server.rack)).toEqual(['rack-0', 'rack-0', 'rack-0', 'rack-0', 'rack-0', 'rack-1', 'rack-1', 'rack-1']);
    expect(report.rackSpreadFeasible).toBe(false);
    expect(report.valid).toBe(true);
    expect(report.racks).toMatchObject({ total: 2, alive: 2, spreadWanted: 2 });
  });

  test('--weights give heavier servers a proportional quota', async () => {
    const report = await json(['build', '--buckets', '600', '--copies', '1', '--servers', '4', '--weights', '3,1,1,1', '--out', 'weighted.json']);
    expect(report).toMatchObject({ valid: true, replicas: { min: 100, max: 300, quotaMin: 100, quotaMax: 300 } });
    expect(countPerServer(await readTable('weighted.json')).replicas).toEqual([300, 100, 100, 100]);
  });

  test('the same seed gives a byte-identical file', async () => {
    const args = ['build', '--buckets', '500', '--copies', '3', '--servers', '7', '--racks', '3', '--seed', '7', '--out'];
    await json([...args, 'seed-a.json']);
    await json([...args, 'seed-b.json']);
    expect(await readFile(join(dir, 'seed-a.json'), 'utf8')).toBe(await readFile(join(dir, 'seed-b.json'), 'utf8'));
  });
});

describe('tair-cs table rebuild', () => {
  test('--down moves exactly the slots the dead server held, and keeps it listed', async () => {
    const before = await readTable('small.json');
    const report = await json(['rebuild', '--in', 'small.json', '--down', '3', '--out', 'down.json']);
    const after = await readTable('down.json');
    const held = countPerServer(before);
    expect(report.moves).toMatchObject({
      replicas: held.replicas[3],
      minimumReplicas: held.replicas[3],
      masters: held.masters[3],
      minimumMasters: held.masters[3],
    });
    expect(report).toMatchObject({ valid: true, servers: { total: 8, alive: 7 }, down: [3] });
    expect(after.servers[3]).toEqual({ ...before.servers[3], alive: false });
    expect(countPerServer(after).replicas[3]).toBe(0);
    before.table.forEach((row, copyIndex) =>
      row.forEach((position, bucket) => {
        if (!before.table.some((copy) => copy[bucket] === 3)) expect(after.table[copyIndex][bucket]).toBe(position);
      }),
    );
  });

  test('--add appends servers continuing i mod R, each within its quota', async () => {
    const report = await json(['rebuild', '--in', 'small.json', '--add', '2', '--out', 'join.json']);
    const after = await readTable('join.json');
    expect(after.servers.slice(8)).toEqual([
      { id: 'ds-000008', rack: 'rack-0', weight: 1, alive: true },
      { id: 'ds-000009', rack: 'rack-1', weight: 1, alive: true },
    ]);
    expect(report).toMatchObject({ valid: true, added: 2, replicas: { quotaMin: 306, quotaMax: 307 } });
    const counts = countPerServer(after);
    expect(counts.replicas[8]).toBeGreaterThanOrEqual(306);
    expect(report.moves.replicas).toBeGreaterThanOrEqual(report.moves.minimumReplicas);
    expect(report.moves.minimumReplicas).toBeGreaterThanOrEqual(counts.replicas[8] + counts.replicas[9]);
  });

  test('rebuilding a valid table with nothing changed moves nothing', async () => {
    const report = await json(['rebuild', '--in', 'small.json', '--out', 'same.json']);
    expect(report.moves).toMatchObject({ replicas: 0, masters: 0, minimumReplicas: 0, minimumMasters: 0 });
    expect((await readTable('same.json')).table).toEqual((await readTable('small.json')).table);
  });

  test('dead servers stay dead and their positions stay stable across rebuilds', async () => {
    await json(['rebuild', '--in', 'small.json', '--down', '1', '--out', 'chain-1.json']);
    const report = await json(['rebuild', '--in', 'chain-1.json', '--down', '6', '--out', 'chain-2.json']);
    const file = await readTable('chain-2.json');
    expect(file.servers.map((server) => server.alive)).toEqual([true, false, true, true, true, true, false, true]);
    expect(report).toMatchObject({ valid: true, servers: { total: 8, alive: 6 }, violations: { deadSlots: 0 } });
  });
});

describe('tair-cs table check', () => {
  test('counts every kind of violation in a hand-made table', async () => {
    const file: TableJson = {
      bucketCount: 4,
      copyCount: 2,
      servers: [
        { id: 'a', rack: 'r0', weight: 1, alive: true },
        { id: 'b', rack: 'r1', weight: 1, alive: true },
        { id: 'c', rack: 'r0', weight: 1, alive: false },
      ],
      // bucket 0: a twice; bucket 1: an empty slot; bucket 2: fine; bucket 3: on dead c
      table: [
        [0, 1, 0, 2],
        [0, -1, 1, 1],
      ],
    };
    await writeFile(join(dir, 'broken.json'), JSON.stringify(file));
    // Not valid: exit 1, the JSON still printed; a check builds nothing, so it has checkMs, no buildMs.
    const report = await json(['check', '--in', 'broken.json'], 1);
    expect(report).not.toHaveProperty('buildMs');
    expect(report.checkMs).toBeGreaterThanOrEqual(0);
    expect(report).toMatchObject({
      valid: false,
      violations: { sameServer: 1, rackSpreadShort: 2, emptySlots: 1, deadSlots: 1, replicaBalance: 0, masterBalance: 0 },
      replicas: { min: 3, max: 3, quotaMin: 4, quotaMax: 4 },
      masters: { min: 1, max: 2, quotaMin: 2, quotaMax: 2 },
      servers: { total: 3, alive: 2 },
    });
  });

  test('a balance off by more than one makes the table invalid', async () => {
    const file: TableJson = {
      bucketCount: 6,
      copyCount: 1,
      servers: [
        { id: 'a', rack: 'r', weight: 1, alive: true },
        { id: 'b', rack: 'r', weight: 1, alive: true },
      ],
      table: [[0, 0, 0, 0, 0, 1]],
    };
    await writeFile(join(dir, 'unbalanced.json'), JSON.stringify(file));
    const report = await json(['check', '--in', 'unbalanced.json'], 1);
    expect(report).toMatchObject({
      valid: false,
      violations: { replicaBalance: 2, masterBalance: 2 },
      replicas: { min: 1, max: 5, quotaMin: 3, quotaMax: 3 },
    });
  });
});

describe('bad arguments: one line on stderr, exit 2, nothing on stdout', () => {
  const cases: [string, string[]][] = [
    ['unknown flag', ['build', '--buckets', '8', '--copies', '2', '--servers', '4', '--bogus']],
    ['missing value', ['build', '--buckets', '8', '--copies', '2', '--servers']],
    ['missing flag', ['build', '--buckets', '8', '--servers', '4']],
    ['not a number', ['build', '--buckets', '8x', '--copies', '2', '--servers', '4']],
    ['exponent', ['build', '--buckets', '1e3', '--copies', '2', '--servers', '4']],
    ['out of range', ['build', '--buckets', '0', '--copies', '2', '--servers', '4']],
    ['too many copies', ['build', '--buckets', '8', '--copies', '9', '--servers', '12']],
    ['fewer servers than copies', ['build', '--buckets', '8', '--copies', '3', '--servers', '2']],
    ['racks with rack sizes', ['build', '--buckets', '8', '--copies', '2', '--servers', '4', '--racks', '2', '--rack-sizes', '2,2']],
    ['servers differ from rack sizes', ['build', '--buckets', '8', '--copies', '2', '--servers', '5', '--rack-sizes', '2,2']],
    ['weights miscounted', ['build', '--buckets', '8', '--copies', '2', '--servers', '4', '--weights', '1,2']],
    ['zero weight', ['build', '--buckets', '8', '--copies', '2', '--servers', '2', '--weights', '1,0']],
    ['unknown strategy', ['build', '--buckets', '8', '--copies', '2', '--servers', '4', '--strategy', 'best']],
    ['unknown command', ['frobnicate']],
    ['positional argument', ['check', 'small.json']],
    ['unreadable file', ['check', '--in', 'no-such-file.json']],
    ['a folder', ['check', '--in', '.']],
    ['--down out of range', ['rebuild', '--in', 'small.json', '--down', '8']],
    ['--down leaves too few', ['rebuild', '--in', 'small.json', '--down', '0,1,2,3,4,5']],
    ['unwritable --out', ['build', '--buckets', '8', '--copies', '2', '--servers', '4', '--out', 'no/such/dir.json']],
    ['--repeat 0', ['build', '--buckets', '8', '--copies', '2', '--servers', '4', '--repeat', '0']],
    ['--repeat too many', ['build', '--buckets', '8', '--copies', '2', '--servers', '4', '--repeat', '1001']],
  ];
  test.each(cases)('%s', async (_, args) => {
    const run = await tairCs(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^tair-cs table[^\n]*\n$/);
  });

  const malformed: [string, unknown, RegExp][] = [
    ['not JSON', 'nope', /not JSON/],
    ['no copyCount', { bucketCount: 2 }, /copyCount/],
    ['position past the list', { bucketCount: 1, copyCount: 1, servers: [{ id: 'a', rack: 'r', weight: 1, alive: true }], table: [[1]] }, /table\[0\]\[0\]/],
    ['short row', { bucketCount: 2, copyCount: 1, servers: [{ id: 'a', rack: 'r', weight: 1, alive: true }], table: [[0]] }, /table\[0\]/],
    [
      'id twice',
      {
        bucketCount: 1,
        copyCount: 1,
        servers: [
          { id: 'a', rack: 'r', weight: 1, alive: true },
          { id: 'a', rack: 'r', weight: 1, alive: true },
        ],
        table: [[0]],
      },
      /listed twice/,
    ],
    ['alive not boolean', { bucketCount: 1, copyCount: 1, servers: [{ id: 'a', rack: 'r', weight: 1, alive: 1 }], table: [[0]] }, /alive/],
  ];
  test.each(malformed)('malformed file: %s', async (name, content, message) => {
    const path = `malformed-${name.replace(/\W+/g, '-')}.json`;
    await writeFile(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
    for (const command of ['check', 'rebuild']) {
      const run = await tairCs([command, '--in', path]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

describe('help and dispatch', () => {
  test('--help prints the usage and exits 0', async () => {
    const run = await tairCs(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('rebuild --in FILE');
  });

  test('`table import` goes to the import command', async () => {
    const run = await tairCs(['import']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tair-cs table import: /);
  });
});
