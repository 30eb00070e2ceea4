import { mkdtemp, rename, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { formatConfigProblem } from '../../src/errors.js';
import type { GroupConfigChangeEvent, GroupConfigInvalidEvent, GroupConfigWatcherOptions } from '../../src/config/config-watcher.js';
import { GroupConfigWatcher } from '../../src/config/config-watcher.js';
import { checkTableShapes } from '../../src/config/group-diff.js';

const good1 = '[a]\n_server_list = 10.0.0.1;10.0.0.2\n[b]\n_server_list = 10.0.0.3\n';
const good2 = '[a]\n_server_list = 10.0.0.1;10.0.0.4\n[c]\n_server_list = 10.0.0.5\n';
const bad = '[a]\n_server_list = 10.0.0.1;10.0.0.2\n_copy_count = x\n[b]\n_sever_list = 10.0.0.3\n';

let dir = '';
let file = '';
const watchers: GroupConfigWatcher[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-watch-'));
  file = join(dir, 'group.conf');
});
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await rm(dir, { recursive: true, force: true });
});

/** watcher — a watcher that records its events; polling and fs.watch off unless asked. */
function watcher(options: Partial<GroupConfigWatcherOptions> = {}) {
  const w = new GroupConfigWatcher(file, { defaultDataServerPort: 5191, pollIntervalMs: 3_600_000, watch: false, ...options });
  watchers.push(w);
  const changes: GroupConfigChangeEvent[] = [];
  const invalids: GroupConfigInvalidEvent[] = [];
  w.on('change', (event) => changes.push(event));
  w.on('invalid', (event) => invalids.push(event));
  return { w, changes, invalids };
}

function nextChange(w: GroupConfigWatcher, timeoutMs = 5000): Promise<GroupConfigChangeEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no change event')), timeoutMs);
    w.once('change', (event) => {
      clearTimeout(timer);
      resolve(event);
    });
  });
}

