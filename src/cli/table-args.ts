/**
 * table-args — parse and check the arguments of `tair-cs table build|rebuild|check`.
 *
 * Every problem is an InputError with a one-line message; the command prints it and exits
 * 2. Numbers are plain decimal digits ("1e3", "0x10", "-1" and "" are refused).
 */
import { parseArgs } from 'node:util';
import { InputError } from '../errors.js';
import { bucketCountMax, copyCountMax, rackCountMax, repeatCountMax, serverCountMax, slotCountMax, weightMax } from '../limits.js';
import type { RackRule } from './table-servers.js';

/** StrategyName — the build strategies of the original (1, 2, 3). */
export type StrategyName = 'balanced' | 'rack' | 'auto';

/** BuildArgs — `table build`. */
export interface BuildArgs {
  bucketCount: number;
  copyCount: number;
  serverCount: number;
  rackRule: RackRule;
  weights?: number[];
  strategy: StrategyName;
  seed: number;
  out?: string;
  /** repeat — build this many times and report min/median/max of buildMs (the first is cold). */
  repeat: number;
}

/** RebuildArgs — `table rebuild`. */
export interface RebuildArgs {
  in: string;
  down: number[];
  add: number;
  strategy: StrategyName;
  seed: number;
  out?: string;
  /** repeat — as BuildArgs.repeat. */
  repeat: number;
}

/** CheckArgs — `table check`. */
export interface CheckArgs {
  in: string;
}

const seedMax = 0xffff_ffff;
const strategies: readonly StrategyName[] = ['balanced', 'rack', 'auto'];

/** parseBuildArgs — `--buckets B --copies C --servers S [--racks R | --rack-sizes …] …`. */
export function parseBuildArgs(argv: string[]): BuildArgs {
  const values = parseStrict(argv, {
    buckets: { type: 'string' },
    copies: { type: 'string' },
    servers: { type: 'string' },
    racks: { type: 'string' },
    'rack-sizes': { type: 'string' },
    weights: { type: 'string' },
    strategy: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    repeat: { type: 'string' },
  });
  const bucketCount = wholeNumber('--buckets', required(values, 'buckets'), 1, bucketCountMax);
  const copyCount = wholeNumber('--copies', required(values, 'copies'), 1, copyCountMax);
  if (bucketCount * copyCount > slotCountMax) {
    throw new InputError(`--buckets × --copies = ${bucketCount * copyCount} is over the limit of ${slotCountMax} slots`);
  }
  const { serverCount, rackRule } = parseServersAndRacks(values);
  if (serverCount < copyCount) throw new InputError(`--copies ${copyCount} needs at least ${copyCount} servers, got ${serverCount}`);
  const weights = values.weights === undefined ? undefined : parseWeights(values.weights, serverCount);
  return {
    bucketCount,
    copyCount,
    serverCount,
    rackRule,
    weights,
    strategy: parseStrategy(values.strategy),
    seed: parseSeed(values.seed),
    out: optionalPath(values, 'out'),
    repeat: parseRepeat(values.repeat),
  };
}

/** parseRebuildArgs — `--in FILE [--down i,j,…] [--add N] [--out FILE] [--strategy …] [--seed N] [--repeat N]`. */
export function parseRebuildArgs(argv: string[]): RebuildArgs {
  const values = parseStrict(argv, {
    in: { type: 'string' },
    down: { type: 'string' },
    add: { type: 'string' },
    out: { type: 'string' },
    strategy: { type: 'string' },
    seed: { type: 'string' },
    repeat: { type: 'string' },
  });
  const down = values.down === undefined ? [] : list('--down', values.down).map((text) => wholeNumber('--down', text, 0, serverCountMax - 1));
  return {
    in: requiredPath(values, 'in'),
    down,
    add: values.add === undefined ? 0 : wholeNumber('--add', values.add, 0, serverCountMax),
    strategy: parseStrategy(values.strategy),
    seed: parseSeed(values.seed),
    out: optionalPath(values, 'out'),
    repeat: parseRepeat(values.repeat),
  };
}

