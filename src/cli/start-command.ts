/**
 * start-command — `tair-cs start [--config configserver.conf]`: the config server in the foreground.
 *
 *   exit 0   stopped by SIGTERM or SIGINT (state saved, pid file removed)
 *   exit 1   bad configuration, a live pid file, or a failed start (reason on stderr and in the log)
 *   exit 2   bad usage
 *
 * Logs are JSON lines (pino) in `log_file` when set, else on stdout (src/server/logger.ts);
 * the first `listening` line carries the bound address. SIGHUP reopens the log file. The timing
 * options exist for tests and experiments; the defaults are the ones documented in
 * src/cluster/types.ts.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatConfigProblem } from '../errors.js';
import { ConfigError } from '../errors.js';
import { type ConfigServerConfig, loadConfigServerConf } from '../config/configserver-conf.js';
import type { ClusterOptions } from '../cluster/index.js';
import { ConfigServer } from '../server/config-server.js';
import { createProcessLogger, type LogFormat, logFormats, reopenOnHangup } from '../server/logger.js';
import { releasePidFile } from '../server/pid-file.js';
import { claimPidFile } from './claim-pid-file.js';
import { defaultConfigCandidates, defaultConfigPath } from './default-config.js';

const usage = `usage: tair-cs start [--config configserver.conf] [options]

  --config FILE                 configserver.conf (default: the first of ${defaultConfigCandidates.join(', ')} that exists)
  --log-format json|pretty      JSON lines (default) or lines for people
  --settle-ms N                 cold-start window after the first heartbeat (default max(T, 3000))
  --stuck-migration-ms N        re-plan a migration whose live source finished nothing for N ms (default 600000)
  --consistency-check-ms N      period of the migration recount (default 300000)
  --tick-ms N                   period of the main loop (default 200)
`;

/** forcedExitMs — after a clean stop, give lingering handles this long before exiting anyway. */
const forcedExitMs = 3000;

/** run — entry of `tair-cs start`; resolves with the exit code once the server has stopped. */
export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        'settle-ms': { type: 'string' },
        'stuck-migration-ms': { type: 'string' },
        'consistency-check-ms': { type: 'string' },
        'tick-ms': { type: 'string' },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const format = values['log-format'] ?? 'json';
  if (!logFormats.includes(format as LogFormat)) return usageError(`--log-format must be json or pretty, got '${String(format)}'`);
  const numbers = readNumbers(values);
  if (typeof numbers === 'string') return usageError(numbers);
  let configPath = typeof values.config === 'string' ? values.config : defaultConfigPath();
  if (typeof values.config !== 'string' && !existsSync(configPath)) {
    return usageError(`--config is required: there is no ${defaultConfigCandidates.join(' or ')} here`);
  }
  configPath = resolve(configPath);
  return serve(configPath, numbers, format as LogFormat);
}

async function serve(configPath: string, numbers: Map<string, number>, format: LogFormat): Promise<number> {
  let config: ConfigServerConfig;
  try {
    config = await loadConfigServerConf(configPath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`tair-cs start: ${configPath} is invalid:\n${error.problems.map(formatConfigProblem).join('\n')}\n`);
    return 1;
  }
  if (!claimPidFile(config.pidFile, 'start')) return 1;
  const log = createProcessLogger({ role: 'configserver', level: config.logLevel, file: config.logFile, format });
  const { logger, flushLogs } = log;
  const stopReopening = reopenOnHangup(log);
  if (config.logFile !== null) process.stderr.write(`tair-cs start: logging to ${config.logFile}\n`);
  const cluster: Partial<ClusterOptions> = {};
  if (numbers.has('settle-ms')) cluster.settleMs = numbers.get('settle-ms');
  if (numbers.has('stuck-migration-ms')) cluster.stuckMigrationMs = numbers.get('stuck-migration-ms');
  if (numbers.has('consistency-check-ms')) cluster.consistencyCheckMs = numbers.get('consistency-check-ms');
  const server = new ConfigServer(config, logger, { cluster, tickMs: numbers.get('tick-ms') });
  try {
    await server.start();
  } catch (error) {
    const message = error instanceof ConfigError ? `group.conf is invalid:\n${error.message}` : error instanceof Error ? error.message : String(error);
    logger.fatal({ event: 'start-failed', err: error }, `cannot start: ${message}`);
    flushLogs();
    process.stderr.write(`tair-cs start: cannot start: ${message}\n`);
    await server.stop().catch(() => undefined);
    releasePidFile(config.pidFile);
    return 1;
  }
  const signal = await waitForStopSignal();
  logger.info({ event: 'stopping', signal }, `${signal} received; stopping`);
  await server.stop();
  releasePidFile(config.pidFile);
  stopReopening();
  flushLogs();
  setTimeout(() => process.exit(0), forcedExitMs).unref();
  return 0;
}

// The first SIGTERM or SIGINT stops the server; later ones (Ctrl-C reaches a whole process
// group, then a supervisor sends SIGTERM too) are ignored rather than killing it mid-save.
function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (!stopping) resolve(signal);
      stopping = true;
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

function readNumbers(values: Record<string, string | boolean | undefined>): Map<string, number> | string {
  const numbers = new Map<string, number>();
  for (const name of ['settle-ms', 'stuck-migration-ms', 'consistency-check-ms', 'tick-ms']) {
    const text = values[name];
    if (typeof text !== 'string') continue;
    if (!/^\d{1,9}$/.test(text)) return `--${name} must be a whole number of milliseconds, got '${text}'`;
    numbers.set(name, Number(text));
  }
  if (numbers.get('tick-ms') === 0) return '--tick-ms must be at least 1';
  return numbers;
}

function usageError(message: string): number {
  process.stderr.write(`tair-cs start: ${message}\n${usage}`);
  return 2;
}
