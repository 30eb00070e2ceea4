/**
 * address-filter — which source addresses a list (`admin_allow`) lets in.
 *
 *   entry            matches
 *   127.0.0.1        that IPv4 address (and its IPv4-mapped IPv6 form ::ffff:127.0.0.1)
 *   10.0.0.0/8       every IPv4 address in the range
 *   ::1, fd00::/8    IPv6 addresses and ranges
 *   loopback         127.0.0.0/8 and ::1
 *
 * Sockets report IPv4 peers of a dual-stack listener as `::ffff:a.b.c.d`; those are matched as
 * IPv4, so one entry covers both forms. Matching is net.BlockList's (one call, no loop of ours).
 */
import { BlockList, isIP } from 'node:net';
import { InputError } from '../errors.js';

/** AddressEntry — one parsed list entry, as written (for messages) and as a range. */
export interface AddressEntry {
  text: string;
  family: 'ipv4' | 'ipv6';
  address: string;
  prefixBits: number;
}

/** loopbackEntries — what `loopback` stands for. */
export const loopbackEntries: readonly AddressEntry[] = [
  { text: '127.0.0.0/8', family: 'ipv4', address: '127.0.0.0', prefixBits: 8 },
  { text: '::1', family: 'ipv6', address: '::1', prefixBits: 128 },
];

const mappedPrefix = '::ffff:';

/** parseAddressEntry — `ip`, `ip/bits` or `loopback`; a string saying what is wrong otherwise. */
export function parseAddressEntry(text: string): AddressEntry[] | string {
  if (text === 'loopback') return [...loopbackEntries];
  const slash = text.indexOf('/');
  const address = normalizeAddress(slash < 0 ? text : text.slice(0, slash));
  const version = isIP(address);
  if (version === 0) return `'${text}' is not an IPv4 or IPv6 address (or address/bits range)`;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const widthBits = version === 4 ? 32 : 128;
  if (slash < 0) return [{ text, family, address, prefixBits: widthBits }];
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > widthBits) return `'${text}': the prefix must be 0..${widthBits} bits`;
  return [{ text, family, address, prefixBits: Number(bitsText) }];
}

/** addressFilterOf — a filter from entries as written (`ip`, `ip/bits`, `loopback`); throws InputError on a bad one. */
export function addressFilterOf(texts: readonly string[]): AddressFilter {
  return new AddressFilter(
    texts.flatMap((text) => {
      const parsed = parseAddressEntry(text);
      if (typeof parsed === 'string') throw new InputError(parsed);
      return parsed;
    }),
  );
}

/** normalizeAddress — an IPv4-mapped IPv6 address as plain IPv4; anything else unchanged. */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith(mappedPrefix) && isIP(lower.slice(mappedPrefix.length)) === 4 ? lower.slice(mappedPrefix.length) : address;
}

/** isLoopbackAddress — 127.0.0.0/8, ::1, or their mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  return loopback.matches(address);
}

/** AddressFilter — a set of addresses and ranges. */
export class AddressFilter {
  private readonly list = new BlockList();

  constructor(readonly entries: readonly AddressEntry[]) {
    for (const entry of entries) {
      if (entry.prefixBits === (entry.family === 'ipv4' ? 32 : 128)) this.list.addAddress(entry.address, entry.family);
      else this.list.addSubnet(entry.address, entry.prefixBits, entry.family);
    }
  }

  /** matches — whether `address` (as a socket reports it) is in the set; an unparsable one never is. */
  matches(address: string | undefined): boolean {
    if (address === undefined) return false;
    const plain = normalizeAddress(address);
    const version = isIP(plain);
    if (version === 0) return false;
    return this.list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
  }

  /** describe — the entries as written, for logs and messages. */
  describe(): string {
    return this.entries.map((entry) => entry.text).join(', ');
  }
}

const loopback = new AddressFilter(loopbackEntries);

/**
 * sentFromHost — whether a connection from `remoteIp` comes from the host `ip` names (a data
 * server's listed address): the same IPv4 address, in either form a socket reports.
 */
export function sentFromHost(remoteIp: string, ip: string): boolean {
  return normalizeAddress(remoteIp) === ip;
}
