/**
 * config-command — `tair-cs config check [--config configserver.conf] [--group-file group.conf]`.
 *
 *   valid      exit 0, JSON summary of the groups on stdout
 *   invalid    exit 1, one `file:line: key: message` line per problem on stdout
 *   bad usage  exit 2, one line on stderr
 *
 * `--config` alone checks configserver.conf and the group_file it names; `--group-file` alone
 * checks only that file (data-server port 5191 for entries without one); both: the given group
 * file with the config's `[tairserver] port`.
 */
import { parseArgs } from 'node:util';
import type { ConfigProblem } from '../errors.js';
import { ConfigError, formatConfigProblem } from '../errors.js';
import { defaultDataServerPort } from '../common/server-id.js';
import { readConfigFile } from '../config/config-file.js';
import type { ConfigServerConfig } from '../config/configserver-conf.js';
import { loadAdminSecret, parseConfigServerConf } from '../config/configserver-conf.js';
import { loadGroupConf } from '../config/group-conf.js';
import { summarizeGroupConfig } from '../config/group-summary.js';

const usage = 'usage: tair-cs config check [--config configserver.conf] [--group-file group.conf]\n';

/** run — entry of `tair-cs config`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (subcommand !== 'check') {
    return usageError(subcommand ? `unknown subcommand '${subcommand}'` : 'missing subcommand (check)');
  }
  let values: { config?: string; 'group-file'?: string; help?: boolean };
  try {
    values = parseArgs({
      args: rest,
      options: { config: { type: 'string' }, 'group-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (!values.config && !values['group-file']) return usageError('give --config or --group-file');
  return check(values.config, values['group-file']);
}

async function check(configPath: string | undefined, groupFileOption: string | undefined): Promise<number> {
  let config: ConfigServerConfig | null = null;
  if (configPath) {
    const read = await readConfigFile(configPath);
    if (!read.ok) return printProblems([read.problem]);
    const parsed = parseConfigServerConf(read.text, configPath);
    if (!parsed.config) return printProblems(parsed.problems);
    try {
      config = await loadAdminSecret(parsed.config, configPath);
    } catch (error) {
      if (error instanceof ConfigError) return printProblems(error.problems);
      throw error;
    }
  }
  const groupFile = groupFileOption ?? config?.groupFile;
  if (!groupFile) return usageError('no group file to check');
  const port = config?.dataServerPort ?? defaultDataServerPort;
  const { groups, problems } = await loadGroupConf(groupFile, { defaultDataServerPort: port });
  if (problems.length > 0) return printProblems(problems);
  const summary = {
    ...(config ? { configServer: config } : {}),
    groupFile,
    groups: groups.map(summarizeGroupConfig),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

function printProblems(problems: readonly ConfigProblem[]): number {
  process.stdout.write(problems.map((problem) => `${formatConfigProblem(problem)}\n`).join(''));
  return 1;
}

function usageError(message: string): number {
  process.stderr.write(`tair-cs config: ${message} (${usage.trim()})\n`);
  return 2;
}
