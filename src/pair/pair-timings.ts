/**
 * pair-timings — every period of the pair derived from one setting, `[configserver] peer_timeout_ms`
 * (default 1500 ms, so that a dead or hung primary is replaced within 3 s):
 *
 *   heartbeatIntervalMs  peerTimeout / 4     a 1004 to the peer this often
 *   requestTimeoutMs     peerTimeout / 2     one heartbeat's wait for its answer
 *   pushTimeoutMs        peerTimeout / 2     one push's wait for the secondary's acknowledgement
 *   stallMs              peerTimeout / 3     a gap between our own ticks this long means we were
 *                                            not running (SIGSTOP, swap): re-check before acting
 *   reportFreshMs        max(peerTimeout, 2500)  a data server's report counts this long (the agent
 *                                            beats every second; two beats may be missed)
 *   handoverWaitMs       peerTimeout         entry #1, having stepped down for entry #0, waits this
 *                                            long for it to take over before resuming
 *   handoverRetryMs      2 × heartbeatInterval  entry #0 asks again this soon after a refusal (the
 *                                            peer may not have seen it in sync yet)
 *   tickMs               heartbeatInterval / 2, 10..100
 */

/** PairTimings — see the file comment. */
export interface PairTimings {
  peerTimeoutMs: number;
  heartbeatIntervalMs: number;
  requestTimeoutMs: number;
  pushTimeoutMs: number;
  stallMs: number;
  reportFreshMs: number;
  handoverWaitMs: number;
  handoverRetryMs: number;
  tickMs: number;
  /** finishForwardTimeoutMs — a forwarded migrate-finish waits this long (the data server waits 2 s). */
  finishForwardTimeoutMs: number;
  /** refusalDelayMs — a finish that cannot be forwarded is answered 1 after this pause, so data servers do not spin. */
  refusalDelayMs: number;
}

/** pairTimings — the timings for a peer timeout. */
export function pairTimings(peerTimeoutMs: number): PairTimings {
  const heartbeatIntervalMs = Math.max(10, Math.floor(peerTimeoutMs / 4));
  return {
    peerTimeoutMs,
    heartbeatIntervalMs,
    requestTimeoutMs: Math.max(20, Math.floor(peerTimeoutMs / 2)),
    pushTimeoutMs: Math.max(50, Math.floor(peerTimeoutMs / 2)),
    stallMs: Math.max(50, Math.floor(peerTimeoutMs / 3)),
    reportFreshMs: Math.max(peerTimeoutMs, 2500),
    handoverWaitMs: peerTimeoutMs,
    handoverRetryMs: 2 * heartbeatIntervalMs,
    tickMs: Math.min(100, Math.max(10, Math.floor(heartbeatIntervalMs / 2))),
    finishForwardTimeoutMs: 2000,
    refusalDelayMs: 200,
  };
}
