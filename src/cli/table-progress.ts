/**
 * table-progress — a progress bar on stderr while `tair-cs table build|rebuild` runs a long
 * build, drawn only when stderr is a terminal (nothing at all when it is piped or a file).
 *
 * A long build runs in a WorkerEngine so this thread is free to draw; the bar follows the
 * step count the engine publishes in shared memory, against the steps a build usually takes
 * (typicalStepsPerSlot per slot; searches may take more, so the bar holds
 * at 99 % until the build returns). The line is erased when the build ends.
 */
import { type BuildInput, type BuildReport, Engine, WorkerEngine } from '../engine/index.js';

/** progressSlotsMin — builds of at least this many slots (B·C) show a bar (16M slots take about a second). */
export const progressSlotsMin = 1 << 24;
/** typicalStepsPerSlot — about the steps per slot of a large build or rebuild (1–8 measured; the bar's 100 %). */
export const typicalStepsPerSlot = 8;
const drawEveryMs = 200;
const barWidth = 30;

/** ProgressSource — what the bar reads: the running build's steps and slots (null: none running). */
export interface ProgressSource {
  progress(): { steps: number; slots: number } | null;
}

/** ProgressStream — where the bar goes (process.stderr). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** progressLine — one frame of the bar, e.g. `building ▕████░░░░▏  42 %  61.2M steps  1.4 s`. */
export function progressLine(steps: number, slots: number, elapsedMs: number): string {
  const fraction = Math.min(0.99, steps / Math.max(1, typicalStepsPerSlot * slots));
  const filled = Math.round(fraction * barWidth);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
  const percent = String(Math.floor(fraction * 100)).padStart(3);
  return `building ▕${bar}▏ ${percent} %  ${(steps / 1e6).toFixed(1)}M steps  ${(elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * watchProgress — draw `source`'s progress on `stream` every drawEveryMs until the returned
 * stop() is called (which erases the line); draws nothing unless `stream` is a terminal.
 */
export function watchProgress(source: ProgressSource, stream: ProgressStream, now: () => number = performance.now.bind(performance)): () => void {
  if (!stream.isTTY) return () => undefined;
  const startedMs = now();
  let drawn = false;
  const timer = setInterval(() => {
    const progress = source.progress();
    if (!progress) return;
    stream.write(`\r${progressLine(progress.steps, progress.slots, now() - startedMs)}`);
    drawn = true;
  }, drawEveryMs);
  return () => {
    clearInterval(timer);
    if (drawn) stream.write('\r\x1b[K');
  };
}

/**
 * ProgressBuilder — builds for the table commands: on this thread, or (for a build of at
 * least progressSlotsMin slots with stderr a terminal) in a worker with a bar on stderr.
 */
export class ProgressBuilder {
  private local: Engine | null = null;
  private worker: WorkerEngine | null = null;

  constructor(private readonly stream: ProgressStream = process.stderr) {}

  /** build — one build of `input`, with a bar when it is long and stderr is a terminal. */
  async build(input: BuildInput): Promise<BuildReport> {
    const slots = input.bucketCount * input.copyCount;
    if (!this.stream.isTTY || slots < progressSlotsMin) {
      this.local ??= new Engine();
      return this.local.build(input);
    }
    this.worker ??= new WorkerEngine();
    const stop = watchProgress(this.worker, this.stream);
    try {
      return await this.worker.build(input);
    } finally {
      stop();
    }
  }

  /** close — stop the worker, if one was started. */
  async close(): Promise<void> {
    await this.worker?.close();
    this.worker = null;
  }
}