describe('GroupConfigWatcher', () => {
  test('the first good load is an "initial" change with every group added', async () => {
    await writeFile(file, good1);
    const { w, changes } = watcher();
    expect(await w.start()).toBe('initial');
    expect(changes).toHaveLength(1);
    expect(changes[0].kind).toBe('initial');
    expect(changes[0].previous).toBeNull();
    expect(changes[0].diff.added).toEqual(['a', 'b']);
    expect(w.current?.groups.map((g) => g.name)).toEqual(['a', 'b']);
  });

  test('an invalid edit keeps the last good config and reports every problem once; the fix applies', async () => {
    await writeFile(file, good1);
    const { w, changes, invalids } = watcher();
    await w.start();
    const good = w.current;
    await writeFile(file, bad);
    expect(await w.check()).toBe('invalid');
    expect(w.current).toBe(good);
    expect(invalids).toHaveLength(1);
    expect(invalids[0].lastGood).toBe(good);
    expect(invalids[0].problems.map(formatConfigProblem)).toEqual([
      `${file}:3: _copy_count: expected an integer, got 'x'`,
      `${file}:4: _copy_count: copy count 1 needs at least 1 server in _server_list, 0 listed`,
      `${file}:5: _sever_list: unknown key (did you mean _server_list?)`,
    ]);
    expect(w.problems).toHaveLength(3);
    expect(await w.check()).toBe('unchanged');
    expect(invalids).toHaveLength(1);
    await writeFile(file, good2);
    expect(await w.check()).toBe('edit');
    expect(w.problems).toEqual([]);
    const last = changes.at(-1) as GroupConfigChangeEvent;
    expect(last.previous).toBe(good);
    expect(last.diff.added).toEqual(['c']);
    expect(last.diff.removed).toEqual(['b']);
    expect(last.diff.changed.map((c) => [c.name, c.serversAdded, c.serversRemoved])).toEqual([['a', ['10.0.0.4:5191'], ['10.0.0.2:5191']]]);
  });

  test('a plain touch (same content, new mtime) is reported as a "touch" reload', async () => {
    await writeFile(file, good1);
    const { w, changes } = watcher();
    await w.start();
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    expect(await w.check()).toBe('touch');
    expect(changes.at(-1)?.kind).toBe('touch');
    expect(changes.at(-1)?.diff.unchanged).toEqual(['a', 'b']);
    expect(changes.at(-1)?.diff.changed).toEqual([]);
    expect(await w.check()).toBe('unchanged');
  });

  test('touching an invalid file reports its problems again', async () => {
    await writeFile(file, bad);
    const { w, invalids } = watcher();
    expect(await w.start()).toBe('invalid');
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    expect(await w.check()).toBe('invalid');
    expect(invalids).toHaveLength(2);
    expect(w.current).toBeNull();
  });

  test('two edits within one second, same size and same mtime, are both seen', async () => {
    const second = new Date(Math.floor(Date.now() / 1000) * 1000);
    const v1 = '[a]\n_server_list = 10.0.0.1\n';
    const v2 = '[a]\n_server_list = 10.0.0.2\n';
    const v3 = '[a]\n_server_list = 10.0.0.3\n';
    await writeFile(file, v1);
    await utimes(file, second, second);
    const { w, changes } = watcher();
    await w.start();
    for (const next of [v2, v3]) {
      await writeFile(file, next);
      await utimes(file, second, second);
      expect(await w.check()).toBe('edit');
    }
    expect(changes.map((c) => c.config.groups[0].servers[0].id)).toEqual(['10.0.0.1:5191', '10.0.0.2:5191', '10.0.0.3:5191']);
  });

  test('polling picks up an edit on its own', async () => {
    await writeFile(file, good1);
    const { w } = watcher({ pollIntervalMs: 20 });
    await w.start();
    const change = nextChange(w);
    await writeFile(file, good2);
    expect((await change).kind).toBe('edit');
  });

  test('fs.watch picks up an editor-style save (write elsewhere, rename over)', async () => {
    await writeFile(file, good1);
    const { w } = watcher({ watch: true });
    await w.start();
    const change = nextChange(w);
    await writeFile(join(dir, 'group.conf.swp'), good2);
    await rename(join(dir, 'group.conf.swp'), file);
    expect((await change).diff.added).toEqual(['c']);
  });

  test('a validate hook (B/C against existing tables) makes an edit invalid', async () => {
    await writeFile(file, '[a]\n_server_list = 10.0.0.1\n');
    const tables = new Map([['a', { bucketCount: 1023, copyCount: 1 }]]);
    const { w, invalids } = watcher({ validate: (groups) => checkTableShapes(groups, tables, file) });
    await w.start();
    await writeFile(file, '[a]\n_server_list = 10.0.0.1\n_bucket_number = 2047\n');
    expect(await w.check()).toBe('invalid');
    expect(invalids[0].problems.map((p) => `${p.line}: ${p.key}`)).toEqual(['3: _bucket_number']);
    expect(w.current?.groups[0].bucketCount).toBe(1023);
  });

  test('a missing file is invalid until it appears; deleting it later keeps the last good config', async () => {
    const { w, invalids } = watcher();
    expect(await w.start()).toBe('invalid');
    expect(invalids[0].problems.map(formatConfigProblem)).toEqual([`${file}:1: (file): file not found`]);
    expect(await w.check()).toBe('invalid');
    expect(invalids).toHaveLength(1);
    await writeFile(file, good1);
    expect(await w.check()).toBe('initial');
    await unlink(file);
    expect(await w.check()).toBe('invalid');
    expect(w.current?.groups).toHaveLength(2);
  });

  test('an emptied file (a half-written save) does not unload every group', async () => {
    await writeFile(file, good1);
    const { w } = watcher();
    await w.start();
    await writeFile(file, '');
    expect(await w.check()).toBe('invalid');
    expect(w.current?.groups).toHaveLength(2);
  });

  test('close() leaves no timer or fs watcher behind, and nothing fires afterwards', async () => {
    await writeFile(file, good1);
    const count = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'FSEvent').length;
    const before = count();
    const { w, changes } = watcher({ watch: true, pollIntervalMs: 10, keepAlive: true });
    await w.start();
    expect(count()).toBeGreaterThan(before);
    await w.close();
    expect(count()).toBe(before);
    await writeFile(file, good2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await w.check()).toBe('closed');
    expect(changes).toHaveLength(1);
  });
});
