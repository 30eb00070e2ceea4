/**
 * demo-plan — what `tair-cs demo` runs, read from configserver.conf and its group.conf: one
 * config server and every data server of the first group, each with its log and pid file in
 * the data directory:
 *
 *   <data_dir>/demo.pid                the demo itself
 *   <data_dir>/config-server.log       the config server's output: its logs, unless log_file is
 *                                      set (then they go there and this file keeps its stderr)
 *   pid_file                           the config server's pid file, as configured
 *   <data_dir>/data-server-<port>.log  each data server's logs
 *   <data_dir>/data-server-<port>.pid  each data server's pid file
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseServerAddress } from '../common/server-id.js';
import { loadConfigServerConf } from '../config/configserver-conf.js';
import { loadGroupConf } from '../config/group-conf.js';
import { ConfigError, InputError } from '../errors.js';
import { defaultConfigPath } from './default-config.js';

/** DemoDataServer — one data server of the demo. */
export interface DemoDataServer {
  port: number;
  /** address — `ip:port` as group.conf lists it. */
  address: string;
  logFile: string;
  pidFile: string;
}

/** DemoPlan — see the file comment. */
export interface DemoPlan {
  configPath: string;
  /** usesDefaultConfig — the file `tair-cs demo` reads without --config (so hints can leave it out). */
  usesDefaultConfig: boolean;
  dataDir: string;
  groupName: string;
  /** configServers — `[public] config_server`, what data servers and clients are given. */
  configServers: string[];
  /** configServer — where it listens; logFile is where its logs land, outputFile its stdout and stderr. */
  configServer: { ip: string; port: number; httpPort: number | null; pidFile: string; logFile: string; outputFile: string };
  dataServers: DemoDataServer[];
  demoPidFile: string;
}

/** loadDemoPlan — the plan of a configserver.conf; ConfigError for a bad file, InputError for no group. */
export async function loadDemoPlan(configPath: string): Promise<DemoPlan> {
  const config = await loadConfigServerConf(configPath);
  const groups = await loadGroupConf(config.groupFile, { defaultDataServerPort: config.dataServerPort });
  if (groups.problems.length > 0) throw new ConfigError(groups.problems);
  const group = groups.groups[0];
  if (!group) throw new InputError(`${config.groupFile} has no group`);
  const { ip, port } = parseServerAddress(config.address, config.port);
  const outputFile = join(config.dataDir, 'config-server.log');
  return {
    configPath,
    usesDefaultConfig: resolve(configPath) === defaultConfigPath(),
    dataDir: config.dataDir,
    groupName: group.name,
    configServers: config.configServers,
    configServer: { ip, port, httpPort: config.httpPort, pidFile: config.pidFile, logFile: config.logFile ?? outputFile, outputFile },
    dataServers: group.servers.map((server) => {
      const address = parseServerAddress(server.id, config.dataServerPort);
      return {
        port: address.port,
        address: `${address.ip}:${address.port}`,
        logFile: join(config.dataDir, `data-server-${address.port}.log`),
        pidFile: join(config.dataDir, `data-server-${address.port}.pid`),
      };
    }),
    demoPidFile: join(config.dataDir, 'demo.pid'),
  };
}

/** dataServerArgs — the `tair-cs` arguments that run one data server of the plan. */
export function dataServerArgs(plan: DemoPlan, server: DemoDataServer): string[] {
  return [
    'dataserver',
    '--port',
    String(server.port),
    '--config-servers',
    plan.configServers.join(','),
    '--group',
    plan.groupName,
    '--pid-file',
    server.pidFile,
  ];
}

/**
 * findStoppableDataServer — as findDataServer, and also a data server no longer in group.conf
 * that still has its pid file in the data directory (removed, but not stopped yet).
 */
export function findStoppableDataServer(plan: DemoPlan, text: string): DemoDataServer {
  const port = /^(?:\d{1,3}(?:\.\d{1,3}){3}:)?(\d{1,5})$/.exec(text.trim())?.[1];
  const pidFile = port === undefined ? null : join(plan.dataDir, `data-server-${port}.pid`);
  if (plan.dataServers.some((server) => server.pidFile === pidFile) || pidFile === null || !existsSync(pidFile)) return findDataServer(plan, text);
  return {
    port: Number(port),
    address: text.includes(':') ? text.trim() : `127.0.0.1:${port}`,
    pidFile,
    logFile: join(plan.dataDir, `data-server-${port}.log`),
  };
}

/** findDataServer — a data server of the plan by `port` or `ip:port`; InputError naming the choices. */
export function findDataServer(plan: DemoPlan, text: string): DemoDataServer {
  const found = plan.dataServers.find((server) => server.address === text.trim() || String(server.port) === text.trim());
  if (!found) throw new InputError(`'${text}' is not a data server of the demo (${plan.dataServers.map((server) => server.port).join(', ')})`);
  return found;
}
