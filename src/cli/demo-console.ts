/**
 * demo-console — the lines a person may type into a running `tair-cs demo`:
 *
 *   restart PORT   start that data server again (after it died or was stopped), or for the
 *                  first time when it was added to group.conf since (`start PORT` too)
 *   stop PORT      stop it (SIGTERM), to see the cluster handle a lost server
 *   help           these lines
 *
 * PORT may also be written ip:port. Anything else prints the help.
 */
import { createInterface, type Interface } from 'node:readline';
import { InputError } from '../errors.js';
import { type DemoDataServer, type DemoPlan, findDataServer, findStoppableDataServer, loadDemoPlan } from './demo-plan.js';
import type { DemoProcesses } from './demo-processes.js';

/** consoleHelp — what the console understands. */
export const consoleHelp = 'demo: type `restart PORT` to start a data server again, `stop PORT` to stop one, `help` for this line';

/** startDemoConsole — read commands from stdin until it ends; returns the reader (close it on stop). */
export function startDemoConsole(plan: DemoPlan, processes: DemoProcesses, say: (line: string) => void): Interface {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    void answer(plan, processes, line.trim()).then(say, (error: unknown) => say(`demo: ${(error as Error).message}`));
  });
  return lines;
}

async function answer(plan: DemoPlan, processes: DemoProcesses, line: string): Promise<string> {
  if (line === '') return '';
  const [command, operand, ...rest] = line.split(/\s+/);
  if (!['restart', 'start', 'stop'].includes(command) || operand === undefined || rest.length > 0) return consoleHelp;
  let server: DemoDataServer;
  try {
    // group.conf as it is now: a server added since the demo started can be started too.
    const now = await loadDemoPlan(plan.configPath);
    server = command === 'stop' ? findStoppableDataServer(now, operand) : findDataServer(now, operand);
  } catch (error) {
    if (error instanceof InputError) return `demo: ${error.message}`;
    throw error;
  }
  return `demo: ${command === 'stop' ? processes.stopDataServer(server) : await processes.startDataServer(server)}`;
}
