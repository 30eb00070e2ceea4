/**
 * http-server — the status API on `[configserver] http_port` (node:http, GET and HEAD only):
 *
 *   GET /                        the status page (HTML; /page.js and /page.css beside it)
 *   GET /status                  JSON, see status-model.ts
 *   GET /groups/{name}/table     JSON; ?format=bin for the raw data-server view (table-export.ts)
 *   GET /metrics                 Prometheus text format
 *   GET /healthz                 the health line (health.ts): 200 for OK and WARN, 503 for ERR
 *                                and while stopping
 *
 *   unknown path or group → 404, unknown or repeated query parameter / bad value → 400,
 *   other methods → 405; every error is JSON { "error": "…" }
 *
 * Few connections, short timeouts: this port serves operators and a scraper, never the data path.
 * Budgets (docs/operations.md "Security"): at most httpConnectionCountMax connections, at most
 * httpConnectionsPerAddressMax from one address, and when full the address holding the most gives
 * up its oldest one (connection-budget.ts), so clients that drip headers cannot starve /healthz;
 * headers must arrive within httpHeadersTimeoutMs and the request within httpRequestTimeoutMs,
 * checked every httpTimeoutCheckMs (node's default check, every 30 s, let them hold sockets that long).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Socket } from 'node:net';
import { httpConnectionCountMax, httpConnectionsPerAddressMax, httpHeadersTimeoutMs, httpRequestTimeoutMs, httpTimeoutCheckMs } from '../limits.js';
import { normalizeAddress } from '../security/address-filter.js';
import { ConnectionBudget } from '../server/connection-budget.js';
import { statusPageHtml } from './page/page-html.js';
import { statusPageScript } from './page/page-script.js';
import { statusPageStyle } from './page/page-style.js';
import type { TableExport } from './table-export.js';

/** HttpRoutes — what the routes answer from. */
export interface HttpRoutes {
  status(): unknown;
  table(groupName: string, format: 'json' | 'bin'): TableExport;
  metrics(): Promise<{ contentType: string; text: string }>;
  serving(): boolean;
  /** health — the server's health as one line, and its level. */
  health(): { server: { status: 'OK' | 'WARN' | 'ERR' }; line: string };
}

/** HttpBudgets — the HTTP surface's limits (tests shrink them; the server uses httpBudgets). */
export interface HttpBudgets {
  connectionCountMax: number;
  connectionsPerAddressMax: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  timeoutCheckMs: number;
}

/** httpBudgets — the limits from src/limits.ts. */
export const httpBudgets: HttpBudgets = {
  connectionCountMax: httpConnectionCountMax,
  connectionsPerAddressMax: httpConnectionsPerAddressMax,
  headersTimeoutMs: httpHeadersTimeoutMs,
  requestTimeoutMs: httpRequestTimeoutMs,
  timeoutCheckMs: httpTimeoutCheckMs,
};

interface Answer {
  status: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

const json = 'application/json; charset=utf-8';
const pageSecurity = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:";
const tablePath = /^\/groups\/([^/]+)\/table$/;

/** StatusHttpServer — see the file comment. */
export class StatusHttpServer {
  private readonly server: Server;
  private readonly budget: ConnectionBudget<Socket>;

  constructor(
    private readonly routes: HttpRoutes,
    private readonly logger: Logger,
    budgets: Partial<HttpBudgets> = {},
  ) {
    const limits = { ...httpBudgets, ...budgets };
    this.budget = new ConnectionBudget<Socket>(limits.connectionCountMax, limits.connectionsPerAddressMax);
    const timeouts = { connectionsCheckingInterval: limits.timeoutCheckMs, headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs };
    this.server = createServer(timeouts, (request, response) => {
      this.answer(request).then(
        (answer) => send(request, response, answer),
        (error: unknown) => {
          this.logger.error({ event: 'http-failed', url: request.url, err: error }, 'HTTP request failed');
          send(request, response, errorAnswer(500, 'internal error'));
        },
      );
    });
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket: Socket) => this.admit(socket));
  }

  private admit(socket: Socket): void {
    const address = normalizeAddress(socket.remoteAddress ?? '?');
    const verdict = this.budget.admit(address, socket);
    if (!verdict.admitted) {
      socket.destroy();
      return;
    }
    verdict.evicted?.destroy();
    socket.once('close', () => this.budget.release(address, socket));
  }

  /** listen — bind `ip:port` (0 = any free port); resolves with the bound address. */
  listen(ip: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, ip, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** close — stop listening and drop open connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async answer(request: IncomingMessage): Promise<Answer> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return { ...errorAnswer(405, `method ${request.method ?? '?'} not allowed; use GET`), headers: { Allow: 'GET, HEAD' } };
    }
    const url = new URL(request.url ?? '/', 'http://status.invalid');
    const path = url.pathname;
    const table = tablePath.exec(path);
    const allowed = table ? ['format'] : [];
    const badQuery = checkQuery(url.searchParams, allowed);
    if (badQuery) return errorAnswer(400, badQuery);
    if (table) return this.table(table[1], url.searchParams.get('format'));
    switch (path) {
      case '/':
        return { status: 200, contentType: 'text/html; charset=utf-8', body: statusPageHtml, headers: { 'Content-Security-Policy': pageSecurity } };
      case '/page.js':
        return { status: 200, contentType: 'text/javascript; charset=utf-8', body: statusPageScript };
      case '/page.css':
        return { status: 200, contentType: 'text/css; charset=utf-8', body: statusPageStyle };
      case '/status':
        return { status: 200, contentType: json, body: JSON.stringify(this.routes.status()) };
      case '/metrics': {
        const metrics = await this.routes.metrics();
        return { status: 200, contentType: metrics.contentType, body: metrics.text };
      }
      case '/healthz': {
        const text = 'text/plain; charset=utf-8';
        if (!this.routes.serving()) return { status: 503, contentType: text, body: 'stopping\n' };
        const health = this.routes.health();
        return { status: health.server.status === 'ERR' ? 503 : 200, contentType: text, body: `${health.line}\n` };
      }
      default:
        return errorAnswer(404, `no such path: ${path} (try /status, /groups/{name}/table, /metrics, /healthz or /)`);
    }
  }

  private table(encodedName: string, format: string | null): Answer {
    let groupName: string;
    try {
      groupName = decodeURIComponent(encodedName);
    } catch {
      return errorAnswer(400, 'the group name is not valid percent-encoding');
    }
    if (format !== null && format !== 'json' && format !== 'bin') return errorAnswer(400, `format must be json or bin, got '${format}'`);
    const exported = this.routes.table(groupName, format === 'bin' ? 'bin' : 'json');
    if (!exported.ok) return errorAnswer(exported.status, exported.message);
    return { status: 200, contentType: exported.contentType, body: exported.body, headers: exported.headers };
  }
}

function checkQuery(params: URLSearchParams, allowed: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (!allowed.includes(key)) return `unknown query parameter '${key}'${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (this path takes none)'}`;
    if (seen.has(key)) return `query parameter '${key}' is given twice`;
    seen.add(key);
  }
  return null;
}

function errorAnswer(status: number, message: string): Answer {
  return { status, contentType: json, body: JSON.stringify({ error: message }) };
}

function send(request: IncomingMessage, response: ServerResponse, answer: Answer): void {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  response.writeHead(answer.status, {
    'Content-Type': answer.contentType,
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...answer.headers,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
