import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ConfigError, formatConfigProblem } from '../../src/errors.js';
import { loadConfigServerConf, parseConfigServerConf } from '../../src/config/configserver-conf.js';

const file = '/etc/tair/configserver.conf';
const parse = (text: string, localAddresses: string[] = []) => parseConfigServerConf(text, file, { localAddresses });
const problemsOf = (text: string, localAddresses: string[] = []) => parse(text, localAddresses).problems.map(formatConfigProblem);

describe('configserver.conf', () => {
  test('defaults: ports 5198/5191, data dir "data", logs on stdout, paths resolved against the file', () => {
    const { config, problems } = parse('[configserver]\ngroup_file = group.conf\n');
    expect(problems).toEqual([]);
    expect(config).toEqual({
      configServers: ['127.0.0.1:5198'],
      port: 5198,
      address: '127.0.0.1:5198',
      httpPort: null,
      groupFile: '/etc/tair/group.conf',
      dataDir: '/etc/tair/data',
      logFile: null,
      pidFile: '/etc/tair/cfgsvr.pid',
      logLevel: 'info',
      dataServerPort: 5191,
      peerTimeoutMs: 1500,
      takeoverNeedsReport: false,
      adminAllow: [
        { text: '127.0.0.0/8', family: 'ipv4', address: '127.0.0.0', prefixBits: 8 },
        { text: '::1', family: 'ipv6', address: '::1', prefixBits: 128 },
      ],
      adminSecret: null,
      adminSecretFile: null,
      httpAddress: null,
      migrationVersionIntervalMs: 1000,
      coordination: 'pair',
      etcd: null,
    });
  });

  test('every key set', () => {
    const { config } = parse(
      [
        '[public]',
        'config_server = 127.0.0.1:5198',
        'config_server = 127.0.0.1:5298',
        '[configserver]',
        'port = 5298',
        'address = 127.0.0.1:5298',
        'http_port = 5299',
        'group_file = /srv/group.conf',
        'data_dir = ./state',
        'log_file = logs/cs.log',
        'pid_file = logs/cs.pid',
        'log_level = WARNING',
        'peer_timeout_ms = 800',
        'takeover_needs_report = 1',
        'admin_allow = 10.0.0.0/8, 192.168.1.7',
        'admin_allow = fd00::/8',
        'admin_secret_file = keys/admin.key',
        'http_address = 10.1.0.5',
        'migration_version_interval_ms = 250',
        '[tairserver]',
        'port = 6191',
        'storage_engine = mdb   # a data-server key: ignored here',
      ].join('\n'),
    );
    expect(config).toEqual({
      configServers: ['127.0.0.1:5198', '127.0.0.1:5298'],
      port: 5298,
      address: '127.0.0.1:5298',
      httpPort: 5299,
      groupFile: '/srv/group.conf',
      dataDir: '/etc/tair/state',
      logFile: '/etc/tair/logs/cs.log',
      pidFile: '/etc/tair/logs/cs.pid',
      logLevel: 'warn',
      dataServerPort: 6191,
      peerTimeoutMs: 800,
      takeoverNeedsReport: true,
      adminAllow: [
        { text: '10.0.0.0/8', family: 'ipv4', address: '10.0.0.0', prefixBits: 8 },
        { text: '192.168.1.7', family: 'ipv4', address: '192.168.1.7', prefixBits: 32 },
        { text: 'fd00::/8', family: 'ipv6', address: 'fd00::', prefixBits: 8 },
      ],
      adminSecret: null,
      adminSecretFile: '/etc/tair/keys/admin.key',
      httpAddress: '10.1.0.5',
      migrationVersionIntervalMs: 250,
      coordination: 'pair',
      etcd: null,
    });
  });

  test('config_server entries without a port take [configserver] port; only the first two count', () => {
    const { config } = parse(
      '[public]\nconfig_server = 127.0.0.1\nconfig_server = 127.0.0.2\n' + 'config_server = 127.0.0.3\n[configserver]\nport = 7000\ngroup_file = g\n',
      ['127.0.0.1'],
    );
    expect(config?.configServers).toEqual(['127.0.0.1:7000', '127.0.0.2:7000']);
    expect(config?.address).toBe('127.0.0.1:7000');
  });

  test('address without port key: the listen port follows the address', () => {
    const { config } = parse(
      '[public]\nconfig_server = 127.0.0.1:5198\nconfig_server = 127.0.0.1:5298\n' + '[configserver]\naddress = 127.0.0.1:5298\ngroup_file = g\n',
    );
    expect(config).toMatchObject({ port: 5298, address: '127.0.0.1:5298' });
  });

  test("the original's layout: the pair on two hosts, this host picked by its own addresses", () => {
    const text = readFileSync(new URL('../fixtures/config/original-configserver.conf', import.meta.url), 'utf8');
    const { config } = parse(text, ['127.0.0.1', '192.168.1.101']);
    expect(config).toMatchObject({
      configServers: ['192.168.1.100:5198', '192.168.1.101:5198'],
      address: '192.168.1.101:5198',
      logLevel: 'warn',
      groupFile: '/etc/tair/etc/group.conf',
      dataDir: '/etc/tair/data/data',
    });
    expect(problemsOf(text, ['10.9.9.9'])).toEqual([
      `${file}:3: address: cannot tell which of 192.168.1.100:5198, 192.168.1.101:5198 is this server; ` + 'set [configserver] address',
    ]);
  });

  test('every problem at once, with lines', () => {
    expect(
      problemsOf(
        [
          '[public]',
          'config_server = 127.0.0.1:5198',
          'config_server = 127.0.0.1:5198',
          'config_server = 300.0.0.1',
          '[configserver]',
          'port = 99999',
          'address = 127.0.0.9:5198',
          'http_port = 5198',
          'log_level = loud',
          'data_dir =',
          'grup_file = g',
          'port = 1',
          '[configsever]',
        ].join('\n'),
      ),
    ).toEqual([
      `${file}:1: group_file: [configserver] group_file is required (the path of group.conf)`,
      `${file}:3: config_server: 127.0.0.1:5198 is listed twice`,
      `${file}:4: config_server: '300.0.0.1': octet 300 is over 255`,
      `${file}:6: port: must be between 1 and 65535, got 99999`,
      `${file}:7: address: this server (127.0.0.9:5198) is not one of config_server 127.0.0.1:5198; ` + 'set [configserver] address to its entry',
      `${file}:8: http_port: must differ from the config server port 5198`,
      `${file}:9: log_level: must be one of trace, debug, info, warn, error, fatal; got 'loud'`,
      `${file}:10: data_dir: must not be empty`,
      `${file}:11: grup_file: unknown key in [configserver] (did you mean group_file?)`,
      `${file}:12: port: given twice (first at line 6); only one value is allowed`,
      `${file}:13: [configsever]: unknown section (did you mean configserver?)`,
    ]);
  });

  test('odd section names cannot reach object prototypes', () => {
    expect(problemsOf('[constructor]\n[configserver]\ngroup_file = g\nlog_level = constructor\n')).toEqual([
      `${file}:1: [constructor]: unknown section`,
      `${file}:4: log_level: must be one of trace, debug, info, warn, error, fatal; got 'constructor'`,
    ]);
  });
});

