/**
 * security-keys — the configserver.conf keys of the trust boundary (docs/operations.md "Security"):
 *
 *   admin_allow  = 127.0.0.1, 10.0.0.0/8     repeatable; addresses, address/bits ranges, `loopback`,
 *   admin_allow  = fd00::/8                  or `none`; default: loopback and every config_server host
 *   http_address = 10.1.0.5                  the HTTP surface's IP (port from http_port), or
 *   http_address = 10.1.0.5:5199             ip:port (then http_port may be left out)
 */
import { isIP } from 'node:net';
import { adminAllowEntryCountMax } from '../limits.js';
import type { AddressEntry } from '../security/address-filter.js';
import { isLoopbackAddress, loopbackEntries, parseAddressEntry } from '../security/address-filter.js';
import { readInteger, splitList } from './config-values.js';
import type { IniEntry } from './ini-dialect.js';
import { clip } from './ini-dialect.js';
import type { ProblemList } from './problem-list.js';

/** HttpBinding — where HTTP listens: ip (null = the cluster address's IP) and port (null = no HTTP). */
export interface HttpBinding {
  ip: string | null;
  port: number | null;
  /** line — the line to blame in a problem about the port. */
  line: number;
}

/** defaultAdminAllow — loopback and the hosts of the config-server pair. */
export function defaultAdminAllow(configServers: readonly string[]): AddressEntry[] {
  const entries: AddressEntry[] = [...loopbackEntries];
  for (const server of configServers) {
    const ip = server.slice(0, server.lastIndexOf(':'));
    if (!isLoopbackAddress(ip) && !entries.some((entry) => entry.address === ip)) {
      entries.push({ text: ip, family: 'ipv4', address: ip, prefixBits: 32 });
    }
  }
  return entries;
}

/** readAdminAllow — every admin_allow line's entries; `none` alone means no source at all. */
export function readAdminAllow(lines: readonly IniEntry[], problems: ProblemList): AddressEntry[] {
  const entries: AddressEntry[] = [];
  for (const line of lines) {
    const texts = splitList(line.value);
    if (texts.length === 0) problems.add(line.line, line.key, "is empty (write 'none' to let no source change state)");
    for (const text of texts) {
      if (text === 'none') {
        if (lines.length > 1 || texts.length > 1) problems.add(line.line, line.key, "'none' cannot be combined with other entries");
        continue;
      }
      const parsed = parseAddressEntry(text);
      if (typeof parsed === 'string') problems.add(line.line, line.key, parsed);
      else entries.push(...parsed);
    }
  }
  if (entries.length > adminAllowEntryCountMax) {
    problems.add(lines[0].line, lines[0].key, `${entries.length} entries, over the limit of ${adminAllowEntryCountMax} (use ranges)`);
  }
  return entries;
}

/** readHttpAddress — http_address and http_port together. */
export function readHttpAddress(addressEntry: IniEntry | undefined, portEntry: IniEntry | undefined, problems: ProblemList): HttpBinding {
  const port = portEntry ? readInteger(portEntry, 0, 1, 65_535, problems) : null;
  const line = portEntry?.line ?? addressEntry?.line ?? 1;
  if (!addressEntry) return { ip: null, port, line };
  const parsed = splitHostPort(addressEntry.value);
  if (!parsed) {
    problems.add(addressEntry.line, addressEntry.key, `expected an IP address or ip:port, got '${clip(addressEntry.value)}'`);
    return { ip: null, port, line };
  }
  if (parsed.port !== null && port !== null && parsed.port !== port) {
    problems.add(addressEntry.line, addressEntry.key, `port ${parsed.port} differs from http_port ${port}`);
  }
  const chosen = parsed.port ?? port;
  if (chosen === null) problems.add(addressEntry.line, addressEntry.key, 'needs a port: write ip:port or set http_port');
  return { ip: parsed.ip, port: chosen, line: parsed.port !== null ? addressEntry.line : line };
}

/** splitHostPort — `ip`, `ipv4:port` or `[ipv6]:port`; null when it is none of them. */
function splitHostPort(text: string): { ip: string; port: number | null } | null {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return isIP(bracketed[1]) === 6 ? withPort(bracketed[1], bracketed[2]) : null;
  if (isIP(text) !== 0) return { ip: text, port: null };
  const colon = text.lastIndexOf(':');
  if (colon < 0 || isIP(text.slice(0, colon)) !== 4) return null;
  return withPort(text.slice(0, colon), text.slice(colon + 1));
}

function withPort(ip: string, portText: string | undefined): { ip: string; port: number | null } | null {
  if (portText === undefined) return { ip, port: null };
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  return port >= 1 && port <= 65_535 ? { ip, port } : null;
}
