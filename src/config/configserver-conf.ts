/**
 * configserver-conf — parses configserver.conf, plus the keys the original lacks:
 *
 *   [public]
 *   config_server = 127.0.0.1:5198     the pair; entry 0 is the default primary (first two used)
 *   config_server = 127.0.0.1:5298
 *   [configserver]
 *   port      = 5198                   listen port, default port of config_server entries
 *   address   = 127.0.0.1:5198         new: this server's own entry (the original guessed from a NIC)
 *   http_port = 5199                   new: status API
 *   group_file = group.conf            relative paths are resolved against this file's directory
 *   data_dir = data   pid_file = cfgsvr.pid   log_level = info
 *   log_file = cfgsvr.log              the logs go here instead of stdout (none: stdout)
 *   peer_timeout_ms = 1500             new: the peer's silence before a takeover (docs/pair.md)
 *   takeover_needs_report = 0          new: 1 = take over only when a data server reports the peer unreachable
 *   admin_allow = 10.0.0.0/8, ::1      new: who may send admin commands and 1500 (default: loopback
 *                                      and the config_server hosts; docs/operations.md "Security")
 *   admin_secret_file = admin.key      new: HMAC key; then admin requests must be signed (loopback
 *   (or admin_secret = …)                   excepted) and the pair signs its messages
 *   http_address = 10.1.0.5[:5199]     new: where the HTTP surface listens (default: address's IP)
 *   coordination = etcd                new: quorum mode (src/quorum/quorum-config.ts has its etcd_* keys);
 *                                      then config_server lists every server of the service (up to
 *                                      configServerCountMax), and the pair's keys are refused
 *   [tairserver]
 *   port = 5191                        default data-server port in _server_list
 */
import { networkInterfaces } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { ConfigProblem } from '../errors.js';
import { ConfigError, InputError } from '../errors.js';
import { configFileBytesMax, configServerCountMax, migrationVersionIntervalMsMax, peerTimeoutMsMax, peerTimeoutMsMin } from '../limits.js';
import { defaultConfigServerPort, defaultDataServerPort, formatServerId, parseServerAddress, serverIdFromAddress } from '../common/server-id.js';
import type { AddressEntry } from '../security/address-filter.js';
import { AdminSecret, checkSecretBytes, readAdminSecretFile } from '../security/admin-secret.js';
import type { Coordination, EtcdSettings } from '../quorum/quorum-config.js';
import { quorumConfKeys, readQuorumConfig } from '../quorum/quorum-config.js';
import { readConfigFile } from './config-file.js';
import { defaultAdminAllow, readAdminAllow, readHttpAddress } from './security-keys.js';
import { readFlag, readInteger, splitList } from './config-values.js';
import type { IniEntry, IniSection } from './ini-dialect.js';
import { clip, scanIni } from './ini-dialect.js';
import { unknownKeyMessage } from './nearest-key.js';
import { fileProblemKey, ProblemList } from './problem-list.js';

/** LogLevel — pino's level names; Tair's `warning` is accepted as `warn`. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** ConfigServerConfig — configserver.conf resolved: defaults applied, paths absolute. */
export interface ConfigServerConfig {
  /** configServers — `ip:port` of the pair (at most two; entry 0 is the default primary), or of every server in quorum mode. */
  configServers: string[];
  port: number;
  /** address — this server's own `ip:port`, one of configServers. */
  address: string;
  httpPort: number | null;
  groupFile: string;
  dataDir: string;
  /** logFile — where the logs go; null (no `log_file`) = stdout. */
  logFile: string | null;
  pidFile: string;
  logLevel: LogLevel;
  /** dataServerPort — `[tairserver] port`, the default port of `_server_list` entries. */
  dataServerPort: number;
  /** peerTimeoutMs — how long the pair's other server may be silent before a takeover (src/pair). */
  peerTimeoutMs: number;
  /** takeoverNeedsReport — take over only when at least one data server reports the peer unreachable. */
  takeoverNeedsReport: boolean;
  /** adminAllow — sources allowed to change state (admin commands, 1500); default loopback + config_server hosts. */
  adminAllow: AddressEntry[];
  /** adminSecret — the signing key (from admin_secret, or admin_secret_file once loaded), null = none. */
  adminSecret: AdminSecret | null;
  /** adminSecretFile — where the key is read from (loadConfigServerConf reads it), null = none. */
  adminSecretFile: string | null;
  /** httpAddress — the IP the HTTP surface binds; null = the IP of `address`. */
  httpAddress: string | null;
  /** migrationVersionIntervalMs — finished buckets are published together, one version per this interval. */
  migrationVersionIntervalMs: number;
  /** coordination — `pair` (the default: src/pair) or `etcd` (quorum mode: src/quorum). */
  coordination: Coordination;
  /** etcd — how to reach etcd when coordination is `etcd`, else null. */
  etcd: EtcdSettings | null;
}