describe('trust-boundary keys', () => {
  test('admin_allow, admin_secret and http_address: every mistake with its line; the key never prints', () => {
    expect(
      problemsOf(
        [
          '[configserver]',
          'group_file = g',
          'admin_secret = short',
          'admin_allow = 10.0.0.0/33, bogus',
          'admin_allow =',
          'http_address = 1.2.3',
          'admin_secret_file = k',
        ].join('\n'),
      ),
    ).toEqual([
      "/etc/tair/configserver.conf:4: admin_allow: '10.0.0.0/33': the prefix must be 0..32 bits",
      "/etc/tair/configserver.conf:4: admin_allow: 'bogus' is not an IPv4 or IPv6 address (or address/bits range)",
      "/etc/tair/configserver.conf:5: admin_allow: is empty (write 'none' to let no source change state)",
      "/etc/tair/configserver.conf:6: http_address: expected an IP address or ip:port, got '1.2.3'",
      '/etc/tair/configserver.conf:7: admin_secret_file: give admin_secret or admin_secret_file, not both (admin_secret at line 3)',
    ]);
    const { config } = parse('[configserver]\ngroup_file = g\nadmin_secret = 0123456789abcdef0123\nadmin_allow = none\nhttp_address = 127.0.0.1:6000\n');
    expect(config).toMatchObject({ adminAllow: [], httpAddress: '127.0.0.1', httpPort: 6000 });
    expect(JSON.stringify(config)).not.toContain('0123456789abcdef0123');
    expect(config?.adminSecret?.key.toString()).toBe('0123456789abcdef0123');
    expect(problemsOf('[configserver]\ngroup_file = g\nadmin_secret = short\n')).toEqual([
      '/etc/tair/configserver.conf:3: admin_secret: is 5 bytes; at least 16 are needed (e.g. openssl rand -hex 32)',
    ]);
  });

  test('the default admin_allow: loopback and the config_server hosts', () => {
    const { config } = parse(
      '[public]\nconfig_server = 10.0.0.1:5198\nconfig_server = 10.0.0.2:5198\n[configserver]\naddress = 10.0.0.1:5198\ngroup_file = g\n',
    );
    expect(config?.adminAllow.map((entry) => entry.text)).toEqual(['127.0.0.0/8', '::1', '10.0.0.1', '10.0.0.2']);
  });
});

describe('loadConfigServerConf', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tair-cs-conf-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads the file and resolves paths against its directory', async () => {
    await writeFile(join(dir, 'cs.conf'), '[configserver]\ngroup_file = group.conf\n');
    const config = await loadConfigServerConf(join(dir, 'cs.conf'));
    expect(config.groupFile).toBe(resolve(dir, 'group.conf'));
  });

  test('a missing file is a ConfigError naming the file', async () => {
    const path = join(dir, 'nope.conf');
    const error = await loadConfigServerConf(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`${path}:1: (file): file not found`);
  });

  test('an invalid file is a ConfigError with every problem', async () => {
    await writeFile(join(dir, 'cs.conf'), '[configserver]\nport = x\n');
    const error = (await loadConfigServerConf(join(dir, 'cs.conf')).catch((e: unknown) => e)) as ConfigError;
    expect(error.problems.map((p) => `${p.line}: ${p.key}`)).toEqual(['1: group_file', '2: port']);
  });
});
