/**
 * errors — one base class with a stable `code`; subclasses only where callers branch.
 *
 * Expected outcomes are values, bugs are asserts; these are for input we refuse.
 */

/** TairError — base of every error we throw on purpose; `code` is stable for callers to branch on. */
export class TairError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** InputError — a caller passed something outside a documented limit or shape (nothing changed). */
export class InputError extends TairError {
  constructor(message: string) {
    super('ERR_INPUT', message);
  }
}

/** ConfigProblem — one problem found in a config file, with where it is. */
export interface ConfigProblem {
  file: string;
  line: number;
  key: string;
  message: string;
}

/** formatConfigProblem — the `file:line: key: message` form every config error is shown in. */
export function formatConfigProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}: ${p.key}: ${p.message}`;
}

/** ConfigError — a config file is invalid; carries every problem found, not just the first. */
export class ConfigError extends TairError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super('ERR_CONFIG', problems.map(formatConfigProblem).join('\n'));
    this.problems = problems;
  }
}

/** ProtocolError — a frame or body that does not decode; the connection that sent it is closed. */
export class ProtocolError extends TairError {
  constructor(message: string) {
    super('ERR_PROTOCOL', message);
  }
}

/**
 * StorageError — a file that cannot be read or written, or is truncated, corrupt or of another format.
 * When the file system refused, `cause` is its error and `errno` its code (`ENOSPC`, `EACCES`, …),
 * so callers can tell a full disk from a permission problem.
 */
export class StorageError extends TairError {
  readonly path: string;
  readonly errno: string | undefined;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('ERR_STORAGE', `${path}: ${message}`, options);
    this.path = path;
    const code = (options?.cause as NodeJS.ErrnoException | undefined)?.code;
    this.errno = typeof code === 'string' ? code : undefined;
  }
}
