/**
 * group-lists — readers for the list-valued keys of a group section.
 *
 *   _server_list       = ip[:port][@rack][*weight]; ...   (`;` or `,` between entries)
 *   tmp_down_server    = ip:port;ip:port;
 *   _areaCapacity_list = area,bytes;area,bytes;
 *   _areaKey_list      = name,area;name,area;
 *   _plugIns_list      = a.so;b.so
 *
 * Multi-valued keys accumulate over repeated lines in file order. The original's alias rule for
 * `,`-lists depended on which servers the process had already seen; here `,`
 * is a plain separator like `;`, so the same file always means the same servers.
 */
import { InputError } from '../errors.js';
import { areaCountMax } from '../limits.js';
import { formatServerId, parseServerAddress, serverIdFromAddress } from '../common/server-id.js';
import { parseIntegerText, splitList } from './config-values.js';
import type { ServerConfig } from './group-config.js';
import type { IniEntry } from './ini-dialect.js';
import { clip } from './ini-dialect.js';
import type { ProblemList } from './problem-list.js';
import { parseServerEntry, rackFromPosMask } from './server-entry.js';

const int64Max = (1n << 63n) - 1n;

/**
 * readServerList — every `_server_list` entry; malformed and duplicate entries are reported and
 * counted in `rejectedCount` (so that checks on the server count do not pile on).
 */
export function readServerList(
  entries: readonly IniEntry[],
  posMask: bigint,
  defaultPort: number,
  problems: ProblemList,
): { servers: ServerConfig[]; rejectedCount: number } {
  const servers: ServerConfig[] = [];
  let rejectedCount = 0;
  const firstLine = new Map<string, number>();
  for (const entry of entries) {
    for (const text of splitList(entry.value)) {
      const parsed = parseServerEntry(text, defaultPort);
      if (!parsed.ok) {
        problems.add(entry.line, entry.key, parsed.message);
        rejectedCount += 1;
        continue;
      }
      const serverId = serverIdFromAddress(parsed.entry.address);
      const id = formatServerId(serverId);
      const earlier = firstLine.get(id);
      if (earlier !== undefined) {
        problems.add(entry.line, entry.key, `server ${id} is listed twice (first at line ${earlier})`);
        rejectedCount += 1;
        continue;
      }
      firstLine.set(id, entry.line);
      const rack = parsed.entry.rack ?? rackFromPosMask(serverId, posMask);
      servers.push({ id, serverId, rack, weight: parsed.entry.weight, line: entry.line });
    }
  }
  return { servers, rejectedCount };
}

/** readServerAddresses — a `tmp_down_server`-style list of `ip[:port]` as canonical `ip:port`. */
export function readServerAddresses(entry: IniEntry | undefined, defaultPort: number, problems: ProblemList): string[] {
  if (!entry) return [];
  const result: string[] = [];
  for (const text of splitList(entry.value)) {
    try {
      const id = formatServerId(serverIdFromAddress(parseServerAddress(text, defaultPort)));
      if (!result.includes(id)) result.push(id);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.add(entry.line, entry.key, error.message);
    }
  }
  return result;
}

/** readAreaCapacities — `area,bytes` pairs into a map; a repeated area is reported. */
export function readAreaCapacities(entries: readonly IniEntry[], problems: ProblemList): Map<number, bigint> {
  const capacities = new Map<number, bigint>();
  const firstLine = new Map<number, number>();
  for (const entry of entries) {
    for (const pair of splitList(entry.value, /;/)) {
      const parts = pair.split(',').map((part) => part.trim());
      const area = parts.length === 2 ? parseIntegerText(parts[0]) : null;
      const bytes = parts.length === 2 ? parseIntegerText(parts[1]) : null;
      if (area === null || bytes === null) {
        problems.add(entry.line, entry.key, `expected 'area,bytes' with two integers, got '${clip(pair)}'`);
        continue;
      }
      if (!checkArea(area, pair, entry, problems)) continue;
      if (bytes < 0n || bytes > int64Max) {
        problems.add(entry.line, entry.key, `'${clip(pair)}': capacity must be between 0 and ${int64Max} bytes`);
        continue;
      }
      const areaNumber = Number(area);
      if (firstLine.has(areaNumber)) {
        problems.add(entry.line, entry.key, `area ${areaNumber} is given twice (first at line ${firstLine.get(areaNumber)})`);
        continue;
      }
      firstLine.set(areaNumber, entry.line);
      capacities.set(areaNumber, bytes);
    }
  }
  return capacities;
}

/** readAreaKeys — `name,area` pairs into a map; a repeated name is reported. */
export function readAreaKeys(entries: readonly IniEntry[], problems: ProblemList): Map<string, number> {
  const keys = new Map<string, number>();
  const firstLine = new Map<string, number>();
  for (const entry of entries) {
    for (const pair of splitList(entry.value, /;/)) {
      const comma = pair.lastIndexOf(',');
      const name = comma > 0 ? pair.slice(0, comma).trim() : '';
      const area = comma > 0 ? parseIntegerText(pair.slice(comma + 1).trim()) : null;
      if (name === '' || area === null) {
        problems.add(entry.line, entry.key, `expected 'name,area' with an integer area, got '${clip(pair)}'`);
        continue;
      }
      if (!checkArea(area, pair, entry, problems)) continue;
      if (firstLine.has(name)) {
        problems.add(entry.line, entry.key, `area name '${clip(name)}' is given twice (first at line ${firstLine.get(name)})`);
        continue;
      }
      firstLine.set(name, entry.line);
      keys.set(name, Number(area));
    }
  }
  return keys;
}

/** readPlugins — plugin names in file order, duplicates dropped (the original keeps a set). */
export function readPlugins(entries: readonly IniEntry[], problems: ProblemList): string[] {
  const plugins: string[] = [];
  for (const entry of entries) {
    for (const name of splitList(entry.value)) {
      if (/[\s\p{Cc}]/u.test(name)) {
        problems.add(entry.line, entry.key, `plugin name '${clip(name)}' contains blanks or control characters`);
      } else if (!plugins.includes(name)) {
        plugins.push(name);
      }
    }
  }
  return plugins;
}

function checkArea(area: bigint, pair: string, entry: IniEntry, problems: ProblemList): boolean {
  if (area >= 0n && area < BigInt(areaCountMax)) return true;
  problems.add(entry.line, entry.key, `'${clip(pair)}': area must be between 0 and ${areaCountMax - 1}`);
  return false;
}
