/**
 * config-values — strict readers for scalar config values.
 *
 * The original reads a malformed integer as the default without a word; we
 * report it instead and fall back to the default only so that the rest of the file can still
 * be checked. A file with any problem is never applied, so the fallback is never served.
 */
import type { IniEntry } from './ini-dialect.js';
import { clip } from './ini-dialect.js';
import type { ProblemList } from './problem-list.js';

const integerPattern = /^-?\d{1,30}$/;
const hexPattern = /^0[xX][0-9a-fA-F]{1,30}$/;
const decimalPattern = /^(\d{1,30}(\.\d{0,30})?|\.\d{1,30})([eE][+-]?\d{1,3})?$/;

/** parseIntegerText — an optional `-` and digits to a bigint, or null for anything else. */
export function parseIntegerText(text: string): bigint | null {
  return integerPattern.test(text) ? BigInt(text) : null;
}

/** parseDecimalText — a plain non-negative decimal (`0.6`, `.5`, `2`, `1e-1`), or null. */
export function parseDecimalText(text: string): number | null {
  return decimalPattern.test(text) ? Number(text) : null;
}

/** readInteger — an integer in min..max, or `fallback` (absent, or reported as a problem). */
export function readInteger(entry: IniEntry | undefined, fallback: number, min: number, max: number, problems: ProblemList): number {
  if (!entry) return fallback;
  const value = parseIntegerText(entry.value);
  if (value === null) {
    problems.add(entry.line, entry.key, `expected an integer, got '${clip(entry.value)}'`);
    return fallback;
  }
  if (value < BigInt(min) || value > BigInt(max)) {
    problems.add(entry.line, entry.key, `must be between ${min} and ${max}, got ${value}`);
    return fallback;
  }
  return Number(value);
}

/** readChoice — one of the listed integers, or `fallback` (absent, or reported as a problem). */
export function readChoice<T extends number>(entry: IniEntry | undefined, fallback: T, allowed: readonly T[], problems: ProblemList): T {
  if (!entry) return fallback;
  const value = parseIntegerText(entry.value);
  const found = allowed.find((choice) => value !== null && BigInt(choice) === value);
  if (found === undefined) {
    const list = allowed.slice(0, -1).join(', ') + ' or ' + allowed[allowed.length - 1];
    problems.add(entry.line, entry.key, `must be ${list}, got '${clip(entry.value)}'`);
    return fallback;
  }
  return found;
}

/** readFlag — `0` or `1` as a boolean, or `fallback`. */
export function readFlag(entry: IniEntry | undefined, fallback: boolean, problems: ProblemList): boolean {
  return readChoice(entry, fallback ? 1 : 0, [0, 1], problems) === 1;
}

/** readRatio — a decimal in (0, 1], or `fallback`. */
export function readRatio(entry: IniEntry | undefined, fallback: number, problems: ProblemList): number {
  if (!entry) return fallback;
  const value = parseDecimalText(entry.value);
  if (value === null) {
    problems.add(entry.line, entry.key, `expected a decimal number, got '${clip(entry.value)}'`);
    return fallback;
  }
  if (!(value > 0 && value <= 1)) {
    problems.add(entry.line, entry.key, `must be greater than 0 and at most 1, got ${entry.value}`);
    return fallback;
  }
  return value;
}

/** readMask — a decimal or `0x` hexadecimal bit mask in 0..maxValue, or `fallback`. */
export function readMask(entry: IniEntry | undefined, fallback: bigint, maxValue: bigint, problems: ProblemList): bigint {
  if (!entry) return fallback;
  const text = entry.value;
  const value = hexPattern.test(text) ? BigInt(text.toLowerCase()) : parseIntegerText(text);
  if (value === null) {
    problems.add(entry.line, entry.key, `expected a decimal or 0x-hex integer, got '${clip(text)}'`);
    return fallback;
  }
  if (value < 0n || value > maxValue) {
    problems.add(entry.line, entry.key, `must be between 0 and 0x${maxValue.toString(16)}, got ${text}`);
    return fallback;
  }
  return value;
}

/** splitList — a list value split on `;` and `,`, entries trimmed, empty entries dropped. */
export function splitList(value: string, separators: RegExp = /[;,]/): string[] {
  return value
    .split(separators)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
