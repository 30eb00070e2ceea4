/**
 * dataserver-command — `tair-cs dataserver --port P --config-servers a:p[,b:p] --group G
 * [--host IP] [--log-level info] [--log-format json|pretty] [--pid-file FILE]`: runs a reference
 * data server on IP:P (default 127.0.0.1; the config servers know it by that address)
 * (docs/data-protocol.md).
 *
 * With --pid-file it refuses to start over a live process named there, and removes the file
 * when it stops (as the config server's pid_file; `tair-cs demo` gives every data server one).
 * Logs to stdout, the config server's format (src/server/logger.ts: ISO times, pid, role, and
 * the port once per line). SIGTERM or SIGINT stops it cleanly (exit 0). Bad arguments: exit 2,
 * one line on stderr; the port already taken: exit 1.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LogLevel } from '../config/configserver-conf.js';
import { InputError } from '../errors.js';
import { createProcessLogger, type LogFormat, logFormats } from '../server/logger.js';
import { releasePidFile } from '../server/pid-file.js';
import { claimPidFile } from './claim-pid-file.js';
import { defaultConfigServerPort, parseServerAddress } from '../common/server-id.js';
import { DataServer } from '../dataserver/data-server.js';

const usage =
  'usage: tair-cs dataserver --port P --config-servers ip:port[,ip:port] --group NAME [--host IP] [--log-level info] [--log-format json|pretty] [--pid-file FILE]\n';
const levels: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** run — the arguments after `tair-cs dataserver`; resolves with the exit code once stopped. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let options: DataServerArgs;
  try {
    options = parseDataServerArgs(argv);
  } catch (error) {
    process.stderr.write(`tair-cs dataserver: ${(error as Error).message}\n`);
    return 2;
  }
  if (options.pidFile !== null && !claimPidFile(options.pidFile, 'dataserver')) return 1;
  const pidFile = options.pidFile;
  const release = (): void => {
    if (pidFile !== null) releasePidFile(pidFile);
  };
  const { logger, flushLogs } = createProcessLogger({
    role: 'dataserver',
    level: options.level,
    file: null,
    format: options.format,
    base: { port: options.port },
  });
  const server = new DataServer({ ...options, logger });
  try {
    await server.start();
  } catch (error) {
    logger.fatal({ reason: (error as Error).message }, 'data server could not start');
    process.stderr.write(`tair-cs dataserver: ${(error as Error).message}\n`);
    await server.stop().catch(() => undefined);
    release();
    flushLogs();
    return 1;
  }
  return new Promise((resolve) => {
    let stopping = false;
    // Only the first signal stops it; a second one (Ctrl-C to the process group, then the
    // demo's SIGTERM) must not kill it before its pid file is released.
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      server
        .stop()
        .then(
          () => resolve(0),
          () => resolve(1),
        )
        .finally(() => {
          release();
          flushLogs();
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

interface DataServerArgs {
  port: number;
  configServers: string[];
  groupName: string;
  level: LogLevel;
  format: LogFormat;
  pidFile: string | null;
  /** host — the address it listens on and is known by. */
  host: string;
}

function parseDataServerArgs(argv: string[]): DataServerArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'config-servers': { type: 'string' },
      group: { type: 'string' },
      host: { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'pid-file': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.port || !/^\d{1,5}$/.test(values.port) || Number(values.port) < 1 || Number(values.port) > 65_535) {
    throw new InputError(`--port must be a port number 1..65535${values.port ? `, got '${values.port}'` : ''}`);
  }
  if (!values['config-servers']) throw new InputError('missing --config-servers ip:port[,ip:port]');
  if (!values.group) throw new InputError('missing --group NAME');
  const configServers = values['config-servers'].split(',').filter((entry) => entry.trim() !== '');
  if (configServers.length === 0) throw new InputError('--config-servers lists no server');
  for (const entry of configServers) parseServerAddress(entry, defaultConfigServerPort);
  const level = values['log-level'] ?? 'info';
  if (!levels.includes(level)) throw new InputError(`--log-level must be one of ${levels.join(', ')}`);
  const format = values['log-format'] ?? 'json';
  if (!logFormats.includes(format as LogFormat)) throw new InputError(`--log-format must be json or pretty, got '${format}'`);
  const host = parseServerAddress(values.host ?? '127.0.0.1', defaultConfigServerPort).ip;
  return {
    port: Number(values.port),
    configServers,
    groupName: values.group,
    level: level as LogLevel,
    format: format as LogFormat,
    pidFile: values['pid-file'] ? resolve(values['pid-file']) : null,
    host,
  };
}
