/**
 * admin-command — `tair-cs admin --config-servers a:p[,b:p] OP ARGS…`: one admin command over
 * op_cmd (pcode 16), sent to the pair's primary (src/admin/admin-client.ts).
 *
 * With --secret-file (the servers' admin_secret_file), every command is signed.
 *
 *   exit 0   done: the reply's info lines on stdout (JSON for plan and status)
 *   exit 1   refused (the code's name and the reason on stderr), no config server reachable,
 *            or a plan that says `"ok": false` (printed all the same)
 *   exit 2   bad usage, including a SERVER without its port (`ip:port` is required here)
 */
import { parseArgs } from 'node:util';
import { AdminClientError, sendAdminCommand } from '../admin/admin-client.js';
import { AdminCmd, adminCodeNames } from '../admin/admin-codes.js';
import { autoAreaKey } from '../admin/conf-commands.js';
import { serverListCodeNames, editServerListRemotely } from '../admin/server-list-client.js';
import { defaultConfigServerPort, formatServerId, parseServerAddress, serverIdFromAddress, type ServerAddress } from '../common/server-id.js';
import { InputError } from '../errors.js';
import { readAdminSecretFile } from '../security/admin-secret.js';
import { RequestSigner } from '../security/request-signer.js';
import { DataServerControlCode, DataServerControlOp } from '../protocol/index.js';

interface Operation {
  cmd: number;
  usage: string;
  /** params — the wire parameters from the operands, or a usage problem. */
  params(operands: string[]): string[];
}

const exactly = (count: number) => (operands: string[]) => {
  if (operands.length !== count) throw new InputError(`takes ${count} argument${count === 1 ? '' : 's'}, got ${operands.length}`);
  return operands;
};
const atLeast = (count: number) => (operands: string[]) => {
  if (operands.length < count) throw new InputError(`takes at least ${count} argument${count === 1 ? '' : 's'}, got ${operands.length}`);
  return operands;
};

/**
 * servers — the operands at `positions` (lists split at commas) must be `ip:port`: over op_cmd a
 * bare ip means `[tairserver] port` of the config server, which this command cannot know, so
 * it is refused here rather than silently meaning some port.
 */
const servers = (positions: number[], check: (operands: string[]) => string[]) => (operands: string[]) => {
  const checked = check(operands);
  for (const position of positions.length > 0 ? positions : checked.map((_, index) => index).slice(1)) {
    for (const entry of (checked[position] ?? '').split(',').filter((text) => text.trim() !== '')) {
      if (!/:\d+$/.test(entry.trim())) throw new InputError(`needs ip:port, got '${entry}' without a port (e.g. ${entry.trim()}:5191)`);
      parseServerAddress(entry, defaultConfigServerPort);
    }
  }
  return checked;
};

