/**
 * Every ```ts block of docs/client.md and docs/agent.md, as a reader would run it: type-checked
 * against the sources, then run by node against a real cluster (a `tair-cs start` process and
 * three `tair-cs dataserver` processes; group.conf lists a fourth server for the agent). The
 * demo addresses the docs use (config server 127.0.0.1:5198, the agent's 127.0.0.1:5194) are
 * swapped for this cluster's ephemeral ports, and `tair-config-server/…` for the built modules.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TairClient } from '../../src/client/index.js';
import { DataServerProcess } from '../e2e/processes.js';
import { buildOnce, ConfigServerProcess, freePort } from '../server/helpers/config-server-process.js';

const root = join(import.meta.dirname, '..', '..');
const execFileAsync = promisify(execFile);
const docs = ['client.md', 'agent.md'] as const;

let configServer: ConfigServerProcess;
let dataServers: DataServerProcess[] = [];
let agentPort = 0;
let dir = '';

/** examples — the ```ts blocks of a doc, in order. */
async function examples(doc: string): Promise<string[]> {
  const text = await readFile(join(root, 'docs', doc), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
}

/** forThisCluster — the block with this cluster's addresses and `tair-config-server/x` as the built module. */
function forThisCluster(code: string, moduleUrl: (subpath: string) => string): string {
  return code
    .replaceAll('127.0.0.1:5198', `127.0.0.1:${configServer.port}`)
    .replaceAll('127.0.0.1:5194', `127.0.0.1:${agentPort}`)
    .replace(/'tair-config-server(\/(?:client|agent|engine))?'/g, (_, subpath: string | undefined) => `'${moduleUrl(subpath ?? '')}'`);
}

beforeAll(async () => {
  buildOnce();
  dir = await mkdtemp(join(tmpdir(), 'tair-docs-examples-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  agentPort = await freePort();
  configServer = await ConfigServerProcess.create(
    [
      '[group_1]',
      '_bucket_number = 64',
      '_copy_count = 2',
      '_accept_strategy = 1',
      '_server_down_time = 2',
      '_min_data_server_count = 2',
      ...[...ports, agentPort].map((port) => `_server_list = 127.0.0.1:${port}`),
      '',
    ].join('\n'),
  );
  await configServer.start(['--settle-ms', '500']);
  dataServers = ports.map((port) => new DataServerProcess(port, `127.0.0.1:${configServer.port}`, 'group_1'));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = await TairClient.open({ configServers: [`127.0.0.1:${configServer.port}`], groupName: 'group_1', refreshIntervalMs: 0 }).catch(() => null);
    client?.close();
    if (client) break;
    if (Date.now() > deadline) throw new Error('no table');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 60_000);

afterAll(async () => {
  for (const server of dataServers) await server.kill('SIGTERM');
  await configServer?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('the examples of docs/client.md and docs/agent.md', () => {
  test('type-check against the sources', async () => {
    const files: string[] = [];
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
    for (const doc of docs) {
      for (const [index, code] of (await examples(doc)).entries()) {
        const file = join(dir, `${doc.replace('.md', '')}-${index}.ts`);
        await writeFile(
          file,
          forThisCluster(code, (subpath) => join(root, 'src', subpath || '.', 'index.ts').replace(/\.ts$/, '.js')),
        );
        files.push(file);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(6);
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      allowImportingTsExtensions: false,
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => `${diagnostic.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
    expect(problems).toEqual([]);
  }, 120_000);

  test.each(docs)(
    '%s: every block runs to the end and prints what the comments say',
    async (doc) => {
      const outputs: string[] = [];
      for (const [index, code] of (await examples(doc)).entries()) {
        const source = forThisCluster(code, (subpath) => pathToFileURL(join(root, 'dist', 'src', subpath || '.', 'index.js')).href);
        const script = join(dir, `${doc.replace('.md', '')}-${index}.mjs`);
        await writeFile(script, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
        const { stdout } = await execFileAsync(process.execPath, [script], { timeout: 30_000 }).catch(
          (error: { message: string; stdout: string; stderr: string }) => {
            throw new Error(`docs/${doc} block ${index + 1} failed: ${error.message}\n${error.stdout}${error.stderr}`);
          },
        );
        outputs.push(stdout);
      }
      if (doc === 'client.md') {
        const [basics, options, errors, table] = outputs;
        expect(basics).toBe('hello\ntrue\nnull\n');
        expect(options).toBe(
          "true\nTairClient.open: missing option groupName (string, the group's name, e.g. 'group_1'); unknown option group (did you mean groupName?)\n",
        );
        expect(errors).toMatch(/^ERR_GROUP_FETCH \[ '127\.0\.0\.1:1: .*ECONNREFUSED/);
        expect(table).toMatch(/^B=64 C=2 version \d+\n'greeting' is in bucket \d+, on 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\n/);
      } else {
        expect(outputs[0]).toMatch(/^server version \d+, client version \d+: B=64 C=2\nholds \d+ buckets \(master of \d+\), receives \d+, sends \d+\n$/);
      }
    },
    90_000,
  );

  test('a misspelt option says which one, for the agent as for the client', async () => {
    const { DataServerAgent } = await import('../../src/agent/index.js');
    expect(() => new DataServerAgent({ selfAddress: '127.0.0.1:1', configServers: ['127.0.0.1:2'] } as never)).toThrow(
      "DataServerAgent: missing option self (address, this data server's 'ip:port'); unknown option selfAddress (did you mean self?)",
    );
    expect(() => new DataServerAgent({ self: '127.0.0.1:1', configServers: [], heartbeatIntervalMs: -5 })).toThrow(
      /option configServers must be a non-empty array of 'ip:port', got an array; option heartbeatIntervalMs must be a number above 0, got -5/,
    );
    await expect(TairClient.open(undefined as never)).rejects.toThrow(/TairClient\.open: options must be an object with configServers, groupName/);
  });
});
