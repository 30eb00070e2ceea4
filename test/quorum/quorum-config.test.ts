/**
 * The quorum keys of configserver.conf: defaults, every key set, and every mistake reported with
 * its line (read from the [configserver] section as the main parser indexes it).
 */
import { describe, expect, it } from 'vitest';
import type { IniEntry } from '../../src/config/ini-dialect.js';
import { scanIni } from '../../src/config/ini-dialect.js';
import { ProblemList } from '../../src/config/problem-list.js';
import { formatConfigProblem } from '../../src/errors.js';
import { readQuorumConfig } from '../../src/quorum/quorum-config.js';

const file = '/etc/tair/configserver.conf';

function read(lines: string[]) {
  const problems = new ProblemList(file);
  const sections = scanIni(['[configserver]', ...lines].join('\n'), problems);
  const entries = new Map<string, IniEntry[]>();
  for (const entry of sections[0].entries) entries.set(entry.key, [...(entries.get(entry.key) ?? []), entry]);
  const config = readQuorumConfig(entries, '/etc/tair', problems);
  return { config, problems: problems.toArray().map(formatConfigProblem) };
}

describe('quorum keys of configserver.conf', () => {
  it('default to the pair, with no etcd settings', () => {
    expect(read([])).toEqual({ config: { coordination: 'pair', etcd: null }, problems: [] });
    expect(read(['coordination = pair']).config).toEqual({ coordination: 'pair', etcd: null });
  });

  it('read etcd mode with its defaults', () => {
    expect(read(['coordination = etcd', 'etcd_endpoints = 10.0.0.1:2379, 10.0.0.2:2379; etcd-3.example.com:2379'])).toEqual({
      config: {
        coordination: 'etcd',
        etcd: {
          endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379', 'http://etcd-3.example.com:2379'],
          prefix: '/tair-config-server/default',
          leaseTtlMs: 2000,
          tls: null,
          auth: null,
        },
      },
      problems: [],
    });
  });

  it('read every key: TLS makes endpoints https, paths resolve against the file', () => {
    const { config, problems } = read([
      'coordination = etcd',
      'etcd_endpoints = 10.0.0.1:2379, http://10.0.0.2:2379',
      'etcd_prefix = /tair/prod-1',
      'etcd_lease_ttl_ms = 5000',
      'etcd_ca_file = tls/ca.pem',
      'etcd_cert_file = /srv/tls/client.pem',
      'etcd_key_file = tls/client-key.pem',
      'etcd_user = tair',
      'etcd_password_file = secrets/etcd',
    ]);
    expect(problems).toEqual([]);
    expect(config.etcd).toEqual({
      endpoints: ['https://10.0.0.1:2379', 'http://10.0.0.2:2379'],
      prefix: '/tair/prod-1',
      leaseTtlMs: 5000,
      tls: { caFile: '/etc/tair/tls/ca.pem', certFile: '/srv/tls/client.pem', keyFile: '/etc/tair/tls/client-key.pem' },
      auth: { user: 'tair', password: null, passwordFile: '/etc/tair/secrets/etcd' },
    });
    expect(read(['coordination = etcd', 'etcd_endpoints = e:1', 'etcd_user = u', 'etcd_password = p']).config.etcd?.auth).toEqual({
      user: 'u',
      password: 'p',
      passwordFile: null,
    });
  });

  it('report every mistake with its line', () => {
    expect(read(['coordination = raft']).problems).toEqual([`${file}:2: coordination: must be pair or etcd, got 'raft'`]);
    expect(read(['etcd_endpoints = a:1', 'etcd_user = u']).problems).toEqual([
      `${file}:2: etcd_endpoints: only used with coordination = etcd`,
      `${file}:3: etcd_user: only used with coordination = etcd`,
    ]);
    expect(read(['coordination = etcd']).problems).toEqual([`${file}:2: etcd_endpoints: required with coordination = etcd (host:port of each etcd member)`]);
    expect(
      read([
        'coordination = etcd',
        'etcd_endpoints = 10.0.0.1, bad host:1, h:0, h:70000, ftp://h:1, h:2379, h:2379',
        'etcd_prefix = tair/no-slash',
        'etcd_lease_ttl_ms = 1500',
        'etcd_cert_file = c.pem',
        'etcd_password = secret',
      ]).problems,
    ).toEqual([
      `${file}:3: etcd_endpoints: '10.0.0.1': expected host:port`,
      `${file}:3: etcd_endpoints: 'bad host:1': 'bad host' is not a host name or address`,
      `${file}:3: etcd_endpoints: 'h:0': port must be 1..65535, got '0'`,
      `${file}:3: etcd_endpoints: 'h:70000': port must be 1..65535, got '70000'`,
      `${file}:3: etcd_endpoints: 'ftp://h:1': the scheme must be http:// or https://`,
      `${file}:3: etcd_endpoints: h:2379 is listed twice`,
      `${file}:4: etcd_prefix: must be a path like /tair-config-server/prod (segments of A-Z a-z 0-9 . _ -, no trailing /), got 'tair/no-slash'`,
      `${file}:5: etcd_lease_ttl_ms: etcd grants leases in whole seconds: use a multiple of 1000, got 1500`,
      `${file}:6: etcd_cert_file: needs etcd_key_file (the certificate's private key)`,
      `${file}:7: etcd_password: needs etcd_user`,
    ]);
    expect(read(['coordination = etcd', 'etcd_endpoints = h:1', 'etcd_lease_ttl_ms = 500', 'etcd_user = u']).problems).toEqual([
      `${file}:4: etcd_lease_ttl_ms: must be between 1000 and 60000, got 500`,
      `${file}:5: etcd_user: needs etcd_password or etcd_password_file`,
    ]);
    expect(read(['coordination = etcd', 'etcd_endpoints = h:1', 'etcd_user = u', 'etcd_password = p', 'etcd_password_file = f']).problems).toEqual([
      `${file}:6: etcd_password_file: give etcd_password or etcd_password_file, not both (etcd_password is at line 5)`,
    ]);
    const many = Array.from({ length: 17 }, (_, index) => `h${index}:2379`).join(', ');
    expect(read(['coordination = etcd', `etcd_endpoints = ${many}`]).problems).toEqual([`${file}:3: etcd_endpoints: 17 endpoints, over the limit of 16`]);
    expect(read(['coordination = etcd', 'etcd_endpoints = ,;']).problems).toEqual([`${file}:3: etcd_endpoints: lists no endpoint`]);
  });
});
