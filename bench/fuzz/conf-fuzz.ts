/**
 * conf-fuzz — mutated group.conf files through the real reload path of a running config server
 * (in this process: ConfigServer.checkGroupConf is what the file watcher calls on a change).
 *
 *   each case: a mutation of the last good file (or of the base) ─▶ written ─▶ reload
 *     refused  ─▶ every group must still be configured exactly as by the last good file
 *     applied  ─▶ every group must still answer get_group over TCP (a NUL in a value once made
 *                 every reply fail to encode)
 *     thrown   ─▶ a crash
 *
 * Mutations: a value replaced by odd text (control characters, NUL, long, unicode, numbers out
 * of range), a random line inserted, a line deleted, duplicated or moved, bytes flipped, the
 * file cut short.
 */
import { writeFile } from 'node:fs/promises';
import { FrameConnection } from '../../src/client/frame-connection.js';
import type { ConfigServer } from '../../src/server/config-server.js';
import { decodeResponse, encodePacketFrame, Pcode } from '../../src/protocol/index.js';
import type { Random } from './frame-cases.js';

/** ConfFuzzTally — what the cases did. */
export interface ConfFuzzTally {
  cases: number;
  applied: number;
  refused: number;
  unchanged: number;
  crashes: number;
  /** badStates — a refused file that changed a group, or an applied one after which a request failed. */
  badStates: number;
  firstProblems: string[];
}

const oddValues = [
  '',
  '\u0000',
  'o\u0000n',
  '\u0001',
  '\u007f',
  '\u0085',
  'ü€😀',
  '%s%n%x',
  '-1',
  '0',
  '4294967296',
  '99999999999999999999',
  '1e309',
  '0x10',
  ' ',
  '#',
  ';;;',
  ',',
  'a'.repeat(5000),
  '127.0.0.1:0',
  '256.1.1.1',
  '10.0.0.1:5191@rack*0',
  '10.0.0.1*1000001',
];
const oddKeys = [
  '_bucket_number',
  '_copy_count',
  '_server_list',
  '_min_data_server_count',
  '_build_strategy',
  '_pos_mask',
  '_areaCapacity_list',
  '_areaKey_list',
  '_plugIns_list',
  'group_status',
  'area_status',
  'tmp_down_server',
  '_sever_list',
  '[',
  'x y',
];

/** mutateConf — one random mutation of `text`. */
export function mutateConf(text: string, random: Random): string {
  const lines = text.split('\n');
  const at = random.int(lines.length);
  switch (random.int(12)) {
    case 0:
    case 8:
    case 9:
    case 10:
    case 11: {
      // A value replaced, or spiked with one odd character: the most common hand-edit damage.
      const valueLines = lines.map((line, index) => ({ line, index })).filter(({ line }) => line.indexOf('=') > 0);
      if (valueLines.length === 0) return text;
      const { line, index } = random.pick(valueLines);
      const equals = line.indexOf('=');
      const value = line.slice(equals + 1);
      const spiked =
        random.int(2) === 0
          ? random.pick(oddValues)
          : `${value.slice(0, random.int(value.length + 1))}${random.pick(['\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\r'])}${value.slice(random.int(value.length + 1))}`;
      lines[index] = `${line.slice(0, equals + 1)}${spiked}`;
      return lines.join('\n');
    }
    case 1:
      lines.splice(at, 0, random.int(5) === 0 ? `[${random.pick(['group_9', 'g', 'bad name', ''])}]` : `${random.pick(oddKeys)} = ${random.pick(oddValues)}`);
      return lines.join('\n');
    case 2:
      lines.splice(at, 1);
      return lines.join('\n');
    case 3:
      lines.splice(at, 0, lines[random.int(lines.length)]);
      return lines.join('\n');
    case 4: {
      const [moved] = lines.splice(at, 1);
      lines.splice(random.int(lines.length + 1), 0, moved);
      return lines.join('\n');
    }
    case 5: {
      const bytes = Buffer.from(text, 'utf8');
      for (let flips = 1 + random.int(4); flips > 0 && bytes.length > 0; flips--) bytes[random.int(bytes.length)] ^= 1 << random.int(8);
      return bytes.toString('latin1');
    }
    case 6:
      return text.slice(0, random.int(text.length));
    default:
      return lines
        .map((line) =>
          line.replace(/\d+/g, (digits) => (random.int(4) === 0 ? String(random.pick([0, -1, 65_536, 16_777_217, 2 ** 32, Number(digits) + 1])) : digits)),
        )
        .join('\n');
  }
}

/** runConfCases — `count` mutated files through `server`'s reload. */
export async function runConfCases(server: ConfigServer, path: string, base: string, port: number, count: number, random: Random): Promise<ConfFuzzTally> {
  const tally: ConfFuzzTally = { cases: 0, applied: 0, refused: 0, unchanged: 0, crashes: 0, badStates: 0, firstProblems: [] };
  const problem = (text: string) => {
    tally.badStates += 1;
    if (tally.firstProblems.length < 10) tally.firstProblems.push(text);
  };
  let good = base;
  let goodConfig = configOf(server);
  for (let index = 0; index < count; index++) {
    const text = mutateConf(random.int(4) === 0 ? base : good, random);
    tally.cases += 1;
    try {
      await writeFile(path, text);
      const outcome = await server.checkGroupConf();
      if (outcome === 'invalid') {
        tally.refused += 1;
        if (configOf(server) !== goodConfig) problem(`case ${index}: a refused file changed the groups`);
        continue;
      }
      if (outcome === 'unchanged') tally.unchanged += 1;
      else tally.applied += 1;
      good = text;
      goodConfig = configOf(server);
      const failed = await requestsFail(server, port);
      if (failed) problem(`case ${index}: after an applied file, ${failed}`);
    } catch (error) {
      tally.crashes += 1;
      if (tally.firstProblems.length < 10)
        tally.firstProblems.push(`case ${index}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  return tally;
}

/** configOf — the groups in force and the content hash each was loaded from. */
function configOf(server: ConfigServer): string {
  const cluster = server.cluster;
  return cluster
    .groupNames()
    .map((name) => `${name}:${cluster.groupState(name)?.config.contentHash ?? '?'}`)
    .join(',');
}

/** requestsFail — why get_group of some group or a heartbeat got no proper answer (null: all did). */
async function requestsFail(server: ConfigServer, port: number): Promise<string | null> {
  const connection = await FrameConnection.open({ ip: '127.0.0.1', port }, 2000);
  try {
    for (const groupName of server.cluster.groupNames()) {
      const frame = await connection.request(
        (channelId) => encodePacketFrame(channelId, { pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName } }),
        2000,
      );
      if (decodeResponse(frame.pcode, frame.body).pcode !== Pcode.getGroupResponse) return `get_group of ${groupName} answered pcode ${frame.pcode}`;
    }
    return null;
  } catch (error) {
    return `a request failed: ${(error as Error).message}`;
  } finally {
    connection.close();
  }
}
