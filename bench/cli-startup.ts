/**
 * cli-startup — how long `tair-cs` takes to start, beside a bare `node` in the same run: a command
 * that does one request should cost little more than Node itself (the goal: `client get` and
 * `status` within 150 ms). Each task spawns one process; the commands point at a closed port, so
 * what is timed is start-up, argument parsing, loading what the command needs, one refused
 * connect and exit. Ratios to the bare node in the same run say more than the absolute figures on
 * a shared machine.
 *
 *   npm run bench:startup                 # writes bench/results/cli-startup-latest.json
 *   node dist/bench/cli-startup.js --iterations 5 --no-write
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { runEnvironment } from './bench-results.js';
import { repoRoot } from './repo-root.js';

/** StartupCase — one command line, timed as a whole process. */
interface StartupCase {
  name: string;
  args: string[];
}

/** closedAddress — nothing listens on port 1 of loopback: the connect is refused at once. */
const closedAddress = '127.0.0.1:1';

function casesOf(mainPath: string): StartupCase[] {
  return [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'tair-cs --version', args: [mainPath, '--version'] },
    { name: 'tair-cs client get', args: [mainPath, 'client', '--config-servers', closedAddress, '--group', 'group_1', 'get', 'key'] },
    { name: 'tair-cs status', args: [mainPath, 'status', closedAddress] },
  ];
}

function runProcess(args: string[]): Promise<void> {
  // The commands exit non-zero (nothing listens): only the time to exit matters.
  return new Promise((resolve) => execFile(process.execPath, args, () => resolve()));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20' }, 'no-write': { type: 'boolean', default: false } } });
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`--iterations must be a positive integer, not ${values.iterations}`);
  const root = repoRoot();
  const bench = new Bench({ iterations, time: 0, warmupIterations: 1 });
  for (const entry of casesOf(join(root, 'dist/src/cli/main.js'))) bench.add(entry.name, () => runProcess(entry.args));
  await bench.run();
  const rows = bench.tasks.map((task) => {
    const result = task.result;
    const latency = 'latency' in result ? result.latency : undefined;
    return { name: task.name, minMs: latency?.min ?? null, medianMs: latency?.p50 ?? null, meanMs: latency?.mean ?? null };
  });
  const bare = rows[0]?.minMs ?? null;
  const cases = rows.map((row) => ({ ...row, overBareNodeMinMs: bare !== null && row.minMs !== null ? row.minMs - bare : null }));
  const results = { ...runEnvironment(root), iterations, goalMs: 150, cases };
  for (const row of cases) {
    console.log(
      `${row.name.padEnd(20)} min ${row.minMs?.toFixed(1)} ms  median ${row.medianMs?.toFixed(1)} ms  (+${row.overBareNodeMinMs?.toFixed(1)} ms over node)`,
    );
  }
  if (!values['no-write']) writeFileSync(join(root, 'bench/results/cli-startup-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
}

await main();
