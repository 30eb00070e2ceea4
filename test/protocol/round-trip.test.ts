/**
 * Round trips: every packet we speak decodes back to what was encoded, as a body and as a frame.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder } from '../../src/protocol/frame.js';
import { decodeBody, decodePacket, encodeBody, encodePacketFrame } from '../../src/protocol/packet.js';
import { pcodeName } from '../../src/protocol/pcodes.js';
import { allPcodes, anyPacket, packetOf } from './arbitraries.js';

describe('round trip of every packet', () => {
  it.each(allPcodes.map((pcode) => [pcodeName(pcode), pcode] as const))('%s (%i)', (_name, pcode) => {
    fc.assert(
      fc.property(packetOf(pcode), (packet) => {
        const body = encodeBody(packet);
        expect(decodeBody(packet.pcode, body)).toEqual(packet.body);
        expect(encodeBody(decodePacket(packet.pcode, body))).toEqual(body);
      }),
      { numRuns: 60 },
    );
  });

  it('a stream of framed packets decodes to the same packets and channel ids', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffff_ffff }), anyPacket), { maxLength: 6 }), (sent) => {
        const stream = Buffer.concat(sent.map(([channelId, packet]) => encodePacketFrame(channelId, packet)));
        const frames = new FrameDecoder().push(stream);
        expect(frames.map((f) => [f.channelId, decodePacket(f.pcode, f.body)])).toEqual(sent);
      }),
      { numRuns: 100 },
    );
  });
});
