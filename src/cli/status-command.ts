/**
 * status-command — `tair-cs status (--config-servers a:p[,b:p] | --http ip:port) [--watch]`:
 * the cluster's status in the terminal, with a progress bar while a migration runs.
 *
 *   --http ip:port          GET /status of that config server's HTTP port
 *   --config-servers …      op_cmd 1001 over the wire protocol; the primary's answer is shown
 *   --watch                 redraw every --interval-ms (default 1000) until Ctrl-C
 *   --json                  the status document as JSON, once
 *
 *   exit 0 shown · exit 1 no config server answered · exit 2 bad usage
 */
import { parseArgs } from 'node:util';
import { sendAdminCommand } from '../admin/admin-client.js';
import { AdminCmd } from '../admin/admin-codes.js';
import { defaultConfigServerPort, parseServerAddress, type ServerAddress } from '../common/server-id.js';
import { InputError } from '../errors.js';
import type { StatusDocument } from '../http/status-model.js';
import { renderStatusText } from '../http/status-text.js';

const usage = `usage: tair-cs status (--config-servers ip:port[,ip:port] | --http ip:port) [--watch [--interval-ms N]] [--json]
`;

const requestTimeoutMs = 5000;

type Source = { kind: 'http'; url: string } | { kind: 'wire'; configServers: ServerAddress[] };

/** run — the arguments after `tair-cs status`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let options: { source: Source; watch: boolean; intervalMs: number; json: boolean };
  try {
    options = parseStatusArgs(argv);
  } catch (error) {
    process.stderr.write(`tair-cs status: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (!options.watch) return showOnce(options.source, options.json);
  return watch(options.source, options.intervalMs);
}

async function showOnce(source: Source, json: boolean): Promise<number> {
  try {
    const status = await fetchStatus(source);
    process.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : renderStatusText(status));
    return 0;
  } catch (error) {
    process.stderr.write(`tair-cs status: ${(error as Error).message}\n`);
    return 1;
  }
}

async function watch(source: Source, intervalMs: number): Promise<number> {
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const clear = process.stdout.isTTY ? '\x1b[2J\x1b[H' : `--- ${new Date().toISOString()}\n`;
  while (!stopped) {
    let text: string;
    try {
      text = renderStatusText(await fetchStatus(source));
    } catch (error) {
      text = `cannot get the status: ${(error as Error).message}\n`;
    }
    process.stdout.write(`${clear}${text}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return 0;
}

/** fetchStatus — the status document from the HTTP port or, over op_cmd, from the primary. */
async function fetchStatus(source: Source): Promise<StatusDocument> {
  if (source.kind === 'http') {
    const response = await fetch(source.url, { signal: AbortSignal.timeout(requestTimeoutMs) });
    if (!response.ok) throw new Error(`${source.url}: HTTP ${response.status}`);
    return (await response.json()) as StatusDocument;
  }
  const answers: StatusDocument[] = [];
  const failures: string[] = [];
  for (const server of source.configServers) {
    try {
      const { response } = await sendAdminCommand([server], AdminCmd.status, [], requestTimeoutMs);
      if (response.code !== 0) throw new Error(response.infos[0] ?? `code ${response.code}`);
      const status = JSON.parse(response.infos[0]) as StatusDocument;
      if (status.role === 'primary') return status;
      answers.push(status);
    } catch (error) {
      failures.push(`${server.ip}:${server.port}: ${(error as Error).message}`);
    }
  }
  if (answers.length > 0) return answers[0];
  throw new Error(`no config server answered: ${failures.join('; ')}`);
}

function parseStatusArgs(argv: string[]): { source: Source; watch: boolean; intervalMs: number; json: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'config-servers': { type: 'string' },
      http: { type: 'string' },
      watch: { type: 'boolean' },
      'interval-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new InputError(`unexpected argument '${positionals[0]}'`);
  const servers = values['config-servers'];
  const http = values.http;
  if ((servers === undefined) === (http === undefined)) throw new InputError('give exactly one of --config-servers and --http');
  const intervalText = values['interval-ms'] ?? '1000';
  if (!/^\d{1,7}$/.test(intervalText) || Number(intervalText) < 100) throw new InputError(`--interval-ms must be a whole number ≥ 100, got '${intervalText}'`);
  let source: Source;
  if (http !== undefined) {
    const address = parseServerAddress(http, 80);
    source = { kind: 'http', url: `http://${address.ip}:${address.port}/status` };
  } else {
    const configServers = (servers ?? '').split(',').filter((entry) => entry.trim() !== '').map((entry) => parseServerAddress(entry, defaultConfigServerPort));
    if (configServers.length === 0) throw new InputError('--config-servers lists no server');
    source = { kind: 'wire', configServers };
  }
  return { source, watch: values.watch === true, intervalMs: Number(intervalText), json: values.json === true };
}
