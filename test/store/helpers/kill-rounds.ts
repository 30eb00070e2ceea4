/**
 * kill-rounds — rounds of "start a child that saves version after version, SIGKILL it after a
 * random delay, load what is on disk": the crash tests of the snapshot and of the log. The child
 * prints `start N` before it saves version N and `saved N` once the save returned.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { expect } from 'vitest';
import type { PersistedGroupTable } from '../../../src/store/table-store.js';
import { loadGroupTable } from '../../../src/store/table-store.js';

/** Round — one child's run: the version it started from, the versions it started and saved. */
export interface Round {
  first: number;
  started: number[];
  saved: number[];
}

/** CrashRounds — the child and how to tell which version a loaded table is and what it must hold. */
export interface CrashRounds {
  childScript: string;
  dataDir: string;
  groupName: string;
  roundCount: number;
  versionOf(table: PersistedGroupTable): number;
  expectedAt(rounds: readonly Round[], version: number): PersistedGroupTable;
  same(loaded: PersistedGroupTable, expected: PersistedGroupTable): boolean;
}

/**
 * crashRounds — every round the group loads as exactly one version that was started, never older
 * than the last confirmed, with the content that version had; some kill lands mid-save; nothing
 * is ever moved aside as corrupt.
 */
export async function crashRounds(options: CrashRounds): Promise<void> {
  const { dataDir, groupName } = options;
  const rounds: Round[] = [];
  let next = 1;
  let lastConfirmed = 0;
  let killedMidSave = 0;
  for (let roundIndex = 0; roundIndex < options.roundCount; roundIndex++) {
    const round = await runAndKill(options.childScript, dataDir, next, 20 + Math.floor(Math.random() * 200));
    rounds.push(round);
    const lastStarted = round.started.at(-1) ?? next - 1;
    if ((round.saved.at(-1) ?? -1) < lastStarted) killedMidSave += 1;
    lastConfirmed = Math.max(lastConfirmed, round.saved.at(-1) ?? 0);
    const loaded = await loadGroupTable(dataDir, groupName);
    if (lastConfirmed === 0 && loaded.status === 'missing') continue;
    expect(loaded.status, `round ${roundIndex}: ${loaded.status === 'corrupt' ? loaded.reason : ''}`).toBe('ok');
    if (loaded.status !== 'ok') return;
    const version = options.versionOf(loaded.table);
    expect(version).toBeGreaterThanOrEqual(lastConfirmed);
    expect(version).toBeLessThanOrEqual(lastStarted);
    expect(options.same(loaded.table, options.expectedAt(rounds, version))).toBe(true);
    next = lastStarted + 1;
  }
  expect(killedMidSave).toBeGreaterThan(0);
  expect((await readdir(dataDir)).filter((name) => name.includes('.corrupt-'))).toEqual([]);
}

/** runAndKill — starts the child at version `first`, SIGKILLs it `delayMs` after its first line, reports what it said. */
function runAndKill(childScript: string, dataDir: string, first: number, delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, dataDir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const round: Round = { first, started: [], saved: [] };
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
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
      if (signal !== 'SIGKILL') reject(new Error(`the save loop exited on its own: ${stderr}`));
      else resolve(round);
    });
  });
}
