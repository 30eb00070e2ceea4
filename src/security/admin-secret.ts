/**
 * admin-secret — the key our admin CLI and the config-server pair sign requests with
 * (`[configserver] admin_secret` or `admin_secret_file`; signature.ts).
 *
 * The key is the value's bytes (a file's trailing newline and blanks dropped), 16..4096 bytes.
 * It never appears in a log, a status document or `config check`'s summary: JSON and
 * util.inspect show `(secret)`.
 */
import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { adminSecretBytesMax, adminSecretBytesMin } from '../limits.js';

/** AdminSecret — an HMAC key that does not print. */
export class AdminSecret {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = Buffer.from(key);
  }

  /** key — the key bytes (for createHmac only). */
  get key(): Buffer {
    return this.#key;
  }

  /** toJSON — never the key. */
  toJSON(): string {
    return '(secret)';
  }

  [inspect.custom](): string {
    return 'AdminSecret (secret)';
  }
}

/** checkSecretBytes — why a key is unusable (null: it is fine). */
export function checkSecretBytes(key: Buffer): string | null {
  if (key.length < adminSecretBytesMin) return `is ${key.length} bytes; at least ${adminSecretBytesMin} are needed (e.g. openssl rand -hex 32)`;
  if (key.length > adminSecretBytesMax) return `is ${key.length} bytes, over the ${adminSecretBytesMax}-byte limit`;
  return null;
}

/** readAdminSecretFile — the key in `path`, or why it cannot be used. */
export async function readAdminSecretFile(path: string): Promise<{ secret: AdminSecret } | { problem: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: `cannot read ${path}: ${code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (error as Error).message}` };
  }
  if (bytes.length > adminSecretBytesMax + 2) return { problem: `${path} is over the ${adminSecretBytesMax}-byte limit` };
  const key = Buffer.from(bytes.toString('latin1').replace(/[\s]+$/, ''), 'latin1');
  const problem = checkSecretBytes(key);
  return problem ? { problem: `the key in ${path} ${problem}` } : { secret: new AdminSecret(key) };
}
