/**
 * scenario-runner — run a transcript: commands above `----`, the output they
 * produce below it. The runner returns the whole file as it should read, so a test can
 * compare it with the file on disk (`vitest -u` rewrites the output part).
 *
 *   servers a@r1 b@r1*2 c@r2      name@rack, optional *weight
 *   build buckets=12 copies=2 [strategy=rack] [seed=1] [ratio=0.6]
 *   down b [c]   up b   add e@r3
 *   rebuild [strategy=...]        from the current table
 *   quick [allow-lost]            the quick table becomes the current table
 *   scan   diff   stats           diff = previous table → current table
 */
import { type BuildReport, Engine, type ServerSpec, type Table } from '../../src/engine/index.js';
import { balanceLines, buildLines, renderTable, serverLines } from './scenario-format.js';
import { promotionGains, referenceDiff } from './table-moves.js';

/** scenarioSeparator — the line between commands and output. */
export const scenarioSeparator = '----';

interface State {
  engine: Engine;
  servers: ServerSpec[];
  bucketCount: number;
  copyCount: number;
  options: { strategy: 'balanced' | 'rack' | 'auto'; seed: number; diffRatio: number };
  current?: Table;
  previous?: Table;
}

/** runScenario — the transcript `text` with its output part regenerated. */
export function runScenario(text: string, engine = new Engine()): string {
  const commands = text
    .split(scenarioSeparator)[0]
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const state: State = { engine, servers: [], bucketCount: 0, copyCount: 0, options: { strategy: 'balanced', seed: 0, diffRatio: 0.6 } };
  const output: string[] = [];
  for (const command of commands) {
    output.push(`> ${command}`, ...runCommand(state, command));
  }
  const head = text.split(scenarioSeparator)[0].trimEnd();
  return `${head}\n${scenarioSeparator}\n${output.join('\n')}\n`;
}

function runCommand(state: State, command: string): string[] {
  const [verb, ...words] = command.split(/\s+/);
  switch (verb) {
    case 'servers':
      state.servers = words.map(parseServer);
      return [describeServers(state.servers)];
    case 'add':
      state.servers.push(...words.map(parseServer));
      return [describeServers(state.servers)];
    case 'down':
    case 'up':
      for (const name of words) serverNamed(state, name).alive = verb === 'up';
      return [describeServers(state.servers)];
    case 'build':
      return build(state, words, false);
    case 'rebuild':
      return build(state, words, true);
    case 'quick':
      return quick(state, words.includes('allow-lost'));
    case 'scan':
      return scan(state);
    case 'diff':
      return diff(state);
    case 'stats': {
      const table = currentTable(state);
      const stats = state.engine.stats(table, state.servers);
      return [...serverLines(table, state.servers, stats.replicas, stats.masters), ...balanceLines(table, state.servers)];
    }
    default:
      throw new Error(`unknown scenario command '${command}'`);
  }
}

function parseServer(word: string): ServerSpec {
  const match = /^([\w-]+)@([\w-]+)(?:\*(\d+))?$/.exec(word);
  if (!match) throw new Error(`bad server '${word}': want name@rack or name@rack*weight`);
  return { id: match[1], rack: match[2], weight: match[3] ? Number(match[3]) : 1, alive: true };
}

function serverNamed(state: State, name: string): ServerSpec {
  const server = state.servers.find((candidate) => candidate.id === name);
  if (!server) throw new Error(`no server named '${name}'`);
  return server;
}

function describeServers(servers: ServerSpec[]): string {
  const alive = servers.filter((server) => server.alive);
  const racks = [...new Set(alive.map((server) => server.rack))];
  const down = servers.filter((server) => !server.alive).map((server) => server.id);
  const downText = down.length > 0 ? `; down: ${down.join(' ')}` : '';
  return `${alive.length} alive on ${racks.length} racks (${racks
    .map(
      (rack) =>
        `${rack}: ${alive
          .filter((server) => server.rack === rack)
          .map((server) => server.id)
          .join(' ')}`,
    )
    .join(', ')})${downText}`;
}

function currentTable(state: State): Table {
  if (!state.current) throw new Error('no table yet: build first');
  return state.current;
}

function build(state: State, words: string[], fromCurrent: boolean): string[] {
  for (const word of words) {
    const [key, value] = word.split('=');
    if (key === 'buckets') state.bucketCount = Number(value);
    else if (key === 'copies') state.copyCount = Number(value);
    else if (key === 'strategy') state.options.strategy = value as State['options']['strategy'];
    else if (key === 'seed') state.options.seed = Number(value);
    else if (key === 'ratio') state.options.diffRatio = Number(value);
    else throw new Error(`unknown build option '${word}'`);
  }
  const source = fromCurrent ? currentTable(state) : undefined;
  const report: BuildReport = state.engine.build({
    bucketCount: state.bucketCount,
    copyCount: state.copyCount,
    servers: state.servers.map((server) => ({ ...server })),
    source,
    ...state.options,
  });
  if (report.ok) {
    state.previous = source;
    state.current = report.table;
  }
  return buildLines(report, state.servers, source);
}

function quick(state: State, allowLost: boolean): string[] {
  const before = currentTable(state);
  const report = state.engine.quickTable(before, state.servers, { allowLost });
  if (!report.ok) return [`failed: ${report.outcome} (${report.lostBuckets} buckets have no live copy)`];
  const lines = [`ok: ${report.promotions} promotions, ${report.clearedSlots} slots cleared, ${report.lostBuckets} buckets lost`];
  for (const { dead, mastered, gains } of promotionGains(before, report.table, state.servers)) {
    const heirs = [...gains].sort((x, y) => x[0] - y[0]).map(([heir, count]) => `${state.servers[heir].id} ${count}`);
    lines.push(`  ${state.servers[dead].id}'s ${mastered} masters went to: ${heirs.join(', ') || 'nobody'}`);
  }
  state.previous = before;
  state.current = report.table;
  return [...lines, ...renderTable(report.table, state.servers)];
}

function scan(state: State): string[] {
  const report = state.engine.scan(currentTable(state), state.servers);
  const perCopy = report.perCopy.map(
    (copy, copyIndex) =>
      `${copyIndex === 0 ? 'master' : `copy ${copyIndex}`} ${copy.count}${copy.firstBucket === null ? '' : ` (first bucket ${copy.firstBucket})`}`,
  );
  return [`${report.total} slots force a rebuild: ${perCopy.join(', ')}`];
}

function diff(state: State): string[] {
  const target = currentTable(state);
  if (!state.previous) throw new Error('diff needs a previous table: rebuild or quick first');
  const plan = state.engine.diff(state.previous, target, state.servers.length);
  const reference = referenceDiff(state.previous, target, state.servers.length);
  const count = (bit: number): number => plan.flags.reduce((sum, flag) => sum + ((flag & bit) !== 0 ? 1 : 0), 0);
  const perSource = [...plan.perSource].flatMap((n, entry) => (n > 0 ? [`${state.servers[entry - 1].id} ${n}`] : []));
  const lines = [
    `${plan.bucketsToMigrate} buckets to migrate, ${count(2)} master hand-overs, ${count(4)} buckets receive data`,
    `  per source master: ${perSource.join(', ') || 'none'}`,
  ];
  if (plan.bucketsToMigrate !== reference.bucketsToMigrate || plan.perSource.some((n, entry) => n !== reference.perSource[entry])) {
    lines.push(`!! the original's rule counts ${reference.bucketsToMigrate} buckets to migrate`);
  }
  return lines;
}
