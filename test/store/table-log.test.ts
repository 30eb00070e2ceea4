/**
 * The table log: records appended behind a snapshot, replayed at load; a torn or corrupt tail is
 * cut and never served; compaction is asked for; files that are not regular files are refused
 * without hanging. The record codec is checked on its own as well.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { PersistedGroupTable } from '../../src/cluster/persisted-group-table.js';
import { logRecordCountMax } from '../../src/limits.js';
import { decodeRecord, encodeRecord } from '../../src/store/record-codec.js';
import { appendGroupRecord, loadGroupTable, logFilePath, saveGroupTable } from '../../src/store/table-store.js';
import { evolve, recordBetween } from './helpers/sample-records.js';
import { sampleTable } from './helpers/sample-table.js';

let dataDir = '';
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tair-cs-log-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const shape = { groupName: 'group_1', bucketCount: 64, copyCount: 3, serverCount: 9 };

const plain = (table: PersistedGroupTable) => ({
  ...table,
  current: Array.from(table.current),
  progress: Array.from(table.progress),
  destination: Array.from(table.destination),
});

/** history — a snapshot at record `base`, then `count` tables each one record later. */
function history(base: number, count: number): PersistedGroupTable[] {
  const tables = [sampleTable(base, shape)];
  for (let seq = base + 1; seq <= base + count; seq++) tables.push(evolve(tables.at(-1) as PersistedGroupTable, seq));
  return tables;
}

async function saveHistory(tables: PersistedGroupTable[]): Promise<void> {
  await saveGroupTable(dataDir, tables[0]);
  for (let i = 1; i < tables.length; i++) await appendGroupRecord(dataDir, recordBetween(tables[i - 1], tables[i]));
}

async function loaded(): Promise<PersistedGroupTable> {
  const result = await loadGroupTable(dataDir, 'group_1');
  if (result.status !== 'ok') throw new Error(`load: ${result.status}`);
  return result.table;
}

describe('records behind a snapshot', () => {
  test('each record appends O(changed rows) bytes; load replays them all', async () => {
    const tables = history(3, 20);
    await saveGroupTable(dataDir, tables[0]);
    const snapshotBytes = (await stat(join(dataDir, 'group_1.table'))).size;
    for (let i = 1; i < tables.length; i++) {
      const saved = await appendGroupRecord(dataDir, recordBetween(tables[i - 1], tables[i]));
      expect(saved.bytesWritten).toBeLessThan(snapshotBytes / 4);
    }
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status === 'ok' && result.replayed).toBe(20);
    expect(plain(await loaded())).toEqual(plain(tables.at(-1) as PersistedGroupTable));
  });

  test('a new snapshot starts a new log; the next load replays only what follows it', async () => {
    const tables = history(1, 6);
    await saveHistory(tables.slice(0, 4));
    await saveGroupTable(dataDir, tables[3]);
    for (let i = 4; i < tables.length; i++) await appendGroupRecord(dataDir, recordBetween(tables[i - 1], tables[i]));
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status === 'ok' && result.replayed).toBe(3);
    expect(plain(await loaded())).toEqual(plain(tables[6]));
  });

  test('a log older than its snapshot (a crash between the two writes) is skipped, not applied twice', async () => {
    const tables = history(1, 4);
    await saveHistory(tables);
    const oldLog = await readFile(logFilePath(dataDir, 'group_1'));
    await saveGroupTable(dataDir, tables[4]);
    await writeFile(logFilePath(dataDir, 'group_1'), oldLog);
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status === 'ok' && [result.replayed, result.cut]).toEqual([0, null]);
    expect(plain(await loaded())).toEqual(plain(tables[4]));
  });

  test('a version-1 table file without a log loads, and the first record starts its log', async () => {
    const tables = history(0, 2);
    await saveGroupTable(dataDir, tables[0]);
    await rm(logFilePath(dataDir, 'group_1'));
    await appendGroupRecord(dataDir, recordBetween(tables[0], tables[1]));
    await appendGroupRecord(dataDir, recordBetween(tables[1], tables[2]));
    expect(plain(await loaded())).toEqual(plain(tables[2]));
  });

  test('past logRecordCountMax records, or half the snapshot in bytes, the store asks for whole tables', async () => {
    const tables = history(0, 1);
    await saveGroupTable(dataDir, tables[0]);
    const record = recordBetween(tables[0], tables[1]);
    let appended = 0;
    for (let seq = 1; seq <= logRecordCountMax; seq++) {
      appended += 1;
      if ((await appendGroupRecord(dataDir, { ...record, seq })).compactWanted) break;
    }
    // ~330 bytes a record here: the byte bound (at least logBytesFloor, 1 MiB) comes before the count bound.
    expect(appended).toBeGreaterThan(1);
    expect(appended).toBeLessThan(logRecordCountMax);
  }, 60_000);
});

