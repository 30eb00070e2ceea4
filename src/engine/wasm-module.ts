/**
 * wasm-module — find, compile and instantiate the engine's Wasm module.
 *
 * The module imports exactly two things: `env.memory` (shared, sized by the host) and
 * `env.abort` (an engine assert failed: a host bug, reported as an exception).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

/** EngineVariant — `release` (optimised) or `debug` (asserts plus O(N) self-checks). */
export type EngineVariant = 'release' | 'debug';

/** EngineExports — the module's functions, as the host calls them. */
export interface EngineExports {
  heapBase(): number;
  scanTable(b: number, c: number, s: number, table: number, alive: number, result: number): number;
  quickTable(b: number, c: number, s: number, table: number, alive: number, allowLost: number, scratch: number, scratchBytes: number, result: number): number;
  quickScratchBytes(s: number): number;
  diffTables(b: number, c: number, s: number, current: number, target: number, flags: number, receivers: number, perSource: number): number;
  tableStats(
    b: number,
    c: number,
    s: number,
    r: number,
    table: number,
    alive: number,
    rack: number,
    replicas: number,
    masters: number,
    result: number,
    scratch: number,
    scratchBytes: number,
  ): void;
  statsScratchBytes(r: number): number;
  buildTable(
    b: number,
    c: number,
    s: number,
    r: number,
    strategy: number,
    diffRatioMillionths: number,
    seed: number,
    source: number,
    target: number,
    rack: number,
    weight: number,
    alive: number,
    scratch: number,
    scratchBytes: number,
    result: number,
    sourceEmpty: number,
  ): number;
  buildScratchBytes(b: number, c: number, s: number, r: number): number;
  maxServerIndex(ptr: number, count: number): number;
}

const modules = new Map<EngineVariant, WebAssembly.Module>();

/**
 * wasmPath — a variant's file, found next to this module: `../../build/` is the repo's build/
 * (where `npm run build:wasm` writes) from src/engine under vitest, and dist/build/ (where the
 * build copies it) from dist/src/engine, in a clone or an installed package alike.
 */
export function wasmPath(variant: EngineVariant): string {
  return fileURLToPath(new URL(`../../build/engine.${variant}.wasm`, import.meta.url));
}

/**
 * eagerCompileFlags — V8 compiles the whole module with its optimising compiler when it is
 * created (at `new Engine()`), instead of compiling each function on its first call with the
 * baseline compiler and optimising hot ones later: the first build in a process then runs
 * optimised code (within about 1.5× a warm build at XL, instead of about 3×), for about 0.1 s
 * more at construction. Set once, before the first module of the process is compiled.
 */
export const eagerCompileFlags: readonly string[] = ['--no-wasm-lazy-compilation', '--no-wasm-dynamic-tiering', '--no-liftoff'];
let flagsSet = false;

/** engineModule — the compiled module of a variant (compiled once per process). */
export function engineModule(variant: EngineVariant): WebAssembly.Module {
  let module = modules.get(variant);
  if (!module) {
    const path = wasmPath(variant);
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build:wasm\``);
    if (!flagsSet) {
      for (const flag of eagerCompileFlags) v8.setFlagsFromString(flag);
      flagsSet = true;
    }
    module = new WebAssembly.Module(readFileSync(path));
    modules.set(variant, module);
  }
  return module;
}

/** adoptEngineModule — use a module compiled elsewhere (a worker gets its parent's, compiled once). */
export function adoptEngineModule(variant: EngineVariant, module: WebAssembly.Module): void {
  if (!modules.has(variant)) modules.set(variant, module);
}

/** EngineAbort — an assert inside the engine failed (a host bug: inputs are checked before). */
export class EngineAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineAbort';
  }
}

/** instantiateEngine — an instance over the given shared memory. */
export function instantiateEngine(module: WebAssembly.Module, memory: WebAssembly.Memory): EngineExports {
  const readText = (ptr: number): string => {
    if (ptr === 0) return '';
    // AssemblyScript strings: UTF-16, byte length stored 4 bytes before the data.
    const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
    const copy = new Uint16Array(bytes >>> 1);
    copy.set(new Uint16Array(memory.buffer, ptr, bytes >>> 1));
    return String.fromCharCode(...copy);
  };
  const imports = {
    env: {
      memory,
      abort(messagePtr: number, filePtr: number, line: number, column: number): never {
        throw new EngineAbort(`engine assert: ${readText(messagePtr)} at ${readText(filePtr)}:${line}:${column}`);
      },
    },
  };
  const instance = new WebAssembly.Instance(module, imports);
  return instance.exports as unknown as EngineExports;
}

/** createEngineMemory — a shared memory the host can grow up to 4 GiB. */
export function createEngineMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 16, maximum: 65_536, shared: true });
}
