/**
 * refusalOf: which errors are refusals (retrying will not help) and which are not (down, hung).
 * The TLS ones are OpenSSL's and Node's words for a member that answers our handshake in plain
 * text or closes it.
 */
import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../src/quorum/etcd-access.js';

describe('refusalOf', () => {
  it.each([
    ['14 UNAVAILABLE: No connection established. Last error: Error: Client network socket disconnected before secure TLS connection was established'],
    ['14 UNAVAILABLE: No connection established. Last error: 40E8D0F5:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'],
    ['14 UNAVAILABLE: No connection established. Last error: SSL routines::packet length too long'],
    ['14 UNAVAILABLE: No connection established. Last error: SSL routines::unexpected eof while reading'],
    ['14 UNAVAILABLE: No connection established. Last error: SSL routines::record layer failure'],
  ])('a plain-text member under TLS: %s', (message) => {
    expect(refusalOf(new Error(message))).toBe('not-tls');
  });

  it.each([['14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:2379'], ['4 DEADLINE_EXCEEDED: Deadline exceeded']])(
    'down or hung is no refusal: %s',
    (message) => {
      expect(refusalOf(new Error(message))).toBeNull();
    },
  );
});