describe('torn and corrupt logs are cut, never served', () => {
  test('a record cut at any byte: the state before it loads, the log is cut, no corrupt file is left', async () => {
    const tables = history(2, 3);
    await saveHistory(tables.slice(0, 3));
    const logPath = logFilePath(dataDir, 'group_1');
    const good = await readFile(logPath);
    const last = recordBetween(tables[2], tables[3]);
    const framed = Buffer.concat([Buffer.alloc(4), encodeRecord(last)]);
    framed.writeUInt32LE(framed.length - 4, 0);
    for (let cut = 1; cut < framed.length; cut += Math.max(1, Math.floor(framed.length / 40))) {
      await writeFile(logPath, Buffer.concat([good, framed.subarray(0, cut)]));
      const result = await loadGroupTable(dataDir, 'group_1');
      expect(result.status === 'ok' && result.cut).toMatch(/cut/);
      expect(plain(await loaded())).toEqual(plain(tables[2]));
      await saveGroupTable(dataDir, tables[0]);
      await saveHistory(tables.slice(0, 3));
    }
    expect((await readdir(dataDir)).filter((name) => name.includes('.corrupt-'))).toEqual([]);
  });

  test('after a cut, appends continue and the next load has them', async () => {
    const tables = history(2, 4);
    await saveHistory(tables.slice(0, 3));
    await appendFile(logFilePath(dataDir, 'group_1'), Buffer.from([7, 0, 0]));
    expect(plain(await loaded())).toEqual(plain(tables[2]));
    await appendGroupRecord(dataDir, recordBetween(tables[2], tables[3]));
    await appendGroupRecord(dataDir, recordBetween(tables[3], tables[4]));
    expect(plain(await loaded())).toEqual(plain(tables[4]));
  });

  test('a flipped bit in a middle record: replay stops before it, the log is moved aside, the state is saved', async () => {
    const tables = history(0, 5);
    await saveHistory(tables);
    const logPath = logFilePath(dataDir, 'group_1');
    const bytes = await readFile(logPath);
    const broken = Buffer.from(bytes);
    broken[Math.floor(bytes.length / 2)] ^= 0x10;
    await writeFile(logPath, broken);
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status).toBe('ok');
    if (result.status !== 'ok') return;
    expect(result.cut).not.toBeNull();
    expect(result.replayed).toBeLessThan(5);
    expect(plain(result.table)).toEqual(plain(tables[result.replayed]));
    expect((await readdir(dataDir)).filter((name) => name.startsWith('group_1.log.corrupt-'))).toHaveLength(1);
    expect(plain(await loaded())).toEqual(plain(tables[result.replayed]));
  });

  test('a record that does not reach its table hash is not applied', async () => {
    const tables = history(0, 2);
    await saveGroupTable(dataDir, tables[0]);
    await appendGroupRecord(dataDir, recordBetween(tables[0], tables[1]));
    await appendGroupRecord(dataDir, { ...recordBetween(tables[1], tables[2]), tableHash: 12345 });
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status === 'ok' && [result.replayed, result.cut]).toEqual([1, 'log: record 2 does not reach its table hash']);
  });

  test('a gap in the records stops the replay before it', async () => {
    const tables = history(0, 3);
    await saveGroupTable(dataDir, tables[0]);
    await appendGroupRecord(dataDir, recordBetween(tables[0], tables[1]));
    await appendGroupRecord(dataDir, recordBetween(tables[2], tables[3]));
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status === 'ok' && [result.replayed, result.cut]).toEqual([1, 'log: record 3 follows record 1: a gap']);
  });
});

