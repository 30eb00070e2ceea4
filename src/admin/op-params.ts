/**
 * op-params — strict reading of op_cmd string parameters (the original
 * skipped one, crashed on an empty one and turned non-numbers into 0).
 *
 * Every reader throws ParamError naming the parameter and what was wrong; the service turns it
 * into code −4201 with that message, before anything is looked at or changed.
 */
import { InputError } from '../errors.js';
import { parseServerAddress, serverIdFromAddress } from '../common/server-id.js';
import type { OpCmdResponse } from '../protocol/index.js';
import { AdminCode } from './admin-codes.js';

/** ParamError — a parameter that does not read; becomes code −4201. */
export class ParamError extends InputError {}

/** reply — an op_cmd response. */
export function reply(code: number, ...infos: string[]): OpCmdResponse {
  return { code, infos };
}

/** ok — a successful response with info lines. */
export function ok(...infos: string[]): OpCmdResponse {
  return { code: AdminCode.success, infos };
}

/** expectParams — between `min` and `max` parameters, else a ParamError showing the usage. */
export function expectParams(params: readonly string[], min: number, max: number, usage: string): void {
  if (params.length < min || params.length > max) {
    const wanted = min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    throw new ParamError(`expected ${wanted} parameters (${usage}), got ${params.length}`);
  }
}

/** nonEmpty — the text, trimmed, or a ParamError when nothing is left. */
export function nonEmpty(text: string | undefined, name: string): string {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') throw new ParamError(`${name} is empty`);
  return trimmed;
}

/** wholeNumber — a decimal whole number 0..max (no sign, no unit, no hex). */
export function wholeNumber(text: string | undefined, name: string, max: number): number {
  const trimmed = nonEmpty(text, name);
  if (!/^\d{1,16}$/.test(trimmed)) throw new ParamError(`${name} '${trimmed}' is not a whole number`);
  const value = Number(trimmed);
  if (value > max) throw new ParamError(`${name} ${value} is over ${max}`);
  return value;
}

/** serverParam — `ip[:port]` to a server id (`defaultPort` when none is given). */
export function serverParam(text: string | undefined, name: string, defaultPort: number): bigint {
  const trimmed = nonEmpty(text, name);
  try {
    return serverIdFromAddress(parseServerAddress(trimmed, defaultPort));
  } catch (error) {
    if (error instanceof InputError) throw new ParamError(`${name}: ${error.message}`);
    throw error;
  }
}

/** listParam — the entries of a `,`, `;` or blank separated list (none empty). */
export function listParam(text: string | undefined, name: string): string[] {
  const entries = nonEmpty(text, name)
    .split(/[\s,;]+/)
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new ParamError(`${name} lists nothing`);
  return entries;
}

/** serverListParam — a list of servers. */
export function serverListParam(text: string | undefined, name: string, defaultPort: number): bigint[] {
  return listParam(text, name).map((entry) => serverParam(entry, name, defaultPort));
}

/** bucketListParam — a list of bucket numbers. */
export function bucketListParam(text: string | undefined, name: string, max: number): number[] {
  return listParam(text, name).map((entry) => wholeNumber(entry, name, max));
}

/** groupParam — a group name (the first parameter of most commands). */
export function groupParam(text: string | undefined): string {
  return nonEmpty(text, 'group');
}
