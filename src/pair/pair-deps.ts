/**
 * pair-deps — what the pair needs from the config server that hosts it (src/server/config-server.ts).
 */
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { ClusterEvent, ClusterReader, StepAnswer } from '../cluster/index.js';
import type { ConfigServerConfig } from '../config/configserver-conf.js';

/** PairHostDeps — the host's state and the few actions the pair takes on it. */
export interface PairHostDeps {
  config: ConfigServerConfig;
  logger: Logger;
  /** cluster — read-only; changes go through `step`. */
  cluster(): ClusterReader;
  /** step — the one way to change the cluster (the host's driver performs what it asks for). */
  step<E extends ClusterEvent>(event: E): StepAnswer<E>;
  nowMs(): number;
  /** clock — the timers the pair runs on (its `nowMs` is the host's); a test drives a manual one. */
  clock: Clock;
  /** reloadGroupConf — apply group.conf as it is on disk now; false when the file is invalid. */
  reloadGroupConf(): Promise<boolean>;
}