describe('files that are not regular files are refused, never read', () => {
  test.skipIf(process.platform === 'win32')('a FIFO in place of the table: refused at once, moved aside', async () => {
    execFileSync('mkfifo', [join(dataDir, 'group_1.table')]);
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result).toMatchObject({ status: 'corrupt', reason: 'a FIFO, not a table file' });
  });

  test.skipIf(process.platform === 'win32')('a symlink to /dev/zero in place of the table: refused, never read', async () => {
    await symlink('/dev/zero', join(dataDir, 'group_1.table'));
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result).toMatchObject({ status: 'corrupt', reason: 'a character device, not a table file' });
  });

  test.skipIf(process.platform === 'win32')('a FIFO in place of the log: the snapshot loads, the log is refused and moved aside', async () => {
    const tables = history(0, 0);
    await saveGroupTable(dataDir, tables[0]);
    const logPath = logFilePath(dataDir, 'group_1');
    await rm(logPath);
    execFileSync('mkfifo', [logPath]);
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status === 'ok' && result.cut).toBe('log: a FIFO, not a table file');
    expect((await stat(logPath)).isFile()).toBe(true);
  });

  test.skipIf(process.platform === 'win32')(
    'a FIFO or a device put in place of the log after the load: the save fails at once, never hangs or writes there',
    async () => {
      const tables = history(0, 2);
      await saveGroupTable(dataDir, tables[0]);
      const logPath = logFilePath(dataDir, 'group_1');
      await rm(logPath);
      execFileSync('mkfifo', [logPath]);
      await expect(appendGroupRecord(dataDir, recordBetween(tables[0], tables[1]))).rejects.toThrow(/cannot append/);
      await rm(logPath);
      await symlink('/dev/null', logPath);
      await expect(appendGroupRecord(dataDir, recordBetween(tables[0], tables[1]))).rejects.toThrow(/not a regular file/);
    },
  );

  test('a directory in place of the log is moved aside too', async () => {
    const tables = history(0, 0);
    await saveGroupTable(dataDir, tables[0]);
    const logPath = logFilePath(dataDir, 'group_1');
    await rm(logPath);
    await mkdir(logPath);
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status === 'ok' && result.cut).toBe('log: a directory, not a table file');
  });

  test('a log bigger than any table file is refused without reading it', async () => {
    const tables = history(0, 0);
    await saveGroupTable(dataDir, tables[0]);
    await truncate(logFilePath(dataDir, 'group_1'), 2 ** 40);
    const result = await loadGroupTable(dataDir, 'group_1');
    expect(result.status === 'ok' && result.cut).toMatch(/larger than any valid table file/);
  });
});

describe('record codec', () => {
  const tables = history(4, 1);
  const record = recordBetween(tables[0], tables[1]);
  const bytes = encodeRecord(record);

  test('round trip', () => {
    const decoded = decodeRecord(bytes);
    expect(decoded.ok && decoded.record).toEqual(record);
    const servers = Array.from({ length: shape.serverCount }, (_, i) => `10.0.1.${i + 1}:5191`);
    const again = decodeRecord(encodeRecord({ ...record, servers }));
    expect(again.ok && again.record.servers).toEqual(servers);
    const tooFew = decodeRecord(encodeRecord({ ...record, servers: servers.slice(0, 2) }));
    expect(tooFew.ok ? 'ok' : tooFew.reason).toMatch(/names server \d+ of 2/);
  });

  test('every bit flip and every cut is detected', () => {
    const accepted: string[] = [];
    for (let offset = 0; offset < bytes.length; offset++) {
      if (decodeRecord(bytes.subarray(0, offset)).ok) accepted.push(`cut ${offset}`);
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(bytes);
        copy[offset] ^= 1 << bit;
        if (decodeRecord(copy).ok) accepted.push(`${offset}.${bit}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  test('whole tables are not records', () => {
    expect(() => encodeRecord({ ...record, body: { kind: 'tables', ...tables[1] } })).toThrow(/table file/);
  });
});
