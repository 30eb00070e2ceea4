/**
 * Quorum mode against a real 3-member etcd that serves clients over TLS, requires client
 * certificates (--client-cert-auth) and has authentication enabled — certificates made with
 * openssl for this run, users and roles created through etcd's API:
 *
 *   client-tair.pem       CN = tair (an etcd user): the certificate alone is the identity
 *   client-anonymous.pem  CN = anonymous (no such user): only a password grants access
 *   other-client.pem      signed by a CA no member trusts
 *
 * Election, publication and following work with certificates and with user + password (inline or
 * from a file); a wrong password, a certificate from another CA, a member certificate that does
 * not verify and a user without rights on the prefix are refused, each with a message naming the
 * endpoint and the key to fix, and health says `refused`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { StorageError } from '../../src/errors.js';
import { checkEtcdAccess } from '../../src/quorum/etcd-access.js';
import { createEtcdClient } from '../../src/quorum/etcd-client.js';
import type { QuorumCoordinator } from '../../src/quorum/quorum-coordinator.js';
import type { EtcdAuth, EtcdSettings, EtcdTls } from '../../src/quorum/quorum-config.js';
import { enableEtcdAuth } from '../helpers/etcd-auth.js';
import type { TestCertificates } from '../helpers/etcd-certs.js';
import { makeTestCertificates } from '../helpers/etcd-certs.js';
import { EtcdCluster } from '../helpers/etcd-cluster.js';
import { CoordinatorSet, etcdSettings, publishSurely, waitFor } from './helpers/coordinators.js';
import { baseTable, mutate, tableBytes } from './helpers/tables.js';

// Nothing here is about lease timing: a 5 s lease rides out a loaded machine.
const leaseTtlMs = 5000;
const password = 'tair-password';
let dir: string;
let certs: TestCertificates;
let cluster: EtcdCluster;
let admin: Etcd3;
let passwordFile: string;
let set: CoordinatorSet | null = null;

const tlsAs = (name: 'tair' | 'anonymous'): EtcdTls => ({ caFile: certs.caFile, ...certs.clients[name] });
const userTair = (auth: Partial<EtcdAuth>): EtcdAuth => ({ user: 'tair', password: null, passwordFile: null, ...auth });
const settings = (name: string, tls: EtcdTls | null, auth: EtcdAuth | null): EtcdSettings => etcdSettings(cluster, name, leaseTtlMs, { tls, auth });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-etcd-tls-'));
  certs = makeTestCertificates(dir, ['tair', 'anonymous']);
  cluster = await EtcdCluster.start(3, {
    tls: { caFile: certs.caFile, ...certs.server, clientCertAuth: true, client: certs.clients.tair },
  });
  passwordFile = join(dir, 'etcd-password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  // Without retries (probe): creating a user is not idempotent, and a retried create that had landed fails.
  admin = await createEtcdClient(settings('admin', tlsAs('tair'), null), { probe: true });
  await enableEtcdAuth(admin, 'root-password', [
    { name: 'tair', password, prefixes: ['/tair-cs-test/'] },
    { name: 'outsider', password: 'outsider-password', prefixes: ['/elsewhere/'] },
  ]);
});
afterAll(async () => {
  admin?.close();
  await cluster?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await set?.closeAll();
  set = null;
});

/** serviceWorks — a leader among `members`; it publishes a snapshot and a record, the others hold both; a resignation elects another that continues. */
async function serviceWorks(members: QuorumCoordinator[]): Promise<void> {
  for (const member of members) member.start();
  const [leader] = await waitFor(
    () => {
      const leading = members.filter((member) => member.isLeader());
      return leading.length === 1 && leading[0].health().role === 'leader' && leading;
    },
    15_000,
    'one leader',
  );
  let table = baseTable({ groupName: 'group_1', bucketCount: 1023, copyCount: 3, serverCount: 8 }, 1);
  expect(await publishSurely(leader, table)).toMatchObject({ ok: true, sequence: 1, kind: 'snapshot' });
  table = mutate(table, { seed: 2, slotChanges: 40, addServer: true, reshapeBuckets: null });
  expect(await publishSurely(leader, table)).toMatchObject({ ok: true, sequence: 2, kind: 'record' });
  for (const member of members) {
    const held = await waitFor(
      () => (member.committed('group_1')?.sequence === 2 ? (member.committed('group_1') ?? undefined) : undefined),
      10_000,
      'every member to hold version 2',
    );
    expect(tableBytes(held.table).equals(tableBytes(table))).toBe(true);
    expect(member.health()).toMatchObject({ etcd: 'connected', readOnly: false });
  }
  const epoch = leader.epoch();
  await leader.stop();
  const rest = members.filter((member) => member !== leader);
  const [next] = await waitFor(
    () => {
      const leading = rest.filter((member) => member.isLeader());
      return leading.length === 1 && leading;
    },
    15_000,
    'a new leader',
  );
  expect(next.epoch()).toBe(epoch + 1n);
  table = mutate(table, { seed: 3, slotChanges: 40, addServer: false, reshapeBuckets: null });
  expect(await publishSurely(next, table)).toMatchObject({ ok: true, sequence: 3 });
  for (const member of rest) await waitFor(() => member.committed('group_1')?.sequence === 3, 10_000, 'the others to follow version 3');
}

