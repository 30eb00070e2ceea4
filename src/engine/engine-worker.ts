/**
 * engine-worker — the worker side of WorkerEngine: an engine instance over the memory the
 * main thread shares with it, running one prepared call per message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptEngineModule, engineModule, instantiateEngine, type EngineVariant } from './wasm-module.js';

interface WorkerSetup {
  memory: WebAssembly.Memory;
  variant: EngineVariant;
  /** module — the parent's compiled module (compiled once per process, not per worker). */
  module?: WebAssembly.Module;
}

interface CallMessage {
  id: number;
  fn: string;
  args: number[];
  output?: { at: number; count: number };
}

const setup = workerData as WorkerSetup;
if (setup.module) adoptEngineModule(setup.variant, setup.module);
const exports = instantiateEngine(engineModule(setup.variant), setup.memory) as unknown as Record<string, (...args: number[]) => number>;

parentPort?.on('message', (message: CallMessage) => {
  try {
    const returned = exports[message.fn](...message.args);
    if (!message.output) {
      parentPort?.postMessage({ id: message.id, returned });
      return;
    }
    // Copy the output here and hand the buffer over: the caller's thread copies nothing.
    const bytes = message.output.count * 2;
    const output = new ArrayBuffer(bytes);
    Buffer.from(setup.memory.buffer, message.output.at, bytes).copy(Buffer.from(output));
    parentPort?.postMessage({ id: message.id, returned, output }, [output]);
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
