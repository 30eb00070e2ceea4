/**
 * option-checks — the options object a library caller passes (TairClient.open, new
 * DataServerAgent), checked before anything uses it, so a slip reads as what it is:
 *
 *   TairClient.open: missing option groupName (string, the group's name); unknown option group (did you mean groupName?)
 *
 * rather than `Cannot read properties of undefined` somewhere inside. Every problem at once,
 * one InputError.
 */
import { nearestKey } from '../config/nearest-key.js';
import { InputError } from '../errors.js';

/** OptionKind — what an option must hold. */
export type OptionKind = 'string' | 'positive number' | 'non-negative number' | 'address list' | 'address' | 'function' | 'timer source';

/** OptionSpec — one option: its kind, whether it must be given, and a few words about it. */
export interface OptionSpec {
  kind: OptionKind;
  required: boolean;
  about: string;
}

/** checkOptions — throws InputError naming every missing, unknown or ill-typed option. */
export function checkOptions(where: string, options: unknown, specs: Readonly<Record<string, OptionSpec>>): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InputError(
      `${where}: options must be an object with ${Object.keys(specs)
        .filter((name) => specs[name].required)
        .join(', ')}`,
    );
  }
  const given = options as Record<string, unknown>;
  const names = Object.keys(specs);
  const problems: string[] = [];
  const missing = names.filter((name) => specs[name].required && given[name] === undefined);
  for (const name of missing) problems.push(`missing option ${name} (${specs[name].kind}, ${specs[name].about})`);
  for (const key of Object.keys(given)) {
    if (key in specs) continue;
    // `group` for groupName, `selfAddress` for self: one starts the other.
    const lower = key.toLowerCase();
    const hint = missing.find((name) => name.toLowerCase().startsWith(lower) || lower.startsWith(name.toLowerCase())) ?? nearestKey(key, names);
    problems.push(`unknown option ${key}${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  for (const name of names) {
    const value = given[name];
    if (value === undefined) continue;
    const problem = kindProblem(specs[name].kind, value);
    if (problem) problems.push(`option ${name} ${problem}`);
  }
  if (problems.length > 0) throw new InputError(`${where}: ${problems.join('; ')}`);
}

function kindProblem(kind: OptionKind, value: unknown): string | null {
  switch (kind) {
    case 'string':
      return typeof value === 'string' && value !== '' ? null : 'must be a non-empty string';
    case 'positive number':
      return typeof value === 'number' && Number.isFinite(value) && value > 0 ? null : `must be a number above 0, got ${describe(value)}`;
    case 'non-negative number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? null : `must be a number ≥ 0, got ${describe(value)}`;
    case 'address':
      return isAddress(value) ? null : `must be 'ip:port' or { ip, port }, got ${describe(value)}`;
    case 'address list':
      if (!Array.isArray(value) || value.length === 0) return `must be a non-empty array of 'ip:port', got ${describe(value)}`;
      return value.every(isAddress) ? null : "must hold only 'ip:port' strings or { ip, port } objects";
    case 'function':
      return typeof value === 'function' ? null : `must be a function, got ${describe(value)}`;
    case 'timer source': {
      const timers = value as Record<string, unknown> | null;
      const complete =
        typeof value === 'object' && timers !== null && ['nowMs', 'setTimeout', 'clearTimeout'].every((name) => typeof timers[name] === 'function');
      return complete ? null : `must be { nowMs, setTimeout, clearTimeout }, got ${describe(value)}`;
    }
  }
}

function isAddress(value: unknown): boolean {
  if (typeof value === 'string') return value !== '';
  if (typeof value !== 'object' || value === null) return false;
  const { ip, port } = value as { ip?: unknown; port?: unknown };
  return typeof ip === 'string' && typeof port === 'number';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
