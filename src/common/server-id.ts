/**
 * server-id — Tair's 64-bit server id and its `ip:port` text form.
 *
 *   bits 63..48   47..32   31..24  23..16  15..8   7..0
 *        0        port     d       c       b       a        for a.b.c.d:port
 *
 * The low word is the IPv4 address as it sits in memory in network order, read as a
 * little-endian u32, so `a` is the lowest byte. Id 0 means "no server".
 */
import { InputError } from '../errors.js';

/** defaultDataServerPort — `[tairserver] port` when nothing says otherwise. */
export const defaultDataServerPort = 5191;
/** defaultConfigServerPort — `[configserver] port` when nothing says otherwise. */
export const defaultConfigServerPort = 5198;

const ipv4Pattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** ServerAddress — a data or config server's IPv4 address and port. */
export interface ServerAddress {
  ip: string;
  port: number;
}

/** parseServerAddress — `ip[:port]` to an address; throws InputError with the reason when malformed. */
export function parseServerAddress(text: string, defaultPort: number): ServerAddress {
  const trimmed = text.trim();
  const colon = trimmed.lastIndexOf(':');
  const host = colon >= 0 ? trimmed.slice(0, colon) : trimmed;
  const portText = colon >= 0 ? trimmed.slice(colon + 1) : '';
  const match = ipv4Pattern.exec(host);
  if (!match) throw new InputError(`'${text}' is not an IPv4 address (a.b.c.d[:port])`);
  for (let i = 1; i <= 4; i++) {
    if (Number(match[i]) > 255) throw new InputError(`'${text}': octet ${match[i]} is over 255`);
  }
  let port = defaultPort;
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(portText)) throw new InputError(`'${text}': port '${portText}' is not a number`);
    port = Number(portText);
  }
  if (port < 1 || port > 65_535) throw new InputError(`'${text}': port ${port} is outside 1..65535`);
  return { ip: match.slice(1, 5).map(Number).join('.'), port };
}

/** serverIdFromAddress — the 64-bit id of an address: `(port << 32) | littleEndianIpv4`. */
export function serverIdFromAddress(address: ServerAddress): bigint {
  const octets = address.ip.split('.').map(Number);
  const low = (octets[0] | (octets[1] << 8) | (octets[2] << 16) | (octets[3] << 24)) >>> 0;
  return (BigInt(address.port) << 32n) | BigInt(low);
}

/** serverIdFromText — `ip[:port]` straight to the 64-bit id. */
export function serverIdFromText(text: string, defaultPort: number): bigint {
  return serverIdFromAddress(parseServerAddress(text, defaultPort));
}

/** addressFromServerId — the inverse of serverIdFromAddress; bits 48..63 are ignored (bit 63 = "not ready"). */
export function addressFromServerId(id: bigint): ServerAddress {
  const low = Number(id & 0xffff_ffffn);
  const port = Number((id >> 32n) & 0xffffn);
  const ip = [low & 0xff, (low >>> 8) & 0xff, (low >>> 16) & 0xff, (low >>> 24) & 0xff].join('.');
  return { ip, port };
}

/** formatServerId — `ip:port` for an id (port left out when 0, as the original prints it). */
export function formatServerId(id: bigint): string {
  const { ip, port } = addressFromServerId(id);
  return port > 0 ? `${ip}:${port}` : ip;
}

/** rackOfServerId — the original's rack ("pos"): `id & posMask`, truncated to 32 bits. */
export function rackOfServerId(id: bigint, posMask: bigint): number {
  return Number(id & posMask & 0xffff_ffffn);
}
