/**
 * claim-pid-file — a command's pid file taken, or the reason it is not on stderr
 * (`tair-cs <command>: refusing to start: … names process N, which is running …`).
 */
import { acquirePidFile, PidFileError } from '../server/pid-file.js';

/** claimPidFile — true once `path` names this process; false (after saying why) when a live process owns it. */
export function claimPidFile(path: string, command: string): boolean {
  try {
    acquirePidFile(path);
    return true;
  } catch (error) {
    if (!(error instanceof PidFileError)) throw error;
    process.stderr.write(`tair-cs ${command}: refusing to start: ${error.message}\n`);
    return false;
  }
}
