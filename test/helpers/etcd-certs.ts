/**
 * etcd-certs — certificates for TLS tests against a real etcd, made with the system's `openssl`
 * in a directory the caller owns (and removes): EC P-256 keys, valid for two days.
 *
 *   ca.pem ─ signs ─▶ server.pem        (subjectAltName IP:127.0.0.1; the members')
 *                 └▶ client-<name>.pem  (CN = name: etcd takes the CN as the user when no password is given)
 *   other-ca.pem ─ signs ─▶ other-client.pem   (a CA no member trusts)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** opensslBinary — the openssl the tests run. */
export const opensslBinary = process.env.OPENSSL_BINARY ?? 'openssl';

/** requireOpenssl — throws a clear error when openssl cannot be run. */
export function requireOpenssl(binary = opensslBinary): void {
  const probe = spawnSync(binary, ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`'${binary}' cannot run (${probe.error?.message ?? probe.stderr.trim()}): apt-get install openssl (.ci/run does this)`);
  }
}

/** CertificatePair — a certificate and its private key. */
export interface CertificatePair {
  certFile: string;
  keyFile: string;
}

/** TestCertificates — everything makeTestCertificates wrote. */
export interface TestCertificates {
  caFile: string;
  server: CertificatePair;
  /** clients — by CN, signed by caFile. */
  clients: Record<string, CertificatePair>;
  otherCaFile: string;
  /** otherClient — signed by otherCaFile, which no member trusts. */
  otherClient: CertificatePair;
}

/** makeTestCertificates — a CA, a server certificate for 127.0.0.1, client certificates with these CNs, and another CA's client certificate. */
export function makeTestCertificates(dir: string, clientNames: readonly string[]): TestCertificates {
  requireOpenssl();
  const ca = selfSignedCa(dir, 'ca', 'tair-cs test CA');
  const otherCa = selfSignedCa(dir, 'other-ca', 'a CA no etcd member trusts');
  const clients: Record<string, CertificatePair> = {};
  for (const name of clientNames) clients[name] = signed(dir, `client-${name}`, name, ca, 'extendedKeyUsage=clientAuth');
  return {
    caFile: ca.certFile,
    server: signed(dir, 'server', 'etcd', ca, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth'),
    clients,
    otherCaFile: otherCa.certFile,
    otherClient: signed(dir, 'other-client', clientNames[0] ?? 'tair', otherCa, 'extendedKeyUsage=clientAuth'),
  };
}

function selfSignedCa(dir: string, name: string, commonName: string): CertificatePair {
  const pair = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}-key.pem`) };
  openssl(['req', '-x509', ...newKey(pair.keyFile), '-out', pair.certFile, '-days', '2', '-subj', `/CN=${commonName}`]);
  return pair;
}

function signed(dir: string, name: string, commonName: string, ca: CertificatePair, extensions: string): CertificatePair {
  const pair = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}-key.pem`) };
  const request = join(dir, `${name}.csr`);
  const extensionFile = join(dir, `${name}.ext`);
  writeFileSync(extensionFile, `${extensions}\n`);
  openssl(['req', ...newKey(pair.keyFile), '-out', request, '-subj', `/CN=${commonName}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    request,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    pair.certFile,
    '-days',
    '2',
    '-extfile',
    extensionFile,
  ]);
  return pair;
}

function newKey(keyFile: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
}

function openssl(args: string[]): void {
  const result = spawnSync(opensslBinary, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.error?.message ?? result.stderr.trim()}`);
}