/** parseCheckArgs — `--in FILE`. */
export function parseCheckArgs(argv: string[]): CheckArgs {
  const values = parseStrict(argv, { in: { type: 'string' } });
  return { in: requiredPath(values, 'in') };
}

type Values = Record<string, string | undefined>;

function parseStrict(argv: string[], options: Record<string, { type: 'string' }>): Values {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(-[^' ]+)/.exec(message)?.[1];
    if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
      throw new InputError(`${flag} needs a value (write ${flag}=VALUE for a value starting with '-')`);
    }
    // Node's messages are one sentence followed by advice; the sentence is what the user needs.
    throw new InputError(message.split(/\.\s/)[0].replace(/\s+/g, ' '));
  }
}

function parseServersAndRacks(values: Values): { serverCount: number; rackRule: RackRule } {
  const rackSizesText = values['rack-sizes'];
  if (typeof rackSizesText === 'string') {
    if (values.racks !== undefined) throw new InputError('give either --racks or --rack-sizes, not both');
    const rackSizes = list('--rack-sizes', rackSizesText).map((text) => wholeNumber('--rack-sizes', text, 1, serverCountMax));
    if (rackSizes.length > rackCountMax) throw new InputError(`--rack-sizes lists ${rackSizes.length} racks, over the limit of ${rackCountMax}`);
    const total = rackSizes.reduce((sum, size) => sum + size, 0);
    if (total > serverCountMax) throw new InputError(`--rack-sizes adds up to ${total} servers, over the limit of ${serverCountMax}`);
    if (values.servers !== undefined) {
      const serverCount = wholeNumber('--servers', values.servers, 1, serverCountMax);
      if (serverCount !== total) throw new InputError(`--servers ${serverCount} differs from the ${total} servers of --rack-sizes`);
    }
    return { serverCount: total, rackRule: { kind: 'sizes', rackSizes } };
  }
  const serverCount = wholeNumber('--servers', required(values, 'servers'), 1, serverCountMax);
  const rackCount = values.racks === undefined ? 1 : wholeNumber('--racks', values.racks, 1, Math.min(rackCountMax, serverCount));
  return { serverCount, rackRule: { kind: 'round-robin', rackCount } };
}

function parseWeights(text: string, serverCount: number): number[] {
  const weights = list('--weights', text).map((entry) => wholeNumber('--weights', entry, 1, weightMax));
  if (weights.length !== serverCount) throw new InputError(`--weights lists ${weights.length} weights for ${serverCount} servers`);
  return weights;
}

function parseStrategy(text: string | undefined): StrategyName {
  if (text === undefined) return 'balanced';
  const found = strategies.find((name) => name === text);
  if (!found) throw new InputError(`--strategy '${text}' is not one of ${strategies.join(', ')}`);
  return found;
}

function parseSeed(text: string | undefined): number {
  return text === undefined ? 0 : wholeNumber('--seed', text, 0, seedMax);
}

function parseRepeat(text: string | undefined): number {
  return text === undefined ? 1 : wholeNumber('--repeat', text, 1, repeatCountMax);
}

/** wholeNumber — a decimal whole number in min..max, or an InputError naming the flag. */
export function wholeNumber(flag: string, text: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text)) throw new InputError(`${flag} '${text}' is not a whole number`);
  const value = Number(text);
  if (value < min || value > max) throw new InputError(`${flag} ${text} is outside ${min}..${max}`);
  return value;
}

function list(flag: string, text: string): string[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) throw new InputError(`${flag} '${text}' must be a comma-separated list of numbers`);
  return entries;
}

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string') throw new InputError(`missing --${name}`);
  return value;
}

function requiredPath(values: Values, name: string): string {
  const value = required(values, name);
  if (value === '') throw new InputError(`--${name} needs a file name`);
  return value;
}

function optionalPath(values: Values, name: string): string | undefined {
  return values[name] === undefined ? undefined : requiredPath(values, name);
}
