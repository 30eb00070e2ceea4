/**
 * Dry runs on the shared engines: one at a time, a bounded queue, and "busy" past it.
 */
import { describe, expect, test } from 'vitest';
import { planQueueCountMax } from '../../src/limits.js';
import { EngineRunner } from '../../src/server/engine-runner.js';

describe('engine runner: exclusive work (admin plan)', () => {
  test('runs one at a time; past the queue bound the answer is busy; later work runs again', async () => {
    const runner = new EngineRunner(() => 0);
    let running = 0;
    let mostAtOnce = 0;
    const gates: (() => void)[] = [];
    const work = () =>
      runner.exclusive(10, async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
        return 'done';
      });
    const accepted = Array.from({ length: planQueueCountMax }, work);
    expect(await work()).toBe('busy');
    for (let released = 0; released < planQueueCountMax; released++) {
      while (gates.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      gates.shift()?.();
    }
    expect(await Promise.all(accepted)).toEqual(new Array(planQueueCountMax).fill('done'));
    expect(mostAtOnce).toBe(1);
    const after = work();
    while (gates.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    gates.shift()?.();
    expect(await after).toBe('done');
    await runner.close();
  });
});
