/**
 * descriptor-limit — how many connections fit under this process's open-file limit.
 *
 * Node raises its soft RLIMIT_NOFILE to the hard limit when it starts, so the limit in force is
 * the hard one (raise it with `ulimit -Hn`, systemd's LimitNOFILE= or /etc/security/limits.conf;
 * docs/operations.md "Security"). We read it from /proc/self/limits and keep
 * descriptorReserveCount descriptors free for table files, group.conf, logs, the peer, HTTP and
 * the engine worker, so a flood of connections can never make a save fail with EMFILE.
 *
 *   connections allowed = min(connectionCountMax, soft limit − reserve), at least minimumConnectionCount
 */
import { readFileSync } from 'node:fs';
import { connectionCountMax, descriptorReserveCount } from '../limits.js';

/** DescriptorLimit — the open-file limits of this process (null when the platform does not say). */
export interface DescriptorLimit {
  soft: number;
  hard: number;
}

/** minimumConnectionCount — even under a tiny limit, a few data servers and the peer get in. */
export const minimumConnectionCount = 16;

/** parseOpenFileLimit — the "Max open files" line of /proc/<pid>/limits ("unlimited" counts as 2^31). */
export function parseOpenFileLimit(limitsText: string): DescriptorLimit | null {
  const line = limitsText.split('\n').find((entry) => entry.startsWith('Max open files'));
  const match = line ? /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(line) : null;
  if (!match) return null;
  const value = (text: string) => (text === 'unlimited' ? 2 ** 31 : Number(text));
  return { soft: value(match[1]), hard: value(match[2]) };
}

/** readOpenFileLimit — this process's limit, or null off Linux. */
export function readOpenFileLimit(): DescriptorLimit | null {
  try {
    return parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return null;
  }
}

/** connectionCountFor — the connection cap under `limit` (connectionCountMax when it is unknown). */
export function connectionCountFor(limit: DescriptorLimit | null): number {
  if (!limit) return connectionCountMax;
  return Math.max(minimumConnectionCount, Math.min(connectionCountMax, limit.soft - descriptorReserveCount));
}
