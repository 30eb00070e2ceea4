import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runTableImport } from '../../src/cli/table-import-command.js';
import { runCaptured as capture } from '../helpers/run-captured.js';
import { loadGroupTable } from '../../src/store/table-store.js';

const runCaptured = (argv: string[]) => capture(runTableImport, argv);
import { buildOriginalFile, ipPortId } from './helpers/original-file.js';

let dir = '';
let source = '';
const s1 = ipPortId(127, 0, 0, 1, 5191);
const s2 = ipPortId(127, 0, 0, 1, 5192);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-import-'));
  source = join(dir, 'group_1_server_table');
  await writeFile(
    source,
    buildOriginalFile({
      bucketCount: 3,
      copyCount: 2,
      versions: [40, 12, 1, 1],
      current: [s1, s2, s1, s2, s1, s2],
      progress: [s1, s2, s1, s2, s1, s2],
      destination: [s1, s2, s1, s2, s1, s2],
    }),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tair-cs table import', () => {
  test('writes DIR/NAME.table and prints a JSON summary', async () => {
    const dataDir = join(dir, 'data');
    const { code, stdout, stderr } = await runCaptured(['import', source, '--group', 'group_1', '--data-dir', dataDir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      group: 'group_1',
      source,
      written: join(dataDir, 'group_1.table'),
      bucketCount: 3,
      copyCount: 2,
      versions: { client: 40, server: 12, plugins: 1, areaCapacity: 1 },
      migrateBlockCount: -1,
      servers: ['127.0.0.1:5191', '127.0.0.1:5192'],
    });
    const loaded = await loadGroupTable(dataDir, 'group_1');
    expect(loaded.status === 'ok' && Array.from(loaded.table.current)).toEqual([1, 2, 1, 2, 1, 2]);
  });

  test('an existing table is replaced only with --force', async () => {
    const args = [source, '--group', 'group_1', '--data-dir', dir];
    expect((await runCaptured(args)).code).toBe(0);
    const again = await runCaptured(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`tair-cs table import: ${source}: ${join(dir, 'group_1.table')} already exists; ` + 'pass --force to replace it\n');
    expect((await runCaptured([...args, '--force'])).code).toBe(0);
  });

  test('a file that is not an original table: exit 1, reason on stderr, nothing written', async () => {
    const bogus = join(dir, 'bogus');
    await writeFile(bogus, Buffer.alloc(64, 7));
    const result = await runCaptured(['import', bogus, '--group', 'g', '--data-dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`tair-cs table import: ${bogus}: bad magic 0x07070707 (an original server table starts with 0x31766257)\n`);
    const missing = await runCaptured(['import', join(dir, 'none'), '--group', 'g', '--data-dir', dir]);
    expect(missing.stderr).toBe(`tair-cs table import: ${join(dir, 'none')}: file not found\n`);
    expect(await readdir(dir)).toEqual(['bogus', 'group_1_server_table']);
  });

  test.skipIf(process.platform === 'win32')('a FIFO or a device is refused at once, unread: exit 1', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const result = await runCaptured(['import', fifo, '--group', 'g', '--data-dir', dir]);
    expect([result.code, result.stderr]).toEqual([1, `tair-cs table import: ${fifo}: a FIFO, not a regular file\n`]);
    const zero = await runCaptured(['import', '/dev/zero', '--group', 'g', '--data-dir', dir]);
    expect([zero.code, zero.stderr]).toEqual([1, 'tair-cs table import: /dev/zero: a character device, not a regular file\n']);
  });

  test.each([
    [['import', '--group', 'g', '--data-dir', '/tmp'], 'expected exactly one FILE, got 0'],
    [['import', 'f', '--data-dir', '/tmp'], 'missing --group NAME'],
    [['import', 'f', '--group', 'g'], 'missing --data-dir DIR'],
    [['import', 'f', '--group', 'a-b', '--data-dir', '/tmp'], "--group 'a-b' must be 1..63 of A-Z a-z 0-9 _"],
    [['import', 'f', '--group', 'g', '--data-dir', '/tmp', '--nope'], "Unknown option '--nope'"],
  ])('bad arguments %j: exit 2, one line on stderr', async (argv, message) => {
    const { code, stdout, stderr } = await runCaptured(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
