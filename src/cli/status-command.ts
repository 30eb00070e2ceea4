/**
 * status-command — `tair-cs status [--config-servers a:p[,b:p] | --http ip:port | --config FILE]
 * [--watch] [--json]`: the cluster's status in the terminal, its health on the first line, with
 * a progress bar while a migration runs.
 *
 *   --http ip:port          GET /status of that config server's HTTP port
 *   --config-servers …      op_cmd 1001 over the wire protocol; the primary's answer is shown
 *   (neither)               the config servers of configserver.conf: --config FILE, or the one
 *                           `tair-cs start` reads by default (default-config.ts)
 *   --watch                 redraw every --interval-ms (default 1000) until Ctrl-C; when stdout
 *                           is not a terminal, each frame starts with `--- <ISO time>`
 *   --json                  the status document as JSON; with --watch, one document per line
 *
 *   exit 0 shown · exit 1 no config server answered (each address with its reason) · exit 2 bad usage
 */
import { parseArgs } from 'node:util';
import { sendAdminCommand } from '../admin/admin-client.js';
import { AdminCmd } from '../admin/admin-codes.js';
import { defaultConfigServerPort, parseServerAddress, type ServerAddress } from '../common/server-id.js';
import { InputError } from '../errors.js';
import type { StatusDocument } from '../http/status-model.js';
import { renderStatusText } from '../http/status-text.js';
import { defaultConfigCandidates } from './default-config.js';

const usage = `usage: tair-cs status [--config-servers ip:port[,ip:port] | --http ip:port | --config FILE] [--watch [--interval-ms N]] [--json]

  without an address: the config servers of --config FILE, or of the first of ${defaultConfigCandidates.join(', ')} that exists
`;

const requestTimeoutMs = 5000;

type Source = { kind: 'http'; url: string } | { kind: 'wire'; configServers: ServerAddress[] };

interface StatusArgs {
  source: Source | null;
  configPath: string | null;
  watch: boolean;
  intervalMs: number;
  json: boolean;
}

/** run — the arguments after `tair-cs status`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let options: StatusArgs;
  let source: Source;
  try {
    options = parseStatusArgs(argv);
    // Only without an address is configserver.conf read: its parser is not loaded otherwise.
    source = options.source ?? { kind: 'wire', configServers: await (await import('./local-config.js')).configServersOf(options.configPath) };
  } catch (error) {
    process.stderr.write(`tair-cs status: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (!options.watch) return showOnce(source, options.json);
  return watch(source, options.intervalMs, options.json);
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

async function watch(source: Source, intervalMs: number, json: boolean): Promise<number> {
  let stopped = false;
  let wake = (): void => undefined;
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped) {
    let frame: string;
    try {
      const status = await fetchStatus(source);
      frame = json ? `${JSON.stringify(status)}\n` : renderStatusText(status);
    } catch (error) {
      frame = json ? `${JSON.stringify({ error: (error as Error).message })}\n` : `cannot get the status: ${(error as Error).message}\n`;
    }
    // Each frame is stamped with its own time; a terminal is cleared instead. JSON lines stand alone.
    const header = json ? '' : process.stdout.isTTY ? '\x1b[2J\x1b[H' : `--- ${new Date().toISOString()}\n`;
    process.stdout.write(`${header}${frame}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  return 0;
}

/** fetchStatus — the status document from the HTTP port or, over op_cmd, from the primary. */
async function fetchStatus(source: Source): Promise<StatusDocument> {
  if (source.kind === 'http') return fetchOverHttp(source.url);
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
      failures.push((error as Error).message.replace(/^no config server answered: /, ''));
    }
  }
  if (answers.length > 0) return answers[0];
  throw new Error(`no config server answered: ${failures.join('; ')}`);
}

async function fetchOverHttp(url: string): Promise<StatusDocument> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(requestTimeoutMs) });
  } catch (error) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout, …) is its cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.message ?? cause?.code ?? (error as Error).message;
    throw new Error(`cannot reach ${url}: ${reason}`);
  }
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as StatusDocument;
}

function parseStatusArgs(argv: string[]): StatusArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'config-servers': { type: 'string' },
      http: { type: 'string' },
      config: { type: 'string' },
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
  const given = [servers, http, values.config].filter((value) => value !== undefined).length;
  if (given > 1) throw new InputError('give at most one of --config-servers, --http and --config');
  const intervalText = values['interval-ms'] ?? '1000';
  if (!/^\d{1,7}$/.test(intervalText) || Number(intervalText) < 100) throw new InputError(`--interval-ms must be a whole number ≥ 100, got '${intervalText}'`);
  let source: Source | null = null;
  if (http !== undefined) {
    const address = parseServerAddress(http, 80);
    source = { kind: 'http', url: `http://${address.ip}:${address.port}/status` };
  } else if (servers !== undefined) {
    const configServers = servers
      .split(',')
      .filter((entry) => entry.trim() !== '')
      .map((entry) => parseServerAddress(entry, defaultConfigServerPort));
    if (configServers.length === 0) throw new InputError('--config-servers lists no server');
    source = { kind: 'wire', configServers };
  }
  return { source, configPath: values.config ?? null, watch: values.watch === true, intervalMs: Number(intervalText), json: values.json === true };
}