/** ConfigServerConfOptions — lets tests say which IPv4 addresses count as "this host". */
export interface ConfigServerConfOptions {
  localAddresses?: readonly string[];
}

const knownKeys = new Map<string, readonly string[]>([
  ['public', ['config_server']],
  [
    'configserver',
    [
      'port',
      'address',
      'http_port',
      'group_file',
      'data_dir',
      'log_file',
      'pid_file',
      'log_level',
      'peer_timeout_ms',
      'takeover_needs_report',
      'admin_allow',
      'admin_secret',
      'admin_secret_file',
      'http_address',
      'migration_version_interval_ms',
      ...quorumConfKeys,
      // Read by the original, meaningless here; accepted so its files load unchanged.
      'dev_name',
      'process_thread_num',
      'io_thread_num',
    ],
  ],
  ['tairserver', ['port']],
]);
const multiValueKeys = ['config_server', 'admin_allow'];
const logLevels = new Map<string, LogLevel>([
  ['trace', 'trace'],
  ['debug', 'debug'],
  ['info', 'info'],
  ['warn', 'warn'],
  ['warning', 'warn'],
  ['error', 'error'],
  ['fatal', 'fatal'],
]);
const configServerPairSize = 2;
/** pairOnlyKeys — keys of the pair's failover, which quorum mode does not have. */
const pairOnlyKeys = ['peer_timeout_ms', 'takeover_needs_report'];
/** defaultPeerTimeoutMs — 1.5 s of silence, then evidence and one save: a takeover within 3 s. */
export const defaultPeerTimeoutMs = 1500;
/** defaultMigrationVersionIntervalMs — one version per second of finished buckets: data servers poll once a second anyway. */
export const defaultMigrationVersionIntervalMs = 1000;

type SectionKeys = Map<string, IniEntry[]>;

/** parseConfigServerConf — configserver.conf text to a config, or null with every problem found. */
export function parseConfigServerConf(
  text: string,
  file: string,
  options: ConfigServerConfOptions = {},
): { config: ConfigServerConfig | null; problems: ConfigProblem[] } {
  const problems = new ProblemList(file);
  if (Buffer.byteLength(text) > configFileBytesMax) {
    problems.add(1, fileProblemKey, `file is over the ${configFileBytesMax}-byte limit`);
    return { config: null, problems: problems.toArray() };
  }
  const sections = indexSections(scanIni(text, problems), problems);
  const first = (section: string, key: string) => sections.get(section)?.get(key)?.[0];
  const baseDir = dirname(resolve(file));
  const path = (key: string, fallback: string | null): string => resolve(baseDir, readPath(first('configserver', key), fallback, problems));
  const quorum = readQuorumConfig(sections.get('configserver'), baseDir, problems);
  if (quorum.coordination === 'etcd') refusePairKeys(sections.get('configserver'), problems);
  const own = resolveOwnAddress(sections, options, problems, quorum.coordination);
  const http = readHttpAddress(first('configserver', 'http_address'), first('configserver', 'http_port'), problems);
  const ownIp = own.address.slice(0, own.address.lastIndexOf(':'));
  if (http.port !== null && http.port === own.port && (http.ip === null || http.ip === ownIp)) {
    problems.add(http.line, 'http_port', `must differ from the config server port ${own.port}`);
  }
  const allowEntries = sections.get('configserver')?.get('admin_allow');
  const secret = readSecretKeys(first('configserver', 'admin_secret'), first('configserver', 'admin_secret_file'), baseDir, problems);
  const config: ConfigServerConfig = {
    configServers: own.configServers,
    port: own.port,
    address: own.address,
    httpPort: http.port,
    groupFile: path('group_file', null),
    dataDir: path('data_dir', 'data'),
    logFile: first('configserver', 'log_file') ? path('log_file', null) : null,
    pidFile: path('pid_file', 'cfgsvr.pid'),
    logLevel: readLogLevel(first('configserver', 'log_level'), problems),
    dataServerPort: readInteger(first('tairserver', 'port'), defaultDataServerPort, 1, 65_535, problems),
    peerTimeoutMs: readInteger(first('configserver', 'peer_timeout_ms'), defaultPeerTimeoutMs, peerTimeoutMsMin, peerTimeoutMsMax, problems),
    takeoverNeedsReport: readFlag(first('configserver', 'takeover_needs_report'), false, problems),
    adminAllow: allowEntries ? readAdminAllow(allowEntries, problems) : defaultAdminAllow(own.configServers),
    adminSecret: secret.secret,
    adminSecretFile: secret.file,
    httpAddress: http.ip,
    migrationVersionIntervalMs: readInteger(
      first('configserver', 'migration_version_interval_ms'),
      defaultMigrationVersionIntervalMs,
      0,
      migrationVersionIntervalMsMax,
      problems,
    ),
    coordination: quorum.coordination,
    etcd: quorum.etcd,
  };
  if (!first('configserver', 'group_file')) {
    problems.add(1, 'group_file', '[configserver] group_file is required (the path of group.conf)');
  }
  return problems.isEmpty() ? { config, problems: [] } : { config: null, problems: problems.toArray() };
}

