import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { InputError, StorageError } from '../../src/errors.js';
import { decodeTable, encodeTable } from '../../src/store/table-codec.js';
import type { PersistedGroupTable } from '../../src/store/table-store.js';
import { loadGroupTable, saveGroupTable, tableFilePath } from '../../src/store/table-store.js';
import { sampleTable } from './helpers/sample-table.js';

let dataDir = '';
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tair-cs-store-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** plain — a table with its typed arrays as plain arrays, for readable comparisons. */
const plain = (table: PersistedGroupTable) => ({
  ...table,
  current: Array.from(table.current),
  progress: Array.from(table.progress),
  destination: Array.from(table.destination),
});

describe('table store round trip', () => {
  test('save then load gives back every field', async () => {
    const table = sampleTable(5);
    await saveGroupTable(dataDir, table);
    const loaded = await loadGroupTable(dataDir, 'group_1');
    expect(loaded.status).toBe('ok');
    if (loaded.status === 'ok') expect(plain(loaded.table)).toEqual(plain(table));
    expect((await readdir(dataDir)).sort()).toEqual(['group_1.log', 'group_1.table']);
  });

  test('extreme values survive: u32 versions, u64 epoch, no servers, empty hash', async () => {
    const table: PersistedGroupTable = {
      ...sampleTable(0),
      versions: { client: 0xffffffff, server: 0, plugins: 1, areaCapacity: 0x80000000 },
      epoch: (1n << 64n) - 1n,
      migrateBlockCount: 14,
      configHash: '',
      servers: [],
      current: new Uint32Array(14),
      progress: new Uint32Array(14),
      destination: new Uint32Array(14),
    };
    await saveGroupTable(dataDir, table);
    const loaded = await loadGroupTable(dataDir, 'group_1');
    expect(loaded.status === 'ok' && plain(loaded.table)).toEqual(plain(table));
  });

  test('a restart serves what was persisted: the latest save of several queued ones wins', async () => {
    await Promise.all([1, 2, 3, 4].map((version) => saveGroupTable(dataDir, sampleTable(version))));
    const loaded = await loadGroupTable(dataDir, 'group_1');
    expect(loaded.status === 'ok' && plain(loaded.table)).toEqual(plain(sampleTable(4)));
    expect((await readdir(dataDir)).sort()).toEqual(['group_1.log', 'group_1.table']);
  });

  test('a big table (B = 2^20, C = 3) round-trips', async () => {
    const shape = { groupName: 'big', bucketCount: 1 << 20, copyCount: 3, serverCount: 500 };
    const table = sampleTable(9, shape);
    const bytesOf = (array: Uint32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    await saveGroupTable(dataDir, table);
    const loaded = await loadGroupTable(dataDir, 'big');
    expect(loaded.status).toBe('ok');
    if (loaded.status !== 'ok') return;
    for (const name of ['current', 'progress', 'destination'] as const) {
      expect(bytesOf(loaded.table[name]).equals(bytesOf(table[name]))).toBe(true);
    }
  });

  test('a missing file is "missing", not an error', async () => {
    expect(await loadGroupTable(dataDir, 'nope')).toEqual({ status: 'missing', path: join(dataDir, 'nope.table') });
  });
});

describe('saving refuses malformed tables and writes nothing', () => {
  const cases: [string, (t: PersistedGroupTable) => PersistedGroupTable, RegExp][] = [
    [
      'slot naming a server not listed',
      (t) => ({ ...t, current: t.current.map((v, i) => (i === 3 ? 4 : v)) }),
      /current table slot 3 holds 4, but only 3 servers are listed/,
    ],
    ['wrong array length', (t) => ({ ...t, progress: new Uint32Array(5) }), /progress table must be a Uint32Array of 14 slots/],
    ['bucket count 0', (t) => ({ ...t, bucketCount: 0 }), /bucket count 0 is outside/],
    ['copy count 9', (t) => ({ ...t, copyCount: 9 }), /copy count 9 is outside/],
    ['bad group name', (t) => ({ ...t, groupName: '../etc' }), /group name '..\/etc'/],
    ['server without a port', (t) => ({ ...t, servers: ['10.0.0.1', '10.0.0.2:1', '10.0.0.3:1'] }), /not a canonical ip:port/],
    ['duplicate server', (t) => ({ ...t, servers: ['10.0.0.1:1', '10.0.0.1:1', '10.0.0.3:1'] }), /listed twice/],
    ['negative version', (t) => ({ ...t, versions: { ...t.versions, client: -1 } }), /client version -1 is not a u32/],
    ['migrate count below -1', (t) => ({ ...t, migrateBlockCount: -2 }), /migrate block count -2/],
    ['upper-case hash', (t) => ({ ...t, configHash: 'ABC' }), /config hash/],
  ];

  test.each(cases)('%s', async (_name, breakTable, message) => {
    await saveGroupTable(dataDir, sampleTable(1));
    const before = await readFile(join(dataDir, 'group_1.table'));
    const error = await saveGroupTable(dataDir, breakTable(sampleTable(2))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect(await readFile(join(dataDir, 'group_1.table'))).toEqual(before);
  });

  test('group names cannot escape the data directory', () => {
    expect(() => tableFilePath(dataDir, '../x')).toThrow(InputError);
    expect(() => tableFilePath(dataDir, 'a/b')).toThrow(InputError);
    expect(tableFilePath(dataDir, 'group_1')).toBe(join(dataDir, 'group_1.table'));
  });

  test('an I/O failure is a StorageError and leaves no temp file', async () => {
    const blocked = join(dataDir, 'not-a-dir');
    await writeFile(blocked, 'x');
    const error = await saveGroupTable(blocked, sampleTable(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(await readdir(dataDir)).toEqual(['not-a-dir']);
  });
});

describe('corrupt files are detected, never served', () => {
  const bytes = encodeTable(sampleTable(3));

  test('every single-bit flip anywhere in the file is detected', () => {
    const undetected: string[] = [];
    for (let offset = 0; offset < bytes.length; offset++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(bytes);
        copy[offset] ^= 1 << bit;
        if (decodeTable(copy, 'group_1').ok) undetected.push(`${offset}.${bit}`);
      }
    }
    expect(undetected).toEqual([]);
    expect(decodeTable(bytes, 'group_1').ok).toBe(true);
  });

  test('a cut at every offset, and an extra byte, are detected', () => {
    const accepted: number[] = [];
    for (let length = 0; length < bytes.length; length++) {
      if (decodeTable(bytes.subarray(0, length), 'group_1').ok) accepted.push(length);
    }
    expect(accepted).toEqual([]);
    expect(decodeTable(Buffer.concat([bytes, Buffer.from([0])]), 'group_1')).toEqual({
      ok: false,
      reason: '1 unexpected bytes after the end of the table',
    });
  });

  test('reasons name what is wrong', () => {
    const reason = (data: Uint8Array, group = 'group_1') => {
      const result = decodeTable(data, group);
      return result.ok ? 'ok' : result.reason;
    };
    expect(reason(bytes.subarray(0, 10))).toBe('truncated: 10 bytes, a table file has at least 68');
    expect(reason(bytes.subarray(0, 70))).toBe('truncated: 70 bytes, a table file has at least 76');
    expect(reason(bytes.subarray(0, bytes.length - 1))).toMatch(/^truncated: \d+ bytes, the header promises \d+$/);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 10] ^= 0x40;
    expect(reason(flipped)).toMatch(/^checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/);
    expect(reason(Buffer.from('hello world, this is not a table file at all, no it is not, not at all!'))).toBe(
      'bad magic: not a tair-config-server table file',
    );
    const original = Buffer.alloc(100);
    original.writeUInt32LE(0x31766257, 0);
    expect(reason(original)).toMatch(/original Tair server table; convert it with `tair-cs table import`/);
    const version3 = Buffer.from(bytes);
    version3.writeUInt32LE(3, 8);
    expect(reason(version3)).toBe('format version 3 is not supported (this build reads 1 and 2)');
    expect(reason(bytes, 'group_2')).toBe("file holds group 'group_1', not 'group_2'");
  });

  test('a corrupt file is moved aside with the reason, and the group starts empty', async () => {
    const path = join(dataDir, 'group_1.table');
    const broken = Buffer.from(bytes);
    broken[70] ^= 1;
    await writeFile(path, broken);
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status).toBe('corrupt');
    if (result.status !== 'corrupt') return;
    expect(result.path).toBe(path);
    expect(result.reason).toMatch(/^checksum mismatch/);
    expect(result.movedTo).toMatch(/group_1\.table\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    expect(await readFile(result.movedTo as string)).toEqual(broken);
    expect((await loadGroupTable(dataDir, 'group_1')).status).toBe('missing');
    await saveGroupTable(dataDir, sampleTable(4));
    expect((await loadGroupTable(dataDir, 'group_1')).status).toBe('ok');
  });

  test('two corrupt files in a row get distinct names', async () => {
    const path = join(dataDir, 'group_1.table');
    await writeFile(path, 'garbage');
    const first = await loadGroupTable(dataDir, 'group_1');
    await writeFile(path, 'garbage again');
    const second = await loadGroupTable(dataDir, 'group_1');
    expect(first.status === 'corrupt' && second.status === 'corrupt').toBe(true);
    if (first.status !== 'corrupt' || second.status !== 'corrupt') return;
    expect(first.movedTo).not.toBe(second.movedTo);
    expect((await readdir(dataDir)).filter((name) => name.includes('.corrupt-'))).toHaveLength(2);
  });

  test('a directory in place of the file is moved aside', async () => {
    await mkdir(join(dataDir, 'group_1.table'));
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result).toMatchObject({ status: 'corrupt', reason: 'a directory, not a table file' });
  });

  test.skipIf(process.getuid?.() === 0)('an unreadable file throws StorageError and stays in place', async () => {
    const path = join(dataDir, 'group_1.table');
    await writeFile(path, bytes);
    await chmod(path, 0);
    await expect(loadGroupTable(dataDir, 'group_1')).rejects.toBeInstanceOf(StorageError);
    expect(await readdir(dataDir)).toEqual(['group_1.table']);
  });
});
