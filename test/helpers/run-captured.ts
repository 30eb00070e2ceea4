/**
 * run-captured — run a `tair-cs` command module in-process and capture what it writes, for
 * CLI tests that need no separate process.
 */
import { vi } from 'vitest';

/** CapturedRun — the exit code and everything written to stdout and stderr. */
export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** runCaptured — `run(argv)` with stdout and stderr captured (and restored afterwards). */
export async function runCaptured(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await run(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
