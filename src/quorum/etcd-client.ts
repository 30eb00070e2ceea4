/**
 * etcd-client — an `etcd3` client for the coordination module, built from EtcdSettings.
 *
 * The client's own fault handling (a retry policy, and a circuit breaker per member that stays
 * open for 5 s after three failures) is replaced by no policy at all: the coordination module
 * gives every call a deadline and decides itself when to try again, so its view of etcd's health
 * is never a breaker's memory of an old failure.
 */
import { readFile } from 'node:fs/promises';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import type { IOptions } from 'etcd3';
import type { EtcdSettings } from './quorum-config.js';

/** etcdReceiveBytesMax — one range answer we accept: a page of records or one snapshot chunk, with room to spare. */
export const etcdReceiveBytesMax = 16 * 1024 * 1024;

/** createEtcdClient — reads the TLS and password files, then connects (lazily) to the endpoints. */
export async function createEtcdClient(settings: EtcdSettings): Promise<Etcd3> {
  const options: IOptions = {
    hosts: settings.endpoints,
    dialTimeout: settings.leaseTtlMs,
    grpcOptions: { 'grpc.max_receive_message_length': etcdReceiveBytesMax },
    faultHandling: { host: () => noop, global: noop },
  };
  if (settings.tls) {
    const { caFile, certFile, keyFile } = settings.tls;
    options.credentials = {
      // Without a CA file, gRPC verifies the members against the system's roots (etcd3's type says Buffer).
      rootCertificate: caFile ? await readFile(caFile) : (undefined as unknown as Buffer),
      privateKey: keyFile ? await readFile(keyFile) : undefined,
      certChain: certFile ? await readFile(certFile) : undefined,
    };
  }
  if (settings.auth) {
    const { user, password, passwordFile } = settings.auth;
    const secret = password ?? (passwordFile ? (await readFile(passwordFile, 'utf8')).replace(/\r?\n$/, '') : '');
    options.auth = { username: user, password: secret };
  }
  return new Etcd3(options);
}
