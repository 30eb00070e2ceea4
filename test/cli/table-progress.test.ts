/**
 * The table commands' progress bar: drawn on a terminal from the step count a build
 * publishes, erased at the end, never drawn on a pipe; a long build in a terminal runs in
 * the worker and reports the same table as the build on this thread.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { ProgressBuilder, progressLine, typicalStepsPerSlot, watchProgress } from '../../src/cli/table-progress.js';

function recordingStream(isTTY: boolean): { isTTY: boolean; written: string[]; write(text: string): boolean } {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) > 0 };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('progressLine', () => {
  test('fills the bar by steps against the typical steps of the build, holding at 99 % until it ends', () => {
    const slots = 1_000_000;
    expect(progressLine(0, slots, 0)).toMatch(/^building ▕░{30}▏ {3}0 % {2}0\.0M steps {2}0\.0 s$/);
    const half = progressLine((typicalStepsPerSlot * slots) / 2, slots, 1_500);
    expect(half).toContain(`▕${'█'.repeat(15)}${'░'.repeat(15)}▏  50 %`);
    expect(half).toContain('1.5 s');
    expect(progressLine(10 * typicalStepsPerSlot * slots, slots, 0)).toContain(' 99 %');
  });
});

describe('watchProgress', () => {
  test('draws while a build runs and erases the line when stopped', () => {
    vi.useFakeTimers();
    const stream = recordingStream(true);
    let progress: { steps: number; slots: number } | null = null;
    const stop = watchProgress({ progress: () => progress }, stream, () => Date.now());
    vi.advanceTimersByTime(1_000);
    expect(stream.written).toEqual([]);
    progress = { steps: 5e6, slots: 1e6 };
    vi.advanceTimersByTime(400);
    expect(stream.written.length).toBe(2);
    expect(stream.written[0]).toMatch(/^\rbuilding ▕/);
    stop();
    expect(stream.written.at(-1)).toBe('\r\x1b[K');
    vi.advanceTimersByTime(1_000);
    expect(stream.written.length).toBe(3);
  });

  test('draws nothing when the stream is not a terminal', () => {
    vi.useFakeTimers();
    const stream = recordingStream(false);
    const stop = watchProgress({ progress: () => ({ steps: 1, slots: 1 }) }, stream);
    vi.advanceTimersByTime(2_000);
    stop();
    expect(stream.written).toEqual([]);
  });
});

describe('ProgressBuilder', () => {
  test('a long build on a terminal runs in the worker and gives the same table as on this thread', async () => {
    const stream = recordingStream(true);
    const builder = new ProgressBuilder(stream);
    const servers = Array.from({ length: 16 }, (_, position) => ({ id: `ds-${position}`, rack: `r${position % 4}`, weight: 1, alive: true }));
    const input = { bucketCount: 1 << 22, copyCount: 4, servers };
    try {
      const inWorker = await builder.build(input);
      const here = new Engine().build(input);
      expect(inWorker.ok).toBe(true);
      expect(Buffer.from(inWorker.table.slots.buffer).equals(Buffer.from(here.table.slots.buffer))).toBe(true);
      // Whatever was drawn ends erased.
      if (stream.written.length > 0) expect(stream.written.at(-1)).toBe('\r\x1b[K');
    } finally {
      await builder.close();
    }
  }, 120_000);
});
