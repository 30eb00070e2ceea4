/**
 * logger — structured JSON logs (pino) to stdout and to `log_file`, one object per line.
 *
 * Both streams are asynchronous (SonicBoom); `flushLogs` writes out what is buffered before the
 * process exits, so the last lines of a shutdown are never lost.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from '../config/configserver-conf.js';

/** ServerLogger — the logger and how to flush it. */
export interface ServerLogger {
  logger: Logger;
  flushLogs(): void;
}

/** createServerLogger — a logger writing to stdout and `logFile` at `level`. */
export function createServerLogger(logFile: string, level: LogLevel): ServerLogger {
  mkdirSync(dirname(logFile), { recursive: true });
  const toStdout = pino.destination({ dest: 1, sync: false });
  const toFile = pino.destination({ dest: logFile, sync: false, mkdir: true });
  const logger = pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream([
      { stream: toStdout, level },
      { stream: toFile, level },
    ]),
  );
  return {
    logger,
    flushLogs() {
      for (const stream of [toStdout, toFile]) {
        try {
          stream.flushSync();
        } catch {
          // A stream that never opened has nothing to flush.
        }
      }
    },
  };
}
