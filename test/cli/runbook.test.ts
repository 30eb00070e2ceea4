/**
 * The runbook of docs/operations.md, run as written: every ```sh block under "## Runbook" goes
 * to bash unchanged, against a real `tair-cs demo` (config server and data server processes),
 * with `tair-cs` on PATH and the runbook's variables set to the demo's ports. In order: a data
 * server dies, comes back, is replaced, a new one is added, one is drained; after each, the
 * status must say what the runbook promised. Once more with `_accept_strategy = 0` for the
 * death and the return (where `admit` is what lets it back).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import type { StatusDocument } from '../../src/http/status-model.js';
import { type DemoLab, mainScript, startDemoLab } from './helpers/demo-lab.js';

const root = join(import.meta.dirname, '..', '..');
const execFileAsync = promisify(execFile);
/** blockTimeoutMs — a block's `until` loops end well within this on a loaded machine. */
const blockTimeoutMs = 60_000;

/** runbookBlocks — heading → the ```sh blocks under it, from the runbook section of docs/operations.md. */
function runbookBlocks(): Map<string, string[]> {
  const text = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
  const runbook = text.slice(text.indexOf('## Runbook'));
  const blocks = new Map<string, string[]>();
  for (const part of runbook.split(/^### /m).slice(1)) {
    const heading = part.slice(0, part.indexOf('\n')).trim();
    blocks.set(
      heading,
      [...part.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]),
    );
  }
  return blocks;
}

let lab: DemoLab | null = null;

/** startLab — the demo, and the environment the runbook's blocks run in: `tair-cs` on PATH, $CS and $G set. */
async function startLab(acceptStrategy: 0 | 1, spareCount: number): Promise<{ lab: DemoLab; env: NodeJS.ProcessEnv }> {
  lab = await startDemoLab({ bucketCount: 128, acceptStrategy, spareCount });
  const bin = join(lab.dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'tair-cs'), `#!/bin/sh\nexec "${process.execPath}" "${mainScript}" "$@"\n`);
  chmodSync(join(bin, 'tair-cs'), 0o755);
  return { lab, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, CS: `127.0.0.1:${lab.csPort}`, G: 'group_1' } };
}

/** runBlocks — the blocks of one runbook heading through bash, with the variables given. */
async function runBlocks(current: { lab: DemoLab; env: NodeJS.ProcessEnv }, heading: string, variables: Record<string, string>): Promise<string> {
  const blocks = runbookBlocks().get(heading);
  if (!blocks || blocks.length === 0) throw new Error(`docs/operations.md has no sh block under "### ${heading}"`);
  let output = '';
  for (const block of blocks) {
    try {
      const { stdout, stderr } = await execFileAsync('bash', ['-e', '-c', block], {
        cwd: current.lab.dir,
        env: { ...current.env, ...variables },
        timeout: blockTimeoutMs,
      });
      output += stdout + stderr;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`"${heading}" failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}\ndemo:\n${current.lab.output()}`);
    }
  }
  return output;
}

async function status(current: { env: NodeJS.ProcessEnv }): Promise<StatusDocument> {
  const { stdout } = await execFileAsync(process.execPath, [mainScript, 'status', '--config-servers', String(current.env.CS), '--json']);
  return JSON.parse(stdout) as StatusDocument;
}

afterEach(async () => {
  await lab?.stop();
  lab = null;
});

describe('the runbook of docs/operations.md, run as written against a demo', () => {
  test('died, came back, replaced, added, drained', async () => {
    const current = await startLab(1, 2);
    const [first, second, third, replacement, added] = current.lab.ports.map((port) => `127.0.0.1:${port}`);
    const servers = async () => (await status(current)).groups[0].dataServers;

    process.kill(Number(readFileSync(join(current.lab.dir, 'data', `data-server-${current.lab.ports[1]}.pid`), 'utf8')), 'SIGKILL');
    const died = await runBlocks(current, 'A data server died', { DS: second });
    expect(died).toContain(`HEALTH_WARN group_1: 1 data server DOWN: ${second}`);
    expect((await status(current)).groups[0]).toMatchObject({ state: 'degraded', underReplicatedBuckets: 0 });

    await runBlocks(current, 'It came back', { DS: second });
    expect((await status(current)).health.status).toBe('OK');
    expect((await servers()).find((server) => server.id === second)).toMatchObject({ state: 'alive' });

    const before = (await servers()).find((server) => server.id === second)?.replicas.held ?? 0;
    await runBlocks(current, 'A data server is replaced', { DS: second, NEW: replacement });
    const afterReplace = await servers();
    expect(afterReplace.map((server) => server.id).sort()).toEqual([first, third, replacement].sort());
    expect(afterReplace.find((server) => server.id === replacement)?.replicas.held).toBe(before);

    await runBlocks(current, 'A data server is added', { NEW: added });
    const afterAdd = await servers();
    expect(afterAdd).toHaveLength(4);
    for (const server of afterAdd) expect(server.replicas.held).toBeGreaterThan(0);

    await runBlocks(current, 'A data server is drained', { DS: first });
    const final = await status(current);
    expect(final.groups[0].dataServers.map((server) => server.id).sort()).toEqual([third, replacement, added].sort());
    expect(final.groups[0].state).toBe('normal');
    expect(final.health).toEqual({ status: 'OK', checks: [] });
  }, 240_000);

  test('with _accept_strategy = 0: died, then came back through admit', async () => {
    const current = await startLab(0, 0);
    const second = `127.0.0.1:${current.lab.ports[1]}`;
    process.kill(Number(readFileSync(join(current.lab.dir, 'data', `data-server-${current.lab.ports[1]}.pid`), 'utf8')), 'SIGKILL');
    await runBlocks(current, 'A data server died', { DS: second });
    await runBlocks(current, 'It came back', { DS: second });
    const document = await status(current);
    expect(document.health.status).toBe('OK');
    expect(document.events.map((event) => event.event)).toEqual(expect.arrayContaining(['server-rejected', 'server-admitted']));
  }, 120_000);
});