/** startWith — one more coordinator of the test's set, with other TLS or auth settings, started; its problems collected. */
async function startWith(access: Partial<EtcdSettings>): Promise<{ coordinator: QuorumCoordinator; problems: string[] }> {
  const coordinator = await (set as CoordinatorSet).add({}, access);
  const problems: string[] = [];
  coordinator.on('problem', (message) => problems.push(message));
  coordinator.start();
  return { coordinator, problems };
}

/** refusedEverywhere — the problems `coordinator` reported name every endpoint with `expected`; health says refused. */
async function refusedEverywhere(coordinator: QuorumCoordinator, problems: string[], expected: (url: string) => RegExp): Promise<void> {
  for (const url of cluster.clientUrls) {
    await waitFor(() => problems.some((problem) => expected(url).test(problem)), 15_000, `a problem naming ${url}; got: ${problems.join(' | ')}`);
  }
  const health = await waitFor(() => coordinator.health().etcd === 'refused' && coordinator.health(), 10_000, 'health to say refused');
  expect(health).toMatchObject({ readOnly: true, role: 'follower' });
  expect(coordinator.isLeader()).toBe(false);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

describe('over TLS with client certificates', () => {
  it('elects one leader, publishes and follows; a resigned leader is replaced under a higher epoch', async () => {
    set = new CoordinatorSet(settings('tls', tlsAs('tair'), null));
    await serviceWorks([await set.add(), await set.add(), await set.add()]);
  });

  it('refuses a client certificate signed by another CA, naming each endpoint', async () => {
    set = new CoordinatorSet(settings('tls-leader', tlsAs('tair'), null));
    const leader = await set.addLeader();
    const { coordinator: stranger, problems } = await startWith({ tls: { caFile: certs.caFile, ...certs.otherClient } });
    await refusedEverywhere(
      stranger,
      problems,
      (url) =>
        new RegExp(
          `^etcd ${escapeRegExp(url)} refused our client certificate ${escapeRegExp(certs.otherClient.certFile)} \\(etcd_cert_file\\): the member does not trust the CA that signed it`,
        ),
    );
    expect(leader.isLeader()).toBe(true);
  });

  it('refuses a member whose certificate does not verify, no certificate at all, and a user without rights on the prefix', async () => {
    const base = settings('access', tlsAs('tair'), null);
    const cases: [EtcdSettings, (url: string) => RegExp][] = [
      [
        { ...base, tls: { ...tlsAs('tair'), caFile: certs.otherCaFile } },
        (url) =>
          new RegExp(
            `^etcd ${escapeRegExp(url)}: the member's certificate does not verify against etcd_ca_file ${escapeRegExp(certs.otherCaFile)} \\(.*verify`,
          ),
      ],
      [
        { ...base, tls: { caFile: certs.caFile, certFile: null, keyFile: null } },
        (url) => new RegExp(`^etcd ${escapeRegExp(url)} requires a client certificate: set etcd_cert_file and etcd_key_file`),
      ],
      [
        { ...base, auth: { user: 'outsider', password: 'outsider-password', passwordFile: null } },
        (url) =>
          new RegExp(`^etcd ${escapeRegExp(url)} denied user 'outsider' access to ${escapeRegExp(base.prefix)}/: grant its role readwrite on that prefix$`),
      ],
      [
        { ...base, tls: tlsAs('anonymous') },
        (url) => new RegExp(`^etcd ${escapeRegExp(url)} denied the user named by the CN of ${escapeRegExp(certs.clients.anonymous.certFile)} access to`),
      ],
    ];
    for (const [candidate, expected] of cases) {
      const answers = await checkEtcdAccess(candidate);
      expect(answers.map((answer) => answer.endpoint)).toEqual(cluster.clientUrls);
      for (const answer of answers) {
        expect(answer.ok).toBe(false);
        expect(answer.message).toMatch(expected(answer.endpoint));
      }
    }
    expect((await checkEtcdAccess(base)).every((answer) => answer.ok)).toBe(true);
  });
});

describe('with authentication', () => {
  it('elects, publishes and follows with a password from a file or inline, though the certificate alone grants nothing', async () => {
    set = new CoordinatorSet(settings('auth', tlsAs('anonymous'), userTair({ passwordFile })));
    const members = [await set.add(), await set.add({}, { auth: userTair({ password }) }), await set.add()];
    await serviceWorks(members);
  });

  it('refuses a wrong password, naming each endpoint, while the service carries on', async () => {
    set = new CoordinatorSet(settings('auth-wrong', tlsAs('anonymous'), userTair({ passwordFile })));
    const leader = await set.addLeader();
    const { coordinator: intruder, problems } = await startWith({ auth: userTair({ password: 'not-the-password' }) });
    await refusedEverywhere(
      intruder,
      problems,
      (url) => new RegExp(`^etcd ${escapeRegExp(url)} refused user 'tair': wrong password \\(etcd_password\\) or no such user$`),
    );
    const table = baseTable({ groupName: 'group_1', bucketCount: 64, copyCount: 2, serverCount: 4 }, 7);
    expect(await publishSurely(leader, table)).toMatchObject({ ok: true, sequence: 1 });
    expect(intruder.committed('group_1')).toBeNull();
    // Each refusal is reported once per endpoint until etcd answers again, not at every retry.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(problems.filter((problem) => problem.includes('refused user')).length).toBe(cluster.size);
  });

  it('names the key and the path of a TLS or password file that cannot be read', async () => {
    const base = settings('files', tlsAs('tair'), null);
    const missing = join(dir, 'missing.pem');
    const refused = await createEtcdClient({ ...base, tls: { ...tlsAs('tair'), caFile: missing } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StorageError);
    expect(refused).toMatchObject({ path: missing, errno: 'ENOENT', message: `${missing}: etcd_ca_file: cannot read it: file not found` });
    await expect(createEtcdClient({ ...base, auth: userTair({ passwordFile: missing }) })).rejects.toThrow(
      /missing\.pem: etcd_password_file: cannot read it: file not found/,
    );
  });
});

describe('against a member without TLS or authentication', () => {
  it('says the member does not speak TLS, or has no authentication to log in to; a member that is down is no refusal', async () => {
    const plain = await EtcdCluster.start(1);
    try {
      const [url] = plain.clientUrls;
      const base: EtcdSettings = { endpoints: [url], prefix: '/tair-cs-test/plain', leaseTtlMs, tls: null, auth: null };
      const https = url.replace('http://', 'https://');
      const [notTls] = await checkEtcdAccess({ ...base, endpoints: [https], tls: tlsAs('tair') });
      expect(notTls, notTls.message).toMatchObject({ ok: false, refusal: 'not-tls' });
      expect(notTls.message).toMatch(new RegExp(`^etcd ${escapeRegExp(https)} closed the connection during the TLS handshake: does it serve TLS\\?`));
      const [noAuth] = await checkEtcdAccess({ ...base, auth: userTair({ password }) });
      expect(noAuth).toMatchObject({ ok: false, refusal: 'auth-disabled' });
      expect(noAuth.message).toBe(
        `etcd ${url} has authentication disabled, yet etcd_user is set: remove etcd_user and its password, or enable authentication in etcd`,
      );
      expect(await checkEtcdAccess(base)).toEqual([{ endpoint: url, ok: true, refusal: null, message: '' }]);
      await plain.kill(0);
      const [down] = await checkEtcdAccess(base, 1000);
      expect(down).toMatchObject({ ok: false, refusal: null });
      expect(down.message).toMatch(new RegExp(`^etcd ${escapeRegExp(url)} did not answer: `));
    } finally {
      await plain.close();
    }
  });
});