const operations: Record<string, Operation> = {
  'reset-server': {
    cmd: AdminCmd.resetDataServer,
    usage: 'GROUP [SERVER…]   take servers out of tmp_down_server (all when none given)',
    params: servers([], atLeast(1)),
  },
  'group-status': { cmd: AdminCmd.getGroupStatus, usage: 'GROUP…   group_status of each group', params: atLeast(1) },
  'tmp-down-servers': { cmd: AdminCmd.getTmpDownServer, usage: 'GROUP…   tmp_down_server of each group', params: atLeast(1) },
  'set-group-status': { cmd: AdminCmd.setGroupStatus, usage: 'GROUP on|off', params: exactly(2) },
  'migrate-bucket': { cmd: AdminCmd.migrateBucket, usage: 'GROUP BUCKET COPY SRC DST   move one copy of one bucket', params: servers([3, 4], exactly(5)) },
  'alloc-area': {
    cmd: AdminCmd.allocArea,
    usage: `GROUP KEY QUOTA   new area (KEY ${autoAreaKey} = any free area, a number = that area, a name = a free area named so)`,
    params: (operands) => {
      const [group, key, quota] = exactly(3)(operands);
      return [key, quota, group];
    },
  },
  'set-quota': {
    cmd: AdminCmd.setQuota,
    usage: 'GROUP AREA QUOTA   AREA by number or name; quota 0 deletes the area',
    params: (operands) => {
      const [group, area, quota] = exactly(3)(operands);
      return [area, quota, group];
    },
  },
  'area-status': { cmd: AdminCmd.getAreaStatus, usage: 'GROUP…   area_status of each group', params: atLeast(1) },
  'set-area-status': { cmd: AdminCmd.setAreaStatus, usage: 'GROUP AREA STATUS', params: exactly(3) },
  'switch-bucket': { cmd: AdminCmd.switchBucket, usage: 'GROUP BUCKET[,BUCKET…]   swap master and slave', params: atLeast(2) },
  failover: {
    cmd: AdminCmd.activeFailoverOrRecover,
    usage: 'GROUP SERVER   take a server out of service now',
    params: (operands) => [...servers([1], exactly(2))(operands), '0'],
  },
  recover: {
    cmd: AdminCmd.activeFailoverOrRecover,
    usage: 'GROUP SERVER   let a failed-over server back in',
    params: (operands) => [...servers([1], exactly(2))(operands), '1'],
  },
  'replace-server': {
    cmd: AdminCmd.replaceDataServer,
    usage: 'GROUP SRC[,SRC…] DST[,DST…]   every copy of each SRC goes to its DST',
    params: (operands) => {
      const [group, sources, targets] = servers([1, 2], exactly(3))(operands);
      return [group, String(sources.split(',').filter((entry) => entry.trim() !== '').length), sources, targets];
    },
  },
  'urgent-offline': { cmd: AdminCmd.urgentOffline, usage: 'GROUP SERVER REPLACEMENT[,REPLACEMENT…]', params: servers([1, 2], exactly(3)) },
  status: { cmd: AdminCmd.status, usage: '   the status document as JSON', params: exactly(0) },
  rebuild: { cmd: AdminCmd.rebuild, usage: 'GROUP   rebuild now', params: exactly(1) },
  plan: { cmd: AdminCmd.plan, usage: 'GROUP [add=S] [remove=S] [drain=S] [weight=S*W]…   dry run: the migration a change would cause', params: atLeast(1) },
  drain: { cmd: AdminCmd.drain, usage: 'GROUP SERVER   move every copy off the server', params: servers([1], exactly(2)) },
  undrain: { cmd: AdminCmd.undrain, usage: 'GROUP SERVER   stop draining', params: servers([1], exactly(2)) },
  pause: { cmd: AdminCmd.pauseMigration, usage: 'GROUP   data servers get no new bucket to move', params: exactly(1) },
  resume: { cmd: AdminCmd.resumeMigration, usage: 'GROUP', params: exactly(1) },
  'migration-cap': { cmd: AdminCmd.migrationCap, usage: 'GROUP N   at most N buckets into or out of a server at a time (0 = no cap)', params: exactly(2) },
  admit: { cmd: AdminCmd.admit, usage: 'GROUP SERVER   let a DOWN server in under _accept_strategy = 0', params: servers([1], exactly(2)) },
  'add-server': {
    cmd: -1,
    usage: 'GROUP SERVER…   list servers in _server_list (pcode 1500: group.conf is edited and reloaded)',
    params: servers([], atLeast(2)),
  },
  'remove-server': { cmd: -1, usage: 'GROUP SERVER…   take servers out of _server_list (they drain first if they hold data)', params: servers([], atLeast(2)) },
  raw: {
    cmd: -1,
    usage: 'CMD [PARAM…]   any op_cmd number with its parameters as given',
    params: (operands) => atLeast(1)(operands).slice(1),
  },
};

const usage = [
  'usage: tair-cs admin --config-servers ip:port[,ip:port] [--timeout-ms N] [--json] [--secret-file FILE] OP [ARGS…]',
  '',
  'OP:',
  ...Object.entries(operations).map(([name, operation]) => `  ${name} ${operation.usage}`),
  '',
  'SERVER is ip:port (a bare ip is refused: which port it means depends on the config server).',
  'plan CHANGEs take ip[:port]; the plan shows the port it used. The command goes to the primary config server.',
  '--secret-file signs the command with the key the servers have in admin_secret(_file).',
  '',
].join('\n');

/** run — the arguments after `tair-cs admin`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let parsed: { configServers: ServerAddress[]; timeoutMs: number; json: boolean; name: string; cmd: number; params: string[]; secretFile: string | null };
  try {
    parsed = parseAdminArgs(argv);
  } catch (error) {
    process.stderr.write(`tair-cs admin: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  let signer: RequestSigner | null = null;
  if (parsed.secretFile !== null) {
    const read = await readAdminSecretFile(parsed.secretFile);
    if ('problem' in read) {
      process.stderr.write(`tair-cs admin: --secret-file: ${read.problem}\n`);
      return 2;
    }
    signer = new RequestSigner(read.secret.key);
  }
  if (parsed.name in serverListOps) return editServerList(parsed, signer);
  try {
    const { server, response } = await sendAdminCommand(parsed.configServers, parsed.cmd, parsed.params, parsed.timeoutMs, signer);
    if (parsed.json) process.stdout.write(`${JSON.stringify({ server, code: response.code, infos: response.infos })}\n`);
    if (response.code !== 0) {
      const name = adminCodeNames.get(response.code) ?? 'error';
      process.stderr.write(`tair-cs admin: ${parsed.name} refused by ${server}: ${name} (${response.code}): ${response.infos.join('; ')}\n`);
      return 1;
    }
    if (!parsed.json) process.stdout.write(formatInfos(parsed.cmd, parsed.params, response.infos));
    return planRefused(parsed.cmd, response.infos);
  } catch (error) {
    if (!(error instanceof AdminClientError)) throw error;
    process.stderr.write(`tair-cs admin: ${error.message}\n`);
    return 1;
  }
}

/** serverListOps — the two commands that go as pcode 1500, not op_cmd. */
const serverListOps: Record<string, number> = { 'add-server': DataServerControlOp.add, 'remove-server': DataServerControlOp.delete };

