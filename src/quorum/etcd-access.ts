/**
 * etcd-access — when etcd refuses us (TLS or credentials), say so in words an operator can act
 * on, naming the endpoint and the configserver.conf key to fix:
 *
 *   any error ─ refusalOf ─▶ 'client-certificate'  the member did not accept our certificate (or we sent none)
 *                            'server-certificate'  the member's certificate does not verify against our CA
 *                            'not-tls'             we speak TLS, the member does not
 *                            'authentication'      wrong user or password
 *                            'auth-disabled'       we send a user, the cluster has no authentication
 *                            'permission'          our user may not use the prefix
 *                            null                  not a refusal: down, hung, no quorum (retrying helps)
 *
 *   checkEtcdAccess(settings) ─▶ each endpoint alone: one serializable read of P/epoch (TLS, the
 *                                user and its read permission exercised; no quorum needed)
 *
 * The etcd client spreads calls over every endpoint and its errors name none, so a refusal seen
 * in a call is followed by checkEtcdAccess to find out which members refuse.
 */
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from './etcd-client.js';
import type { EtcdSettings } from './quorum-config.js';

/** EtcdRefusal — why etcd refused us (see the file comment). */
export type EtcdRefusal = 'client-certificate' | 'server-certificate' | 'not-tls' | 'authentication' | 'auth-disabled' | 'permission';

/** EndpointAccess — one endpoint's answer: ok, refused (with the reason in words), or silent. */
export interface EndpointAccess {
  endpoint: string;
  ok: boolean;
  refusal: EtcdRefusal | null;
  /** message — what went wrong, naming the endpoint ('' when ok). */
  message: string;
}

const patterns: [EtcdRefusal, RegExp][] = [
  ['authentication', /authentication failed|invalid user ID or password/i],
  ['auth-disabled', /authentication is not enabled/i],
  ['permission', /permission denied|user name (is )?not found|role name not found/i],
  ['client-certificate', /alert (bad certificate|unknown ca|certificate required|certificate unknown|handshake failure|access denied)/i],
  [
    'server-certificate',
    /unable to verify|self[- ]signed certificate|local issuer certificate|unable to get issuer|certificate has expired|not yet valid|altnames|ERR_TLS_CERT/i,
  ],
  // OpenSSL names a plain-text answer or a close during our handshake in several ways.
  ['not-tls', /wrong version number|disconnected before secure TLS connection|packet length too long|unexpected eof while reading|record layer failure/i],
];

/** refusalOf — the refusal an error stands for, or null when it is not one. */
export function refusalOf(error: unknown): EtcdRefusal | null {
  const text = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
  if (/EtcdAuthenticationFailedError/.test(text)) return 'authentication';
  if (/EtcdPermissionDeniedError/.test(text)) return 'permission';
  for (const [refusal, pattern] of patterns) if (pattern.test(text)) return refusal;
  return null;
}

/** describeRefusal — the refusal in words: who refused, why, and which key of configserver.conf to look at. */
export function describeRefusal(endpoint: string, refusal: EtcdRefusal, settings: EtcdSettings, error: unknown): string {
  const tls = settings.tls;
  const auth = settings.auth;
  switch (refusal) {
    case 'client-certificate':
      return tls?.certFile
        ? `etcd ${endpoint} refused our client certificate ${tls.certFile} (etcd_cert_file): the member does not trust the CA that signed it (${detailOf(error)})`
        : `etcd ${endpoint} requires a client certificate: set etcd_cert_file and etcd_key_file (${detailOf(error)})`;
    case 'server-certificate':
      return `etcd ${endpoint}: the member's certificate does not verify against ${tls?.caFile ? `etcd_ca_file ${tls.caFile}` : "the system's CAs (set etcd_ca_file)"} (${detailOf(error)})`;
    case 'not-tls':
      return `etcd ${endpoint} closed the connection during the TLS handshake: does it serve TLS? (write http:// before it, or remove the etcd_*_file keys) (${detailOf(error)})`;
    case 'authentication':
      return `etcd ${endpoint} refused user '${auth?.user ?? ''}': wrong password (${auth?.passwordFile ? `etcd_password_file ${auth.passwordFile}` : 'etcd_password'}) or no such user`;
    case 'auth-disabled':
      return `etcd ${endpoint} has authentication disabled, yet etcd_user is set: remove etcd_user and its password, or enable authentication in etcd`;
    case 'permission': {
      const who = auth ? `user '${auth.user}'` : tls?.certFile ? `the user named by the CN of ${tls.certFile}` : 'a client without a user';
      return `etcd ${endpoint} denied ${who} access to ${settings.prefix}/: grant its role readwrite on that prefix`;
    }
  }
}

/** checkEtcdAccess — every endpoint asked alone (in parallel, each within `timeoutMs`). */
export async function checkEtcdAccess(settings: EtcdSettings, timeoutMs = settings.leaseTtlMs): Promise<EndpointAccess[]> {
  return Promise.all(
    settings.endpoints.map(async (endpoint): Promise<EndpointAccess> => {
      let client: Etcd3 | null = null;
      try {
        client = await createEtcdClient({ ...settings, endpoints: [endpoint] }, { probe: true });
        await client
          .get(`${settings.prefix}/epoch`)
          .serializable(true)
          .options({ deadline: new Date(Date.now() + timeoutMs) })
          .exec();
        return { endpoint, ok: true, refusal: null, message: '' };
      } catch (error) {
        const refusal = refusalOf(error);
        const message = refusal ? describeRefusal(endpoint, refusal, settings, error) : `etcd ${endpoint} did not answer: ${detailOf(error)}`;
        return { endpoint, ok: false, refusal, message };
      } finally {
        client?.close();
      }
    }),
  );
}

/** detailOf — an error's message without gRPC's boilerplate and OpenSSL's source locations. */
function detailOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/^No connection established\. Last error: (Error: )?/, '')
    .replace(/[0-9A-F]{8,}:error:[0-9A-F]+:SSL routines:[^:]*:/, '')
    .replace(/:\.\.\/deps\/openssl\S*/, '')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)/, '')
    .replace(/\s*Resolution note:.*$/s, '')
    .trim();
}
