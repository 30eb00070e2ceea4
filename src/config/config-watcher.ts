/**
 * config-watcher — keeps the last good group.conf and says when and how it changed.
 *
 *   fs.watch(dir) ─┐ (debounced)
 *   poll timer ────┼─▶ check() ─▶ stat ─▶ read + hash ─▶ parse + validate
 *   check() ───────┘                 │                    ├─ problems ─▶ 'invalid' (last good kept)
 *                          unchanged ◀┘                   └─ ok ───────▶ 'change' {kind, diff}
 *
 * The original compared whole-second mtimes only: two edits in
 * one second could be missed. Here the content hash decides "edit", and a new mtime with the
 * same content is a "touch", which the server treats as the operator's reload lever.
 * The file is re-read on every check while its mtime is recent (a later edit within the same
 * mtime tick could keep size and mtime), and skipped by stat alone once it has been stable.
 * `stat` follows symlinks, so an edit behind a symlink is seen (the original used lstat).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ConfigProblem } from '../errors.js';
import { readConfigFile } from './config-file.js';
import type { GroupConfig } from './group-config.js';
import { parseGroupConf } from './group-conf.js';
import type { GroupConfigDiff } from './group-diff.js';
import { diffGroupConfigs } from './group-diff.js';

/** GroupConfigSnapshot — one good load of group.conf. */
export interface GroupConfigSnapshot {
  file: string;
  groups: GroupConfig[];
  /** fileHash — sha256 hex of the whole file's bytes. */
  fileHash: string;
  mtimeMs: number;
  loadedAtMs: number;
}

/** GroupConfigReloadKind — first good load, content edit, or same content with a new mtime. */
export type GroupConfigReloadKind = 'initial' | 'edit' | 'touch';

/** GroupConfigChangeEvent — payload of 'change': the new config and what differs from the previous one. */
export interface GroupConfigChangeEvent {
  kind: GroupConfigReloadKind;
  config: GroupConfigSnapshot;
  previous: GroupConfigSnapshot | null;
  diff: GroupConfigDiff;
}

/** GroupConfigInvalidEvent — payload of 'invalid': every problem; lastGood stays in force. */
export interface GroupConfigInvalidEvent {
  problems: ConfigProblem[];
  lastGood: GroupConfigSnapshot | null;
}

/** GroupConfigCheckOutcome — what one check found. */
export type GroupConfigCheckOutcome = GroupConfigReloadKind | 'unchanged' | 'invalid' | 'closed';

/** GroupConfigWatcherEvents — the events and their arguments. 'error' carries a listener's exception. */
export interface GroupConfigWatcherEvents {
  change: [GroupConfigChangeEvent];
  invalid: [GroupConfigInvalidEvent];
  error: [unknown];
}

/** GroupConfigWatcherOptions — how to parse and how often to look. */
export interface GroupConfigWatcherOptions {
  defaultDataServerPort: number;
  /** pollIntervalMs — fallback polling period (fs.watch misses edits on some file systems). */
  pollIntervalMs?: number;
  /** watch — also use fs.watch on the file's directory (default true). */
  watch?: boolean;
  /** validate — extra checks (e.g. checkTableShapes); any problem makes the file invalid. */
  validate?: (groups: readonly GroupConfig[]) => ConfigProblem[];
  /** keepAlive — let the poll timer and fs watcher hold the process open (default false). */
  keepAlive?: boolean;
}

interface SeenState {
  hash: string;
  mtimeNs: bigint;
  sizeBytes: number;
  inode: bigint;
  mtimeMs: number;
  readAtMs: number;
}

const defaultPollIntervalMs = 1000;
const debounceMs = 20;
/** racyWindowMs — mtime granularity is up to 2 s (FAT); within it, stat alone cannot prove "unchanged". */
const racyWindowMs = 2000;

/** GroupConfigWatcher — watches group.conf; emits 'change' and 'invalid'; close() releases everything. */
export class GroupConfigWatcher extends EventEmitter<GroupConfigWatcherEvents> {
  readonly file: string;
  private readonly options: GroupConfigWatcherOptions;
  private lastGood: GroupConfigSnapshot | null = null;
  private lastProblemList: ConfigProblem[] = [];
  private seen: SeenState | null = null;
  private lastInvalidKey: string | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private pendingCount = 0;
  private started = false;
  private closed = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private debounceTimer: NodeJS.Timeout | null = null;
  private fsWatcher: FSWatcher | null = null;

  constructor(file: string, options: GroupConfigWatcherOptions) {
    super();
    this.file = file;
    this.options = options;
  }

  /** current — the config in force (last good load), or null before the first good load. */
  get current(): GroupConfigSnapshot | null {
    return this.lastGood;
  }

  /** problems — the problems of the latest invalid load; empty once the file is good again. */
  get problems(): ConfigProblem[] {
    return this.lastProblemList;
  }