type AdminArgs = ReturnType<typeof parseAdminArgs>;

// add-server / remove-server: one line per server with what the config server did; exit 1 unless all were done.
async function editServerList(parsed: AdminArgs, signer: RequestSigner | null): Promise<number> {
  const [groupName, ...entries] = parsed.params;
  const serverIds = entries
    .flatMap((entry) => entry.split(','))
    .filter((entry) => entry.trim() !== '')
    .map((entry) => serverIdFromAddress(parseServerAddress(entry, defaultConfigServerPort)));
  try {
    const { server, codes } = await editServerListRemotely(
      parsed.configServers,
      { groupName, op: serverListOps[parsed.name], serverIds },
      parsed.timeoutMs,
      signer,
    );
    if (parsed.json) process.stdout.write(`${JSON.stringify({ server, codes })}\n`);
    let failed = false;
    codes.forEach((code, index) => {
      const line = `${groupName} ${formatServerId(serverIds[index])}: ${serverListCodeNames.get(code) ?? `code ${code}`}\n`;
      failed ||= code !== DataServerControlCode.ok;
      if (!parsed.json) (code === DataServerControlCode.ok ? process.stdout : process.stderr).write(line);
    });
    return failed ? 1 : 0;
  } catch (error) {
    if (!(error instanceof AdminClientError)) throw error;
    process.stderr.write(`tair-cs admin: ${error.message}\n`);
    return 1;
  }
}

function parseAdminArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'config-servers': { type: 'string' }, 'timeout-ms': { type: 'string' }, json: { type: 'boolean' }, 'secret-file': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (!values['config-servers']) throw new InputError('missing --config-servers ip:port[,ip:port]');
  const configServers = values['config-servers']
    .split(',')
    .filter((entry) => entry.trim() !== '')
    .map((entry) => parseServerAddress(entry, defaultConfigServerPort));
  if (configServers.length === 0) throw new InputError('--config-servers lists no server');
  const timeoutText = values['timeout-ms'] ?? '30000';
  if (!/^\d{1,7}$/.test(timeoutText) || Number(timeoutText) === 0)
    throw new InputError(`--timeout-ms must be a whole number of milliseconds, got '${timeoutText}'`);
  const [name, ...operands] = positionals;
  if (name === undefined) throw new InputError('missing OP');
  const operation = operations[name];
  if (!operation) throw new InputError(`unknown OP '${name}'`);
  let params: string[];
  try {
    params = operation.params(operands);
  } catch (error) {
    throw new InputError(`${name} ${(error as Error).message}: ${name} ${operation.usage}`);
  }
  let cmd = operation.cmd;
  if (name === 'raw') {
    if (!/^-?\d{1,10}$/.test(operands[0])) throw new InputError(`raw: CMD must be a number, got '${operands[0]}'`);
    cmd = Number(operands[0]);
  }
  return { configServers, timeoutMs: Number(timeoutText), json: values.json === true, name, cmd, params, secretFile: values['secret-file'] ?? null };
}

function formatInfos(cmd: number, params: readonly string[], infos: readonly string[]): string {
  if ((cmd === AdminCmd.plan || cmd === AdminCmd.status) && infos.length > 0) {
    return `${JSON.stringify(JSON.parse(infos[0]), null, 2)}\n${infos
      .slice(1)
      .map((line) => `${line}\n`)
      .join('')}`;
  }
  const lines = [...infos];
  // The original answers nothing for a group without area_status; say so instead of printing nothing.
  if (cmd === AdminCmd.getAreaStatus) {
    for (const group of params) if (!infos.some((line) => line.startsWith(`${group}: `))) lines.push(`${group}: no area_status set`);
  }
  return lines.map((line) => `${line}\n`).join('');
}

// A plan the engine could not make (`"ok": false`) is printed, and exits 1 like any failure.
function planRefused(cmd: number, infos: readonly string[]): number {
  if (cmd !== AdminCmd.plan || infos.length === 0) return 0;
  const plan = JSON.parse(infos[0]) as { ok?: boolean; outcome?: string };
  if (plan.ok !== false) return 0;
  process.stderr.write(`tair-cs admin: plan: not ok: ${plan.outcome ?? 'no outcome given'}\n`);
  return 1;
}
