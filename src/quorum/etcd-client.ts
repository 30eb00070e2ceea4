/**
 * etcd-client — `etcd3` clients for the coordination module, built from EtcdSettings.
 *
 * Every call carries a deadline (the caller's), and a failed or hung member must not fail the call:
 *
 *   call ─▶ member (shuffled) ─fails (refused, unavailable, no raft leader) or no answer within
 *           half a TTL─▶ 100 ms ─▶ next member … (until the caller's deadline)
 *   a member that did not answer in time is skipped for a TTL (a breaker per member), then one
 *   call tries it again: a hung member costs one call per TTL, never every keepalive. Fast failures
 *   open no breaker (during etcd's raft election every member fails fast, and must be asked again).
 *
 * (etcd3's default breaker stays open for 5 s after three failures: longer than a lease.) The
 * health probe uses a second client without any of this (`probe: true`): it must ask a member
 * itself, not a breaker's memory of an old failure.
 */
import { readFile } from 'node:fs/promises';
import type { IBackoff } from 'cockatiel';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ConstantBackoff,
  ExponentialBackoff,
  handleWhen,
  BrokenCircuitError,
  noop,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { Etcd3, GRPCDeadlineExceededError, isRecoverableError } from 'etcd3';
import type { IOptions } from 'etcd3';
import { StorageError } from '../errors.js';
import type { EtcdSettings } from './quorum-config.js';

/** etcdReceiveBytesMax — one range answer we accept: a page of records or one snapshot chunk, with room to spare. */
export const etcdReceiveBytesMax = 16 * 1024 * 1024;

/** grpcKeepaliveMs — how often an idle etcd connection is pinged: twice etcd's floor (--grpc-keepalive-min-time, 5 s), whose enforcement closes a connection that pings too often. */
const grpcKeepaliveMs = 10_000;

/** createEtcdClient — reads the TLS and password files, then connects (lazily) to the endpoints. */
export async function createEtcdClient(settings: EtcdSettings, { probe = false } = {}): Promise<Etcd3> {
  // instanceof, not cockatiel's isTaskCancelledError: in 3.2 that one tests another error's marker.
  const slow = (error: Error): boolean => error instanceof TaskCancelledError || error instanceof GRPCDeadlineExceededError;
  // A member that did not answer in time is skipped for a TTL: only one call per TTL pays for a hung member.
  const hung = handleWhen(slow);
  // Fast failures (refused, no raft leader) and skipped members: wait a little and ask the next member.
  const retriable = handleWhen((error) => isRecoverableError(error) || slow(error) || error instanceof BrokenCircuitError);
  const attempt = () => timeout(settings.leaseTtlMs / 2, TimeoutStrategy.Aggressive);
  const options: IOptions = {
    hosts: settings.endpoints,
    dialTimeout: settings.leaseTtlMs,
    grpcOptions: {
      'grpc.max_receive_message_length': etcdReceiveBytesMax,
      // A member cut off (packets dropped, no reset) leaves a watch silent forever: pings find it.
      'grpc.keepalive_time_ms': grpcKeepaliveMs,
      'grpc.keepalive_timeout_ms': Math.min(grpcKeepaliveMs, settings.leaseTtlMs),
    },
    faultHandling: probe
      ? { host: () => noop, global: noop }
      : {
          host: () => wrap(circuitBreaker(hung, { halfOpenAfter: settings.leaseTtlMs, breaker: new ConsecutiveBreaker(1) }), attempt()),
          // Enough tries to outlast etcd electing a new raft leader; the caller's deadline bounds them.
          global: retry(retriable, { maxAttempts: 4 * settings.endpoints.length, backoff: new ConstantBackoff(100) }),
          // A broken watch (its member died) reconnects within half a TTL, not after etcd3's 30 s cap.
          // (etcd3 declares a backoff state here but calls next() on it like on this factory.)
          watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: settings.leaseTtlMs / 2 }) as unknown as IBackoff<unknown>,
        },
  };
  if (settings.tls) {
    const { caFile, certFile, keyFile } = settings.tls;
    options.credentials = {
      // Without a CA file, gRPC verifies the members against the system's roots (etcd3's type says Buffer).
      rootCertificate: caFile ? await readSetting('etcd_ca_file', caFile) : (undefined as unknown as Buffer),
      privateKey: keyFile ? await readSetting('etcd_key_file', keyFile) : undefined,
      certChain: certFile ? await readSetting('etcd_cert_file', certFile) : undefined,
    };
  }
  if (settings.auth) {
    const { user, password, passwordFile } = settings.auth;
    const secret = password ?? (passwordFile ? (await readSetting('etcd_password_file', passwordFile)).toString('utf8').replace(/\r?\n$/, '') : '');
    // etcd3 asks for a token before the first call, one member after another: bound each ask.
    const authenticate = (): { deadline: Date } => ({ deadline: new Date(Date.now() + settings.leaseTtlMs / 2) });
    options.auth = { username: user, password: secret, callOptions: authenticate };
  }
  return new Etcd3(options);
}

/** readSetting — a file a configserver.conf key names; a StorageError names the key and the path. */
async function readSetting(key: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new StorageError(path, `${key}: cannot read it: ${reason}`, { cause: error });
  }
}
