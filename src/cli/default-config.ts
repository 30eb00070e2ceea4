/**
 * default-config — the configserver.conf a command reads when none is named: `start`, `demo`,
 * and `status` / `admin` without an address all agree on it.
 *
 *   ./configserver.conf            when it exists (a deployment's directory)
 *   ./examples/configserver.conf   otherwise (a clone: what `npm start` runs)
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** defaultConfigCandidates — the paths tried, in order (relative to the working directory). */
export const defaultConfigCandidates: readonly string[] = ['configserver.conf', 'examples/configserver.conf'];

/** defaultConfigPath — the first candidate that exists, else the first (so an error names it). */
export function defaultConfigPath(): string {
  const found = defaultConfigCandidates.find((candidate) => existsSync(resolve(candidate)));
  return resolve(found ?? defaultConfigCandidates[0]);
}