  /** start — loads the file once (events fire as for any change) and begins watching and polling. */
  async start(): Promise<GroupConfigCheckOutcome> {
    if (this.started || this.closed) return this.check();
    this.started = true;
    const outcome = await this.check();
    if (this.closed) return 'closed';
    const pollIntervalMs = this.options.pollIntervalMs ?? defaultPollIntervalMs;
    this.pollTimer = setInterval(() => this.checkInBackground(true), pollIntervalMs);
    if (!this.options.keepAlive) this.pollTimer.unref();
    if (this.options.watch !== false) this.startFsWatch();
    return outcome;
  }

  /** check — looks at the file now; checks run one at a time in call order. */
  check(): Promise<GroupConfigCheckOutcome> {
    if (this.closed) return Promise.resolve('closed');
    this.pendingCount += 1;
    const run = this.chain
      .then(() => this.checkOnce())
      .finally(() => {
        this.pendingCount -= 1;
      });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** close — stops watching and polling and waits for a running check; no event fires afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.fsWatcher?.close();
    this.pollTimer = null;
    this.debounceTimer = null;
    this.fsWatcher = null;
    await this.chain;
  }

  private async checkOnce(): Promise<GroupConfigCheckOutcome> {
    if (this.closed) return 'closed';
    if (await this.unchangedByStat()) return 'unchanged';
    const read = await readConfigFile(this.file);
    if (this.closed) return 'closed';
    if (!read.ok) {
      this.seen = null;
      return this.reportInvalid(`unreadable:${read.problem.message}`, [read.problem]);
    }
    const hash = createHash('sha256').update(read.bytes).digest('hex');
    const previousSeen = this.seen;
    const { mtimeNs, sizeBytes, inode, mtimeMs } = read;
    this.seen = { hash, mtimeNs, sizeBytes, inode, mtimeMs, readAtMs: Date.now() };
    if (previousSeen && previousSeen.hash === hash && previousSeen.mtimeNs === mtimeNs) return 'unchanged';
    const parsed = parseGroupConf(read.text, this.file, { defaultDataServerPort: this.options.defaultDataServerPort });
    const problems = parsed.problems.length > 0 ? parsed.problems : (this.options.validate?.(parsed.groups) ?? []);
    if (problems.length > 0) return this.reportInvalid(`${hash}:${read.mtimeNs}`, problems);
    return this.apply(parsed.groups, hash, read.mtimeMs);
  }

  /** unchangedByStat — true only when stat matches what we read and the file was already stable then. */
  private async unchangedByStat(): Promise<boolean> {
    const seen = this.seen;
    if (!seen || seen.readAtMs - seen.mtimeMs <= racyWindowMs) return false;
    const now = await stat(this.file, { bigint: true }).catch(() => null);
    return now !== null && now.mtimeNs === seen.mtimeNs && Number(now.size) === seen.sizeBytes && now.ino === seen.inode;
  }

  private apply(groups: GroupConfig[], hash: string, mtimeMs: number): GroupConfigCheckOutcome {
    const previous = this.lastGood;
    const kind: GroupConfigReloadKind = !previous ? 'initial' : previous.fileHash === hash ? 'touch' : 'edit';
    const config: GroupConfigSnapshot = { file: this.file, groups, fileHash: hash, mtimeMs, loadedAtMs: Date.now() };
    const diff = diffGroupConfigs(previous?.groups ?? [], groups);
    this.lastGood = config;
    this.lastProblemList = [];
    this.lastInvalidKey = null;
    this.emit('change', { kind, config, previous, diff });
    return kind;
  }

  private reportInvalid(key: string, problems: ConfigProblem[]): GroupConfigCheckOutcome {
    this.lastProblemList = problems;
    if (key !== this.lastInvalidKey) {
      this.lastInvalidKey = key;
      this.emit('invalid', { problems, lastGood: this.lastGood });
    }
    return 'invalid';
  }

  private startFsWatch(): void {
    const name = basename(this.file);
    try {
      // The directory, not the file: editors replace the file by rename, which ends a file watch.
      const persistent = this.options.keepAlive ?? false;
      this.fsWatcher = watch(dirname(this.file), { persistent }, (_event, changed) => {
        if (!changed || changed.toString() === name) this.scheduleCheck();
      });
      this.fsWatcher.on('error', () => {
        this.fsWatcher?.close();
        this.fsWatcher = null;
      });
    } catch {
      this.fsWatcher = null; // polling still covers it
    }
  }

  private scheduleCheck(): void {
    if (this.closed || this.debounceTimer) return;
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null;
      this.checkInBackground(false);
    }, debounceMs);
    this.debounceTimer.unref();
  }

  private checkInBackground(skipIfBusy: boolean): void {
    if (this.closed || (skipIfBusy && this.pendingCount > 0)) return;
    this.check().catch((error: unknown) => {
      // Only a throwing listener gets here; never swallow a bug silently.
      if (this.listenerCount('error') > 0) this.emit('error', error);
      else
        process.nextTick(() => {
          throw error;
        });
    });
  }
}
