/**
 * EngineRunner on its own: where jobs run (by their estimated work), what a job past its
 * deadline becomes, and that the next job after a failed worker runs on a new one.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { BuildJob } from '../../src/cluster/index.js';
import { EngineRunner, defaultJobDeadlineMs, engineNsPerSlot, localWorkMsMax, workerSlotThreshold } from '../../src/server/engine-runner.js';

function buildJob(jobId: number, bucketCount: number): BuildJob {
  const servers = Array.from({ length: 8 }, (_, position) => ({
    id: `ds-${position}`,
    rack: `r${position % 2}`,
    weight: 1,
    alive: true,
  }));
  return {
    kind: 'build',
    jobId,
    groupName: 'group_1',
    bucketCount,
    copyCount: 3,
    servers,
    source: null,
    strategy: 'balanced',
    diffRatio: 0.6,
    seed: 0,
  };
}

let runner: EngineRunner | null = null;
afterEach(async () => {
  await runner?.close();
  runner = null;
});

describe('EngineRunner', () => {
  test('the worker threshold is the estimated work past which a job leaves the event loop', () => {
    expect(workerSlotThreshold).toBe(Math.floor((localWorkMsMax * 1e6) / engineNsPerSlot));
    // The default deadline grows with the size and stays well beyond the slowest estimate.
    expect(defaultJobDeadlineMs(3 << 20)).toBeGreaterThan(defaultJobDeadlineMs(1 << 20));
    expect(defaultJobDeadlineMs(3 << 20)).toBeGreaterThan((((3 << 20) * engineNsPerSlot) / 1e6) * 4);
    // A group of the smallest usual shape (1,023 buckets, two copies) already runs in the worker.
    expect(1_023 * 2).toBeGreaterThan(workerSlotThreshold);
  });

  test('a job past its deadline fails with the reason, and the next one runs on a new worker', async () => {
    runner = new EngineRunner(() => 0, { jobDeadlineMs: 0 });
    const bucketCount = Math.ceil(workerSlotThreshold / 3) * 64;
    const late = await runner.run(buildJob(1, bucketCount));
    expect(late).toMatchObject({ type: 'jobFailed', jobId: 1 });
    expect(late.type === 'jobFailed' && late.message).toContain('deadline of 0 ms');
    await runner.close();
    runner = new EngineRunner(() => 0);
    const next = await runner.run(buildJob(2, bucketCount));
    expect(next).toMatchObject({ type: 'buildDone', jobId: 2, result: { ok: true } });
  }, 60_000);

  test('a stopped worker fails its running job at once; the runner starts a new worker for the next', async () => {
    runner = new EngineRunner(() => 0);
    const bucketCount = 65_536;
    const running = runner.run(buildJob(1, bucketCount));
    await runner.stopWorker();
    expect(await running).toMatchObject({ type: 'jobFailed', jobId: 1, message: 'engine worker closed' });
    expect(await runner.run(buildJob(2, bucketCount))).toMatchObject({ type: 'buildDone', jobId: 2, result: { ok: true } });
  }, 60_000);

  test('a worker that dies on its own fails its running job at once and is replaced', async () => {
    runner = new EngineRunner(() => 0);
    const bucketCount = Math.ceil(workerSlotThreshold / 3) * 64;
    const running = runner.run(buildJob(1, bucketCount));
    // Kill the thread behind the runner's back, as a crash would: the runner is not told.
    const inner = (runner as unknown as { worker: { worker: { terminate(): Promise<number> } } }).worker;
    await inner.worker.terminate();
    const failed = await running;
    expect(failed).toMatchObject({ type: 'jobFailed', jobId: 1 });
    expect(failed.type === 'jobFailed' && failed.message).toMatch(/engine worker (exited|failed)/);
    expect(await runner.run(buildJob(2, bucketCount))).toMatchObject({ type: 'buildDone', jobId: 2, result: { ok: true } });
  }, 60_000);

  test('a small job runs on this thread', async () => {
    runner = new EngineRunner(() => 0);
    const bucketCount = Math.floor(workerSlotThreshold / 3);
    const event = await runner.run(buildJob(1, bucketCount));
    expect(event).toMatchObject({ type: 'buildDone', result: { ok: true } });
    expect(runner.workerProgress()).toBeNull();
  });
});