/** loadConfigServerConf — reads and parses configserver.conf; throws ConfigError listing every problem. */
export async function loadConfigServerConf(path: string, options: ConfigServerConfOptions = {}): Promise<ConfigServerConfig> {
  const read = await readConfigFile(path);
  if (!read.ok) throw new ConfigError([read.problem]);
  const { config, problems } = parseConfigServerConf(read.text, path, options);
  if (!config) throw new ConfigError(problems);
  return loadAdminSecret(config, path);
}

/**
 * loadAdminSecret — the config with the key of `admin_secret_file` read in; an unreadable or
 * too short key is a ConfigError (a server that should sign must not start without its key).
 */
export async function loadAdminSecret(config: ConfigServerConfig, confPath: string): Promise<ConfigServerConfig> {
  if (config.adminSecretFile === null || config.adminSecret !== null) return config;
  const read = await readAdminSecretFile(config.adminSecretFile);
  if ('problem' in read) throw new ConfigError([{ file: confPath, line: 1, key: 'admin_secret_file', message: read.problem }]);
  return { ...config, adminSecret: read.secret };
}

function indexSections(sections: IniSection[], problems: ProblemList): Map<string, SectionKeys> {
  const result = new Map<string, SectionKeys>();
  const sectionNames = [...knownKeys.keys()];
  for (const section of sections) {
    if (!section.valid) continue;
    const known = knownKeys.get(section.name);
    if (!known) {
      problems.add(section.line, `[${section.name}]`, unknownKeyMessage('section', section.name, sectionNames));
      continue;
    }
    const keys: SectionKeys = new Map();
    for (const entry of section.entries) {
      if (!known.includes(entry.key)) {
        // [tairserver] is the data servers' section too; we read only its port.
        if (section.name !== 'tairserver') {
          problems.add(entry.line, entry.key, unknownKeyMessage(`key in [${section.name}]`, entry.key, known));
        }
        continue;
      }
      const list = keys.get(entry.key);
      if (!list) keys.set(entry.key, [entry]);
      else if (multiValueKeys.includes(entry.key)) list.push(entry);
      else problems.add(entry.line, entry.key, `given twice (first at line ${list[0].line}); only one value is allowed`);
    }
    result.set(section.name, keys);
  }
  return result;
}

interface OwnAddress {
  configServers: string[];
  port: number;
  address: string;
}

/**
 * resolveOwnAddress — the config servers (the pair, or every server in quorum mode) and this
 * server's entry among them. `address` wins; without it, the config_server entry on our port, preferring one whose IP
 * belongs to this host; else 127.0.0.1.
 */
function resolveOwnAddress(
  sections: Map<string, SectionKeys>,
  options: ConfigServerConfOptions,
  problems: ProblemList,
  coordination: Coordination,
): OwnAddress {
  const portEntry = sections.get('configserver')?.get('port')?.[0];
  const addressEntry = sections.get('configserver')?.get('address')?.[0];
  let port = readInteger(portEntry, defaultConfigServerPort, 1, 65_535, problems);
  let address = addressEntry ? readAddress(addressEntry, addressEntry.value, port, problems) : null;
  if (address && addressEntry && /:\d+$/.test(addressEntry.value)) {
    const addressPort = Number(address.slice(address.lastIndexOf(':') + 1));
    if (!portEntry) port = addressPort;
    else if (addressPort !== port) {
      problems.add(addressEntry.line, 'address', `port ${addressPort} differs from [configserver] port ${port}`);
    }
  }
  const serverEntries = sections.get('public')?.get('config_server') ?? [];
  const configServers = readConfigServers(serverEntries, port, coordination, problems);
  address ??= defaultOwnAddress(configServers, port, serverEntries[0]?.line ?? 1, options, problems);
  if (configServers.length === 0) return { configServers: [address], port, address };
  if (!configServers.includes(address)) {
    problems.add(
      addressEntry?.line ?? 1,
      'address',
      `this server (${address}) is not one of config_server ${configServers.join(', ')}; ` + 'set [configserver] address to its entry',
    );
  }
  return { configServers, port, address };
}

