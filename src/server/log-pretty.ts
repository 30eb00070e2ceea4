/**
 * log-pretty — a JSON log line (logger.ts) for people (`--log-format pretty`):
 *
 *   2025-01-01T10:00:00.000Z WARN  configserver[4242] 127.0.0.1:5193: ALIVE → DOWN  event=server-down group=group_1
 *
 * Time, level, role[pid], the message, then the other fields as key=value (strings bare when
 * they have no space, anything else as JSON); an error's stack follows on indented lines.
 */

const levelNames = new Map([
  [10, 'TRACE'],
  [20, 'DEBUG'],
  [30, 'INFO'],
  [40, 'WARN'],
  [50, 'ERROR'],
  [60, 'FATAL'],
]);
const shownApart = new Set(['level', 'time', 'pid', 'role', 'msg', 'hostname', 'err']);

/** prettyLine — one JSON line (with its newline) as a readable line; text that is not JSON passes as is. */
export function prettyLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const level = levelNames.get(Number(record.level)) ?? String(record.level);
  const fields = Object.entries(record)
    .filter(([key]) => !shownApart.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const head = `${String(record.time)} ${level.padEnd(5)} ${String(record.role ?? 'tair-cs')}[${String(record.pid)}] ${String(record.msg ?? '')}`;
  const err = record.err as { message?: string; stack?: string } | undefined;
  const stack = err?.stack
    ? `\n${err.stack
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n')}`
    : '';
  const errText = err && !err.stack ? ` err=${formatValue(err.message ?? err)}` : '';
  return `${head}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${errText}${stack}\n`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string' && value !== '' && !/[\s"=]/.test(value)) return value;
  return JSON.stringify(value);
}
