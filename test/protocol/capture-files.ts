/**
 * capture-files — readers for the golden captures in test/fixtures/captures (real traffic of the
 * original Tair cluster): `*.hex.txt` holds every frame as a hex dump, `*.decoded.txt` the same
 * frames decoded field by field by an independent tool. Frames over 256 bytes are cut in the hex
 * dump ("... (N more bytes)"), so `truncated` frames only have their first bytes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

/** capturesDir — where the copied capture files live. */
export const capturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'captures');

/** captureNames — every capture, without its suffix. */
export const captureNames = ['heartbeat_ds1_startup', 'client_get_group_put_get', 'failover_ds3_kill', 'ds3_rejoin'] as const;

/** CapturedFrame — one frame of a hex dump. */
export interface CapturedFrame {
  time: string;
  channelId: number;
  pcode: number;
  bodyBytes: number;
  /** bytes — the whole frame, or its first bytes when `truncated`. */
  bytes: Buffer;
  truncated: boolean;
}

/** DecodedRecord — one frame of a decoded dump: its header and its field lines. */
export interface DecodedRecord {
  time: string;
  channelId: number;
  pcode: number;
  bodyBytes: number;
  text: string;
}

const headerPattern = /^(\S+)\s+.*chid=(\d+) pcode=(-?\d+)\(\w+\) body_len=(\d+)/;

/** readHexCapture — the frames of `<name>.hex.txt` (in `dir`, default the fixtures), in capture order. */
export function readHexCapture(name: string, dir: string = capturesDir): CapturedFrame[] {
  const lines = readFileSync(join(dir, `${name}.hex.txt`), 'utf8').split('\n');
  const frames: CapturedFrame[] = [];
  let hexBytes: number[] = [];
  let current: Omit<CapturedFrame, 'bytes'> | null = null;
  const flush = (): void => {
    if (current) frames.push({ ...current, bytes: Buffer.from(hexBytes) });
    hexBytes = [];
  };
  for (const line of lines) {
    const header = headerPattern.exec(line);
    if (header) {
      flush();
      current = { time: header[1], channelId: +header[2], pcode: +header[3], bodyBytes: +header[4], truncated: false };
    } else if (/^ {4}\.\.\. \(\d+ more bytes\)/.test(line)) {
      if (current) current.truncated = true;
    } else if (/^ {4}[0-9a-f]{4} {2}/.test(line)) {
      if (parseInt(line.slice(4, 8), 16) !== hexBytes.length) throw new Error(`${name}: hex offset gap at '${line}'`);
      for (const pair of line.slice(10, 57).trim().split(/\s+/)) hexBytes.push(parseInt(pair, 16));
    }
  }
  flush();
  return frames;
}

/** readDecodedCapture — the records of `<name>.decoded.txt`, in capture order. */
export function readDecodedCapture(name: string): DecodedRecord[] {
  const lines = readFileSync(join(capturesDir, `${name}.decoded.txt`), 'utf8').split('\n');
  const records: DecodedRecord[] = [];
  for (const line of lines) {
    const header = headerPattern.exec(line);
    if (header) {
      records.push({ time: header[1], channelId: +header[2], pcode: +header[3], bodyBytes: +header[4], text: '' });
    } else if (line.startsWith('    ') && records.length > 0) {
      records[records.length - 1].text += `${line.trim()}\n`;
    }
  }
  return records;
}

/** numberField — `name=<integer or 0x hex>` from a record's text. */
export function numberField(text: string, name: string): number {
  const match = new RegExp(`(?:^|\\s)${name}=(0x[0-9a-f]+|-?\\d+)`).exec(text);
  if (!match) throw new Error(`no ${name}= in:\n${text}`);
  return Number(match[1]);
}

/** textField — `name='text'` from a record's text. */
export function textField(text: string, name: string): string {
  const match = new RegExp(`(?:^|\\s)${name}='([^']*)'`).exec(text);
  if (!match) throw new Error(`no ${name}='' in:\n${text}`);
  return match[1];
}

/** wordField — `name=<non-space>` from a record's text (addresses such as 127.0.0.1:5191). */
export function wordField(text: string, name: string): string {
  const match = new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(text);
  if (!match) throw new Error(`no ${name}= in:\n${text}`);
  return match[1];
}
