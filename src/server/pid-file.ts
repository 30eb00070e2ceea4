/**
 * pid-file — `pid_file` holds the running server's process id; a second server refuses to start
 * over a live one, and a file left by a dead process is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { TairError } from '../errors.js';

/** PidFileError — another live process owns the pid file. */
export class PidFileError extends TairError {
  constructor(message: string) {
    super('ERR_PID_FILE', message);
  }
}

/** acquirePidFile — write our pid, or throw PidFileError when the file names a live process. */
export function acquirePidFile(path: string): void {
  const owner = readPid(path);
  if (owner !== null && owner !== process.pid && isAlive(owner)) {
    throw new PidFileError(`${path} names process ${owner}, which is running; stop it first (kill ${owner}), or remove the file if that process is not ours`);
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${process.pid}\n`, { mode: 0o644 });
}

/** releasePidFile — remove the pid file if it still names this process. */
export function releasePidFile(path: string): void {
  if (readPid(path) !== process.pid) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}

/** livePid — the process a pid file names when it is running, else null (no file, stale, or our own). */
export function livePid(path: string): number | null {
  const owner = readPid(path);
  return owner !== null && owner !== process.pid && isAlive(owner) ? owner : null;
}

function readPid(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/** isAlive — whether a process with this pid exists (ours or someone else's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else — still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
