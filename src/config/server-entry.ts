/**
 * server-entry — one `_server_list` entry: `ip[:port][@rack][*weight]`.
 *
 *   10.0.0.7               port from [tairserver] port, rack from _pos_mask, weight 1
 *   10.0.0.7:5191@rack-a   explicit rack
 *   10.0.0.7:5191@rack-a*2 explicit rack, twice the share of buckets
 *   10.0.0.7*3             rack from _pos_mask, weight 3
 *
 * The rack and weight are ours; the original only knows `ip[:port]` and derives the rack
 * ("pos") from the id and `_pos_mask`.
 */
import { InputError } from '../errors.js';
import { rackNameBytesMax, weightMax } from '../limits.js';
import type { ServerAddress } from '../common/server-id.js';
import { parseServerAddress, rackOfServerId } from '../common/server-id.js';

/** ServerEntry — the parts of one entry; `rack` is null when the entry names none. */
export interface ServerEntry {
  address: ServerAddress;
  rack: string | null;
  weight: number;
}

/** ServerEntryResult — a parsed entry, or why it is malformed. */
export type ServerEntryResult = { ok: true; entry: ServerEntry } | { ok: false; message: string };

const entryPattern = /^([^@*]+)(?:@([^@*]*))?(?:\*([^@*]*))?$/;
const rackPattern = new RegExp(`^[A-Za-z0-9_.:-]{1,${rackNameBytesMax}}$`);

/** parseServerEntry — splits and checks `ip[:port][@rack][*weight]`. */
export function parseServerEntry(text: string, defaultPort: number): ServerEntryResult {
  const match = entryPattern.exec(text);
  if (!match) return { ok: false, message: `'${text}' is not of the form ip[:port][@rack][*weight]` };
  const [, addressText, rackText, weightText] = match;
  let address: ServerAddress;
  try {
    address = parseServerAddress(addressText, defaultPort);
  } catch (error) {
    if (error instanceof InputError) return { ok: false, message: error.message };
    throw error;
  }
  if (address.ip === '0.0.0.0') return { ok: false, message: `'${text}': 0.0.0.0 is not a server address` };
  if (rackText !== undefined && !rackPattern.test(rackText)) {
    return {
      ok: false,
      message: `'${text}': rack must be 1..${rackNameBytesMax} characters of A-Z a-z 0-9 _ . : -`,
    };
  }
  let weight = 1;
  if (weightText !== undefined) {
    if (!/^\d{1,10}$/.test(weightText) || Number(weightText) < 1 || Number(weightText) > weightMax) {
      return { ok: false, message: `'${text}': weight must be an integer in 1..${weightMax}` };
    }
    weight = Number(weightText);
  }
  return { ok: true, entry: { address, rack: rackText ?? null, weight } };
}

/**
 * rackFromPosMask — the original's rack of a server, shown as the masked dotted address:
 * mask 0xffff gives `10.0` for 10.0.3.7, mask 0xffffff gives `10.0.3`.
 */
export function rackFromPosMask(serverId: bigint, posMask: bigint): string {
  const pos = rackOfServerId(serverId, posMask);
  const mask = Number(posMask & 0xffff_ffffn);
  let octetCount = 0;
  for (let i = 0; i < 4; i++) if ((mask >>> (8 * i)) & 0xff) octetCount = i + 1;
  if (octetCount === 0) return '0';
  const octets: number[] = [];
  for (let i = 0; i < octetCount; i++) octets.push((pos >>> (8 * i)) & 0xff);
  return octets.join('.');
}