/**
 * readConfigServers — every entry validated. A pair uses the first two valid entries and ignores
 * the rest, as the original does; quorum mode uses them all, up to configServerCountMax.
 */
function readConfigServers(entries: readonly IniEntry[], port: number, coordination: Coordination, problems: ProblemList): string[] {
  const servers: string[] = [];
  for (const entry of entries) {
    for (const text of splitList(entry.value)) {
      const address = readAddress(entry, text, port, problems);
      if (!address) continue;
      if (servers.includes(address)) problems.add(entry.line, entry.key, `${address} is listed twice`);
      else servers.push(address);
      if (coordination === 'etcd' && servers.length === configServerCountMax + 1) {
        problems.add(entry.line, entry.key, `${address} is config server ${servers.length}, over the limit of ${configServerCountMax}`);
      }
    }
  }
  return servers.slice(0, coordination === 'etcd' ? configServerCountMax : configServerPairSize);
}

/** refusePairKeys — a pair key in quorum mode is a leftover that would silently do nothing. */
function refusePairKeys(section: SectionKeys | undefined, problems: ProblemList): void {
  for (const key of pairOnlyKeys) {
    const entry = section?.get(key)?.[0];
    if (entry) problems.add(entry.line, key, 'only used with coordination = pair (quorum mode has no peer to time out)');
  }
}

function defaultOwnAddress(configServers: readonly string[], port: number, line: number, options: ConfigServerConfOptions, problems: ProblemList): string {
  const onPort = configServers.filter((server) => server.endsWith(`:${port}`));
  if (onPort.length <= 1) return onPort[0] ?? `127.0.0.1:${port}`;
  const local = options.localAddresses ?? localIpv4Addresses();
  const mine = onPort.filter((server) => local.includes(server.slice(0, server.lastIndexOf(':'))));
  if (mine.length === 1) return mine[0];
  problems.add(line, 'address', `cannot tell which of ${onPort.join(', ')} is this server; set [configserver] address`);
  return onPort[0];
}

function localIpv4Addresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((nic) => nic.family === 'IPv4')
    .map((nic) => nic.address);
}

function readAddress(entry: IniEntry, text: string, port: number, problems: ProblemList): string | null {
  try {
    return formatServerId(serverIdFromAddress(parseServerAddress(text, port)));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    problems.add(entry.line, entry.key, error.message);
    return null;
  }
}

function readPath(entry: IniEntry | undefined, fallback: string | null, problems: ProblemList): string {
  if (entry && entry.value !== '') return entry.value;
  if (entry) problems.add(entry.line, entry.key, 'must not be empty');
  return fallback ?? '.';
}

function readSecretKeys(
  inline: IniEntry | undefined,
  fileEntry: IniEntry | undefined,
  baseDir: string,
  problems: ProblemList,
): { secret: AdminSecret | null; file: string | null } {
  if (inline && fileEntry) {
    problems.add(fileEntry.line, fileEntry.key, `give admin_secret or admin_secret_file, not both (admin_secret at line ${inline.line})`);
    return { secret: null, file: null };
  }
  if (fileEntry) return { secret: null, file: resolve(baseDir, readPath(fileEntry, null, problems)) };
  if (!inline) return { secret: null, file: null };
  const key = Buffer.from(inline.value, 'utf8');
  const problem = checkSecretBytes(key);
  if (problem) {
    problems.add(inline.line, inline.key, problem);
    return { secret: null, file: null };
  }
  return { secret: new AdminSecret(key), file: null };
}

function readLogLevel(entry: IniEntry | undefined, problems: ProblemList): LogLevel {
  if (!entry) return 'info';
  const level = logLevels.get(entry.value.toLowerCase());
  if (level) return level;
  problems.add(entry.line, entry.key, `must be one of trace, debug, info, warn, error, fatal; got '${clip(entry.value)}'`);
  return 'info';
}
