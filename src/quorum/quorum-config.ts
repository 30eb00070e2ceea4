/**
 * quorum-config — the configserver.conf keys of quorum mode, read from the `[configserver]`
 * section the main parser has already scanned (src/config/configserver-conf.ts hooks it in):
 *
 *   [configserver]
 *   coordination       = etcd                     pair (default) | etcd
 *   etcd_endpoints     = 10.0.0.1:2379, 10.0.0.2:2379, https://10.0.0.3:2379
 *   etcd_prefix        = /tair-config-server/default   every key we write starts with it
 *   etcd_lease_ttl_ms  = 2000                     the leader's lease; whole seconds (etcd's unit)
 *   etcd_ca_file / etcd_cert_file / etcd_key_file TLS: CA bundle, client certificate and key
 *   etcd_user + etcd_password | etcd_password_file  etcd authentication
 *
 * Every problem is reported with its line (ProblemList); relative paths are resolved against
 * the directory of configserver.conf. A `#` cuts a line in this dialect, so a password that
 * contains one must go in etcd_password_file.
 */
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import type { IniEntry } from '../config/ini-dialect.js';
import { clip } from '../config/ini-dialect.js';
import { readInteger, splitList } from '../config/config-values.js';
import type { ProblemList } from '../config/problem-list.js';
import { etcdEndpointCountMax, etcdLeaseTtlMsMax, etcdLeaseTtlMsMin, etcdPrefixBytesMax } from '../limits.js';

/** Coordination — how the config servers agree on a leader. */
export type Coordination = 'pair' | 'etcd';

/** EtcdTls — TLS files for the etcd connection (absolute paths). */
export interface EtcdTls {
  caFile: string | null;
  certFile: string | null;
  keyFile: string | null;
}

/** EtcdAuth — etcd user authentication; exactly one of password and passwordFile is set (JSON and inspect hide the password). */
export interface EtcdAuth {
  user: string;
  password: string | null;
  passwordFile: string | null;
}

/** EtcdSettings — everything needed to reach etcd and lay out our keys. */
export interface EtcdSettings {
  /** endpoints — `http://host:port` or `https://host:port`, in the order given. */
  endpoints: string[];
  /** prefix — starts with `/`, no trailing `/`. */
  prefix: string;
  leaseTtlMs: number;
  tls: EtcdTls | null;
  auth: EtcdAuth | null;
}

/** QuorumConfig — the coordination mode, and etcd's settings when it is `etcd`. */
export interface QuorumConfig {
  coordination: Coordination;
  etcd: EtcdSettings | null;
}

/** quorumConfKeys — the `[configserver]` keys this module reads (the main parser must know them). */
export const quorumConfKeys: readonly string[] = [
  'coordination',
  'etcd_endpoints',
  'etcd_prefix',
  'etcd_lease_ttl_ms',
  'etcd_ca_file',
  'etcd_cert_file',
  'etcd_key_file',
  'etcd_user',
  'etcd_password',
  'etcd_password_file',
];

/** defaultEtcdPrefix — where a service that names no prefix keeps its keys. */
export const defaultEtcdPrefix = '/tair-config-server/default';
/** defaultLeaseTtlMs — a dead leader is replaced within about two seconds. */
export const defaultLeaseTtlMs = 2000;

/** SectionEntries — one section's entries by key, as the main parser indexes them. */
export type SectionEntries = ReadonlyMap<string, readonly IniEntry[]>;

const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/;
const prefixPattern = /^(?:\/[A-Za-z0-9._-]+)+$/;

/** readQuorumConfig — the coordination keys of `[configserver]`; problems go to `problems`. */
export function readQuorumConfig(section: SectionEntries | undefined, baseDir: string, problems: ProblemList): QuorumConfig {
  const first = (key: string): IniEntry | undefined => section?.get(key)?.[0];
  const coordinationEntry = first('coordination');
  const coordination = readCoordination(coordinationEntry, problems);
  if (coordination === 'pair') {
    for (const key of quorumConfKeys.slice(1)) {
      const entry = first(key);
      if (entry) problems.add(entry.line, key, 'only used with coordination = etcd');
    }
    return { coordination, etcd: null };
  }
  const endpointsEntry = first('etcd_endpoints');
  const path = (key: string): string | null => readPathValue(first(key), baseDir, problems);
  const tlsFiles: EtcdTls = { caFile: path('etcd_ca_file'), certFile: path('etcd_cert_file'), keyFile: path('etcd_key_file') };
  const tls = tlsFiles.caFile || tlsFiles.certFile || tlsFiles.keyFile ? tlsFiles : null;
  checkClientCertificate(first('etcd_cert_file'), first('etcd_key_file'), problems);
  const etcd: EtcdSettings = {
    endpoints: readEndpoints(endpointsEntry, coordinationEntry?.line ?? 1, tls !== null, problems),
    prefix: readPrefix(first('etcd_prefix'), problems),
    leaseTtlMs: readLeaseTtl(first('etcd_lease_ttl_ms'), problems),
    tls,
    auth: readAuth(first('etcd_user'), first('etcd_password'), first('etcd_password_file'), baseDir, problems),
  };
  return { coordination, etcd };
}

