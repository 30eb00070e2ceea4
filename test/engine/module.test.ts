/**
 * The Wasm module's boundary: what it imports (its purity, by structure), what it exports,
 * and that the numbers both sides share — outcome enums, result word offsets, limits —
 * agree between assembly/ and src/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as hostLimits from '../../src/limits.js';
import { BuildResultWord, Outcome, QuickResultWord, SearchPass, Strategy } from '../../src/engine/outcome.js';
import { createEngineMemory, engineModule, instantiateEngine, wasmPath } from '../../src/engine/wasm-module.js';

const variants = ['release', 'debug'] as const;
const root = join(import.meta.dirname, '..', '..');

/** The host's declared view of the module: method name → parameter count, from EngineExports. */
function hostDeclaredFunctions(): Map<string, number> {
  const source = readFileSync(join(root, 'src', 'engine', 'wasm-module.ts'), 'utf8');
  const body = /export interface EngineExports \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  const functions = new Map<string, number>();
  for (const match of body.matchAll(/^\s*(\w+)\(([^)]*)\):/gm)) {
    const params = match[2]
      .split(',')
      .map((param) => param.trim())
      .filter((param) => param !== '');
    functions.set(match[1], params.length);
  }
  return functions;
}

const limitNames = ['bucketCountMax', 'copyCountMax', 'slotCountMax', 'serverCountMax', 'rackCountMax', 'stepsPerSlotMax', 'stepsPerServerMax', 'stepsFixed'];

function byName<T extends { name: string }>(list: T[]): T[] {
  return [...list].sort((x, y) => x.name.localeCompare(y.name));
}

/** The memory import's limits flag byte, read from the binary's import section (0x03 = shared with max). */
function memoryImportFlags(bytes: Uint8Array): number[] {
  let at = 8;
  const leb = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
  };
  const name = (): string => {
    const length = leb();
    at += length;
    return new TextDecoder().decode(bytes.subarray(at - length, at));
  };
  const flags: number[] = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 2) {
      for (let count = leb(); count > 0; count--) {
        name();
        name();
        const kind = bytes[at++];
        if (kind === 0) leb();
        else if (kind === 2) {
          const flag = bytes[at++];
          flags.push(flag);
          leb();
          if (flag & 1) leb();
        } else throw new Error(`unexpected import kind ${kind}`);
      }
    }
    at = end;
  }
  return flags;
}

describe.each(variants)('the %s module', (variant) => {
  const module = engineModule(variant);

  it('imports exactly env.memory and env.abort', () => {
    expect(byName(WebAssembly.Module.imports(module))).toEqual([
      { module: 'env', name: 'abort', kind: 'function' },
      { module: 'env', name: 'memory', kind: 'memory' },
    ]);
  });

  it('imports its memory as shared', () => {
    expect(memoryImportFlags(readFileSync(wasmPath(variant)))).toEqual([0x03]);
    const unshared = new WebAssembly.Memory({ initial: 16, maximum: 65_536 });
    expect(() => instantiateEngine(module, unshared)).toThrow(WebAssembly.LinkError);
    expect(() => instantiateEngine(module, createEngineMemory())).not.toThrow();
  });

  it('exports the functions the host declares, its limits, its memory and nothing else', () => {
    const declared = hostDeclaredFunctions();
    expect(declared.size).toBeGreaterThanOrEqual(9);
    const expected = [...declared.keys()]
      .map((name) => ({ name, kind: 'function' }))
      .concat(
        limitNames.map((name) => ({ name, kind: 'global' })),
        [{ name: 'memory', kind: 'memory' }],
      );
    expect(byName(WebAssembly.Module.exports(module))).toEqual(byName(expected));
  });

  it('takes as many arguments as the host passes to each function', () => {
    const exports = instantiateEngine(module, createEngineMemory()) as unknown as Record<string, (...args: number[]) => number>;
    for (const [name, count] of hostDeclaredFunctions()) expect({ name, arity: exports[name].length }).toEqual({ name, arity: count });
  });

  it('exports the same limits as src/limits.ts', () => {
    const exports = instantiateEngine(module, createEngineMemory()) as unknown as Record<string, WebAssembly.Global>;
    for (const [name, value] of Object.entries(engineLimits())) {
      expect({ name, value: exports[name].value }).toEqual({ name, value });
    }
  });
});

/** Parse `export const enum Name { Key = 1, ... }` blocks of an AssemblyScript file. */
function parseConstEnums(source: string): Map<string, Record<string, number>> {
  const enums = new Map<string, Record<string, number>>();
  for (const block of source.matchAll(/export const enum (\w+) \{([\s\S]*?)\n\}/g)) {
    const members: Record<string, number> = {};
    for (const member of block[2].matchAll(/^\s*(\w+) = (\d+),?\s*$/gm)) members[member[1]] = Number(member[2]);
    enums.set(block[1], members);
  }
  return enums;
}

/** Parse `export const name: u32 = 1_234;` lines of assembly/limits.ts. */
function engineLimits(): Record<string, number> {
  const source = readFileSync(join(root, 'assembly', 'limits.ts'), 'utf8');
  const limits: Record<string, number> = {};
  for (const match of source.matchAll(/^export const (\w+): u32 = ([\d_]+);/gm)) {
    limits[match[1]] = Number(match[2].replaceAll('_', ''));
  }
  return limits;
}

function lowerFirst(members: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(members).map(([key, value]) => [key[0].toLowerCase() + key.slice(1), value]));
}

describe('assembly/outcome.ts and src/engine/outcome.ts', () => {
  const enums = parseConstEnums(readFileSync(join(root, 'assembly', 'outcome.ts'), 'utf8'));

  it('declares the enums both sides rely on', () => {
    expect([...enums.keys()].sort()).toEqual(['BuildResult', 'Outcome', 'QuickResult', 'ScanResult', 'SearchPass', 'Strategy']);
  });

  it('agree on every member and value', () => {
    expect(lowerFirst(enums.get('Outcome') ?? {})).toEqual(Outcome);
    expect(lowerFirst(enums.get('Strategy') ?? {})).toEqual(Strategy);
    expect(lowerFirst(enums.get('BuildResult') ?? {})).toEqual(BuildResultWord);
    expect(lowerFirst(enums.get('QuickResult') ?? {})).toEqual(QuickResultWord);
    expect(lowerFirst(enums.get('SearchPass') ?? {})).toEqual(SearchPass);
  });

  it('keep the scan result layout the host reads (total, then count and first bucket per copy)', () => {
    expect(enums.get('ScanResult')).toEqual({ Total: 0, PerCopyBase: 1 });
  });
});

describe('assembly/limits.ts and src/limits.ts', () => {
  const limits = engineLimits();

  it('the engine file declares the shape limits and the step bound', () => {
    expect(Object.keys(limits).sort()).toEqual([...limitNames].sort());
  });

  it('agree on every value', () => {
    const host = hostLimits as unknown as Record<string, number>;
    for (const [name, value] of Object.entries(limits)) expect({ name, value: host[name] }).toEqual({ name, value });
  });

  it('keep slotCountMax = 2^26 and server indexes within u16', () => {
    expect(hostLimits.slotCountMax).toBe(2 ** 26);
    expect(hostLimits.serverCountMax).toBe(0xffff);
  });
});
