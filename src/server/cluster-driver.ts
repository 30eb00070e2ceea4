/**
 * cluster-driver — the one place every input enters the cluster state machine (etcd raft's
 * node loop): it steps the event, then drains the outbox and hands it to the host to perform,
 * in order, before anything else can step.
 *
 *   heartbeats, finishes ─┐
 *   admin, config reloads ├─▶ driver.step(event) ─▶ cluster.step ─▶ cluster.ready() ─▶ perform(ready)
 *   pair events, ticks    │                                                  (notices, publications,
 *   engine results, saves ┘                                                   replies, saves, jobs, probes)
 *
 * A new kind of input is one more ClusterEvent; no caller can forget the drain. Everything but
 * the driver reads the cluster through `ClusterReader` (no `step`, no `ready`).
 */
import type { Cluster, ClusterEvent, ClusterReader, Ready, StepAnswer } from '../cluster/index.js';

/** PerformReady — carries out one batch of what the cluster asked for (synchronously starts it). */
export type PerformReady = (ready: Ready) => void;

/** drainRoundsMax — performing never steps synchronously, so one round is the norm; this bounds a bug. */
export const drainRoundsMax = 64;

/** ClusterDriver — see the file comment. */
export class ClusterDriver {
  private draining = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly perform: PerformReady,
  ) {}

  /** state — the cluster, read-only. */
  get state(): ClusterReader {
    return this.cluster;
  }

  /** start — perform what the cluster produced while it was constructed (the saved tables' publications). */
  start(): void {
    this.drain();
  }

  /** step — feed one event, perform what it produced, and return its immediate answer. */
  step<E extends ClusterEvent>(event: E): StepAnswer<E> {
    const answer = this.cluster.step(event);
    this.drain();
    return answer;
  }

  // A step made while performing (re-entrant) only adds to the outbox: the outer drain takes it.
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let round = 0; round < drainRoundsMax; round++) {
        const ready = this.cluster.ready();
        if (isEmpty(ready)) return;
        this.perform(ready);
      }
      throw new Error(`the cluster kept producing work for ${drainRoundsMax} rounds in one step`);
    } finally {
      this.draining = false;
    }
  }
}

function isEmpty(ready: Ready): boolean {
  return ready.persist.length + ready.publish.length + ready.jobs.length + ready.probes.length + ready.replies.length + ready.notices.length === 0;
}
