/**
 * logger — the logs of every `tair-cs` process (config server, data server), one line each:
 *
 *   {"level":30,"time":"2025-01-01T10:00:00.000Z","pid":4242,"role":"configserver","msg":"…",…}
 *
 * One destination: `log_file` when set, stdout otherwise (never both). Times are ISO 8601 in
 * every process; every line carries the pid and the role (`configserver`, `dataserver`) plus
 * the process's own fields given as `base` (a data server's port), and no line repeats them.
 * `format: 'pretty'` writes the same lines for people (log-pretty.ts). SIGHUP reopens the log
 * file, so logrotate can move it away and signal.
 *
 * Writes are asynchronous (SonicBoom); `flushLogs` writes out what is buffered before the
 * process exits, so the last lines of a shutdown are never lost.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../config/configserver-conf.js';
import { prettyLine } from './log-pretty.js';

/** LogFormat — JSON lines for machines, or the pretty lines of log-pretty.ts. */
export type LogFormat = 'json' | 'pretty';

/** logFormats — the accepted `--log-format` values. */
export const logFormats: readonly LogFormat[] = ['json', 'pretty'];

/** ProcessLogOptions — where, how and what a process logs. */
export interface ProcessLogOptions {
  role: 'configserver' | 'dataserver';
  level: LogLevel;
  /** file — the log file; null logs to stdout. */
  file: string | null;
  format?: LogFormat;
  /** base — more fields on every line (e.g. a data server's port). */
  base?: Record<string, unknown>;
}

/** ServerLogger — the logger, how to flush it, and how to reopen its file. */
export interface ServerLogger {
  logger: Logger;
  flushLogs(): void;
  /** reopenLogs — reopen `file` at its path (after logrotate moved it); nothing for stdout. */
  reopenLogs(): void;
}

/** createProcessLogger — see the file comment. */
export function createProcessLogger(options: ProcessLogOptions): ServerLogger {
  if (options.file !== null) mkdirSync(dirname(options.file), { recursive: true });
  const destination = pino.destination({ dest: options.file ?? 1, sync: false, mkdir: true });
  const stream: DestinationStream = options.format === 'pretty' ? { write: (line: string) => destination.write(prettyLine(line)) } : destination;
  const logger = pino(
    { level: options.level, base: { pid: process.pid, role: options.role, ...options.base }, timestamp: pino.stdTimeFunctions.isoTime },
    stream,
  );
  return {
    logger,
    flushLogs() {
      try {
        destination.flushSync();
      } catch {
        // A stream that never opened has nothing to flush.
      }
    },
    reopenLogs() {
      if (options.file !== null) destination.reopen();
    },
  };
}

/** reopenOnHangup — SIGHUP reopens the log file (and no longer ends the process); returns the remover. */
export function reopenOnHangup(log: ServerLogger): () => void {
  const onHangup = (): void => {
    log.reopenLogs();
    log.logger.info({ event: 'log-reopened' }, 'SIGHUP: log file reopened');
  };
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}