function readCoordination(entry: IniEntry | undefined, problems: ProblemList): Coordination {
  if (!entry || entry.value === 'pair') return 'pair';
  if (entry.value === 'etcd') return 'etcd';
  problems.add(entry.line, entry.key, `must be pair or etcd, got '${clip(entry.value)}'`);
  return 'pair';
}

function readEndpoints(entry: IniEntry | undefined, line: number, tls: boolean, problems: ProblemList): string[] {
  if (!entry) {
    problems.add(line, 'etcd_endpoints', 'required with coordination = etcd (host:port of each etcd member)');
    return [];
  }
  const endpoints: string[] = [];
  const texts = splitList(entry.value);
  if (texts.length === 0) problems.add(entry.line, entry.key, 'lists no endpoint');
  for (const text of texts) {
    const endpoint = parseEndpoint(text, tls);
    if (typeof endpoint !== 'string') {
      problems.add(entry.line, entry.key, `'${clip(text)}': ${endpoint.problem}`);
    } else if (endpoints.includes(endpoint)) {
      problems.add(entry.line, entry.key, `${text} is listed twice`);
    } else {
      endpoints.push(endpoint);
    }
  }
  if (endpoints.length > etcdEndpointCountMax) {
    problems.add(entry.line, entry.key, `${endpoints.length} endpoints, over the limit of ${etcdEndpointCountMax}`);
  }
  return endpoints;
}

/** parseEndpoint — `[scheme://]host:port` to `scheme://host:port` (https when TLS files are given). */
function parseEndpoint(text: string, tls: boolean): string | { problem: string } {
  const scheme = /^(https?):\/\//.exec(text);
  if (!scheme && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) return { problem: 'the scheme must be http:// or https://' };
  const rest = scheme ? text.slice(scheme[0].length) : text;
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return { problem: 'expected host:port' };
  const host = rest.slice(0, colon);
  const portText = rest.slice(colon + 1);
  if (!hostPattern.test(host)) return { problem: `'${clip(host)}' is not a host name or address` };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65_535) return { problem: `port must be 1..65535, got '${clip(portText)}'` };
  const protocol = scheme ? scheme[1] : tls ? 'https' : 'http';
  return `${protocol}://${host}:${port}`;
}

function readPrefix(entry: IniEntry | undefined, problems: ProblemList): string {
  if (!entry) return defaultEtcdPrefix;
  if (Buffer.byteLength(entry.value) > etcdPrefixBytesMax) {
    problems.add(entry.line, entry.key, `longer than ${etcdPrefixBytesMax} bytes`);
  } else if (!prefixPattern.test(entry.value)) {
    problems.add(
      entry.line,
      entry.key,
      `must be a path like /tair-config-server/prod (segments of A-Z a-z 0-9 . _ -, no trailing /), got '${clip(entry.value)}'`,
    );
  } else {
    return entry.value;
  }
  return defaultEtcdPrefix;
}

function readLeaseTtl(entry: IniEntry | undefined, problems: ProblemList): number {
  const value = readInteger(entry, defaultLeaseTtlMs, etcdLeaseTtlMsMin, etcdLeaseTtlMsMax, problems);
  if (entry && value % 1000 !== 0) {
    problems.add(entry.line, entry.key, `etcd grants leases in whole seconds: use a multiple of 1000, got ${value}`);
    return defaultLeaseTtlMs;
  }
  return value;
}

function readPathValue(entry: IniEntry | undefined, baseDir: string, problems: ProblemList): string | null {
  if (!entry) return null;
  if (entry.value === '') {
    problems.add(entry.line, entry.key, 'must not be empty');
    return null;
  }
  return resolve(baseDir, entry.value);
}

function checkClientCertificate(cert: IniEntry | undefined, key: IniEntry | undefined, problems: ProblemList): void {
  if (cert && !key) problems.add(cert.line, cert.key, "needs etcd_key_file (the certificate's private key)");
  if (key && !cert) problems.add(key.line, key.key, 'needs etcd_cert_file (the certificate of this key)');
}

function readAuth(
  user: IniEntry | undefined,
  password: IniEntry | undefined,
  passwordFile: IniEntry | undefined,
  baseDir: string,
  problems: ProblemList,
): EtcdAuth | null {
  if (!user) {
    for (const entry of [password, passwordFile]) if (entry) problems.add(entry.line, entry.key, 'needs etcd_user');
    return null;
  }
  if (user.value === '') problems.add(user.line, user.key, 'must not be empty');
  if (password && passwordFile) {
    problems.add(passwordFile.line, passwordFile.key, `give etcd_password or etcd_password_file, not both (etcd_password is at line ${password.line})`);
  } else if (!password && !passwordFile) {
    problems.add(user.line, user.key, 'needs etcd_password or etcd_password_file');
  }
  return hidePassword({
    user: user.value,
    password: password && !passwordFile ? password.value : null,
    passwordFile: readPathValue(passwordFile, baseDir, problems),
  });
}

/** hidePassword — `auth` whose password JSON and util.inspect never show (config check, logs). */
function hidePassword(auth: EtcdAuth): EtcdAuth {
  const shown = (): Record<string, string | null> => ({ ...auth, password: auth.password === null ? null : '(secret)' });
  Object.defineProperty(auth, 'toJSON', { value: shown, enumerable: false });
  Object.defineProperty(auth, inspect.custom, { value: shown, enumerable: false });
  return auth;
}
