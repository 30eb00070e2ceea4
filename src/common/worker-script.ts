/**
 * worker-script — where a worker thread's compiled script is: beside the module that starts it
 * when it runs from dist/, or in dist/ when it runs from sources under vitest (the worker itself
 * must be JavaScript). Both the engine's and the quorum codec's workers start this way.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** workerScriptUrl — `fileName` beside `moduleUrl`, else `distPath` (relative to the repo root) seen from `moduleUrl`; throws when neither exists. */
export function workerScriptUrl(moduleUrl: string, fileName: string, distPath: string): URL {
  const beside = new URL(`./${fileName}`, moduleUrl);
  if (existsSync(fileURLToPath(beside))) return beside;
  const fromDist = new URL(`../../${distPath}`, moduleUrl);
  if (existsSync(fileURLToPath(fromDist))) return fromDist;
  throw new Error(`${fileName} not found: run \`npm run build:ts\``);
}
