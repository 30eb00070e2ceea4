/**
 * configserver.conf in quorum mode (`coordination = etcd`): the etcd keys are known, every
 * config_server entry counts (not only the first two) and each is validated, this server finds
 * itself by `address`, the pair's own keys are refused, and a password never prints. Pair mode is
 * as before: the first two entries, the rest ignored. `tair-cs start` does not serve quorum mode
 * yet and says so.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { run as runConfig } from '../../src/cli/config-command.js';
import { formatConfigProblem } from '../../src/errors.js';
import { parseConfigServerConf } from '../../src/config/configserver-conf.js';
import { configServerCountMax } from '../../src/limits.js';
import { runCaptured } from '../helpers/run-captured.js';

const file = '/etc/tair/configserver.conf';
const parse = (lines: string[], localAddresses: string[] = []) => parseConfigServerConf(lines.join('\n'), file, { localAddresses });
const problemsOf = (lines: string[], localAddresses: string[] = []) => parse(lines, localAddresses).problems.map(formatConfigProblem);

function servers(count: number, host = (index: number) => `10.0.0.${index + 1}:5198`): string[] {
  return Array.from({ length: count }, (_, index) => `config_server = ${host(index)}`);
}

const etcdLines = ['coordination = etcd', 'etcd_endpoints = 10.0.1.1:2379, 10.0.1.2:2379, 10.0.1.3:2379', 'group_file = group.conf'];

describe('configserver.conf with coordination = etcd', () => {
  test('every config_server entry counts, from 1 to the limit, in the order given', () => {
    for (const count of [1, 2, 3, 5, 7, configServerCountMax]) {
      const own = `10.0.0.${count}:5198`;
      const { config, problems } = parse(['[public]', ...servers(count), '[configserver]', `address = ${own}`, ...etcdLines]);
      expect(problems).toEqual([]);
      expect(config?.configServers).toEqual(Array.from({ length: count }, (_, index) => `10.0.0.${index + 1}:5198`));
      expect(config).toMatchObject({ address: own, coordination: 'etcd' });
      expect(config?.etcd?.endpoints).toEqual(['http://10.0.1.1:2379', 'http://10.0.1.2:2379', 'http://10.0.1.3:2379']);
    }
  });

  test('one entry may list several servers; entries without a port take [configserver] port', () => {
    const { config, problems } = parse([
      '[public]',
      'config_server = 10.0.0.1, 10.0.0.2:6000; 10.0.0.3',
      '[configserver]',
      'port = 6000',
      'address = 10.0.0.2:6000',
      ...etcdLines,
    ]);
    expect(problems).toEqual([]);
    expect(config?.configServers).toEqual(['10.0.0.1:6000', '10.0.0.2:6000', '10.0.0.3:6000']);
  });

  test("this server finds itself by address; without it, by its port, then by the host's own IPs", () => {
    // Three servers on one host: the port tells them apart.
    const oneHost = ['[public]', ...servers(3, (index) => `127.0.0.1:${5198 + 100 * index}`), '[configserver]'];
    expect(parse([...oneHost, 'port = 5298', ...etcdLines]).config?.address).toBe('127.0.0.1:5298');
    // Three hosts on one port: the IP that belongs to this host.
    const threeHosts = ['[public]', ...servers(3), '[configserver]', ...etcdLines];
    expect(parse(threeHosts, ['127.0.0.1', '10.0.0.3']).config?.address).toBe('10.0.0.3:5198');
    expect(problemsOf(threeHosts, ['10.9.9.9'])).toEqual([
      `${file}:2: address: cannot tell which of 10.0.0.1:5198, 10.0.0.2:5198, 10.0.0.3:5198 is this server; set [configserver] address`,
    ]);
    // An address that is not one of the entries (the fourth, say, in pair mode's sense) is refused.
    expect(problemsOf(['[public]', ...servers(3), '[configserver]', 'address = 10.0.0.4:5198', ...etcdLines])).toEqual([
      `${file}:6: address: this server (10.0.0.4:5198) is not one of config_server 10.0.0.1:5198, 10.0.0.2:5198, 10.0.0.3:5198; ` +
        'set [configserver] address to its entry',
    ]);
  });

  test('every entry is validated, each problem on its line; more than the limit is refused once', () => {
    expect(
      problemsOf([
        '[public]',
        'config_server = 10.0.0.1:5198',
        'config_server = 10.0.0.2:5198, 300.0.0.1',
        'config_server = 10.0.0.1:5198',
        'config_server = 10.0.0.3:99999',
        '[configserver]',
        'address = 10.0.0.2:5198',
        ...etcdLines,
      ]),
    ).toEqual([
      `${file}:3: config_server: '300.0.0.1': octet 300 is over 255`,
      `${file}:4: config_server: 10.0.0.1:5198 is listed twice`,
      `${file}:5: config_server: '10.0.0.3:99999': port 99999 is outside 1..65535`,
    ]);
    const tooMany = ['[public]', ...servers(configServerCountMax + 2), '[configserver]', 'address = 10.0.0.1:5198', ...etcdLines];
    expect(problemsOf(tooMany)).toEqual([
      `${file}:${configServerCountMax + 2}: config_server: 10.0.0.${configServerCountMax + 1}:5198 is config server ${configServerCountMax + 1}, ` +
        `over the limit of ${configServerCountMax}`,
    ]);
  });

  test("the pair's keys are refused: quorum mode has no peer to time out", () => {
    expect(
      problemsOf(['[public]', ...servers(3), '[configserver]', 'address = 10.0.0.1:5198', ...etcdLines, 'peer_timeout_ms = 800', 'takeover_needs_report = 1']),
    ).toEqual([
      `${file}:10: peer_timeout_ms: only used with coordination = pair (quorum mode has no peer to time out)`,
      `${file}:11: takeover_needs_report: only used with coordination = pair (quorum mode has no peer to time out)`,
    ]);
  });

  test("the etcd keys report their problems with lines, among the file's other problems", () => {
    expect(
      problemsOf(['[configserver]', 'coordination = etcd', 'etcd_endpoints = 10.0.1.1', 'etcd_lease_ttl_ms = 2500', 'etcd_user = tair', 'log_level = loud']),
    ).toEqual([
      `${file}:1: group_file: [configserver] group_file is required (the path of group.conf)`,
      `${file}:3: etcd_endpoints: '10.0.1.1': expected host:port`,
      `${file}:4: etcd_lease_ttl_ms: etcd grants leases in whole seconds: use a multiple of 1000, got 2500`,
      `${file}:5: etcd_user: needs etcd_password or etcd_password_file`,
      `${file}:6: log_level: must be one of trace, debug, info, warn, error, fatal; got 'loud'`,
    ]);
    expect(problemsOf(['[configserver]', 'etcd_endpont = 10.0.1.1:2379', 'group_file = g'])).toEqual([
      `${file}:2: etcd_endpont: unknown key in [configserver] (did you mean etcd_endpoints?)`,
    ]);
  });

  test('TLS and auth settings resolve against the file; the password never prints', () => {
    const { config, problems } = parse([
      '[configserver]',
      ...etcdLines,
      'etcd_ca_file = tls/ca.pem',
      'etcd_cert_file = tls/client.pem',
      'etcd_key_file = tls/client-key.pem',
      'etcd_user = tair',
      'etcd_password = hunter2-very-secret',
    ]);
    expect(problems).toEqual([]);
    expect(config?.etcd).toMatchObject({
      // A TLS file makes endpoints without a scheme https.
      endpoints: ['https://10.0.1.1:2379', 'https://10.0.1.2:2379', 'https://10.0.1.3:2379'],
      tls: { caFile: '/etc/tair/tls/ca.pem', certFile: '/etc/tair/tls/client.pem', keyFile: '/etc/tair/tls/client-key.pem' },
      auth: { user: 'tair', password: 'hunter2-very-secret', passwordFile: null },
    });
    expect(JSON.stringify(config)).not.toContain('hunter2');
    expect(JSON.parse(JSON.stringify(config)).etcd.auth).toEqual({ user: 'tair', password: '(secret)', passwordFile: null });
    expect(inspect(config, { depth: 10 })).not.toContain('hunter2');
  });
});

describe('configserver.conf in pair mode (the default)', () => {
  test('only the first two valid entries count, the rest are ignored as the original does', () => {
    const { config, problems } = parse(['[public]', ...servers(5), '[configserver]', 'address = 10.0.0.2:5198', 'group_file = g']);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ configServers: ['10.0.0.1:5198', '10.0.0.2:5198'], coordination: 'pair', etcd: null });
    expect(problemsOf(['[public]', ...servers(3), '[configserver]', 'address = 10.0.0.3:5198', 'group_file = g'])).toEqual([
      `${file}:6: address: this server (10.0.0.3:5198) is not one of config_server 10.0.0.1:5198, 10.0.0.2:5198; set [configserver] address to its entry`,
    ]);
  });

  test('the etcd keys are refused without coordination = etcd', () => {
    expect(problemsOf(['[configserver]', 'group_file = g', 'etcd_endpoints = 10.0.1.1:2379', 'peer_timeout_ms = 800'])).toEqual([
      `${file}:3: etcd_endpoints: only used with coordination = etcd`,
    ]);
  });
});

describe('the commands with a quorum-mode configserver.conf', () => {
  test('config check accepts it and prints the etcd settings without the password; start refuses it, saying why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tair-cs-quorum-conf-'));
    try {
      const confPath = join(dir, 'configserver.conf');
      await writeFile(join(dir, 'group.conf'), '[group_1]\n_copy_count = 2\n_server_list = 127.0.0.1:5191; 127.0.0.1:5192\n');
      await writeFile(
        confPath,
        [
          '[public]',
          ...servers(3, (index) => `127.0.0.1:${5198 + 100 * index}`),
          '[configserver]',
          'address = 127.0.0.1:5298',
          'coordination = etcd',
          'etcd_endpoints = 127.0.0.1:2379',
          'etcd_user = tair',
          'etcd_password = hunter2-very-secret',
          'group_file = group.conf',
          `data_dir = ${join(dir, 'data')}`,
          `pid_file = ${join(dir, 'cs.pid')}`,
        ].join('\n'),
      );
      const checked = await runCaptured(runConfig, ['check', '--config', confPath]);
      expect(checked.code).toBe(0);
      expect(checked.stdout).not.toContain('hunter2');
      expect(JSON.parse(checked.stdout).configServer).toMatchObject({
        configServers: ['127.0.0.1:5198', '127.0.0.1:5298', '127.0.0.1:5398'],
        coordination: 'etcd',
        etcd: { endpoints: ['http://127.0.0.1:2379'], auth: { user: 'tair', password: '(secret)' } },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
