/**
 * target-config-server — benchmark child: our config server (the real ConfigServer class, as
 * `tair-cs start` runs it) with one group listing `--connections` data servers, answering the
 * orchestrator's CPU questions over IPC.
 *
 *   node dist/bench/heartbeat/target-config-server.js --connections 5000 --bucket-count 8192 --id-port-base 30000
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigServerConf } from '../../src/config/configserver-conf.js';
import { ConfigServer } from '../../src/server/config-server.js';
import { createProcessLogger } from '../../src/server/logger.js';
import { serveCpuRequests } from './child-ipc.js';
import { freeLocalPort } from './free-port.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { connections: { type: 'string' }, 'bucket-count': { type: 'string' }, 'id-port-base': { type: 'string' } },
  });
  const connections = Number(values.connections ?? 5000);
  const bucketCount = Number(values['bucket-count'] ?? 8192);
  const idPortBase = Number(values['id-port-base'] ?? 30000);
  const dir = mkdtempSync(join(tmpdir(), 'tair-cs-bench-'));
  const port = await freeLocalPort();
  const servers = Array.from({ length: connections }, (_, index) => `_server_list = 127.0.0.1:${idPortBase + index}`);
  writeFileSync(
    join(dir, 'group.conf'),
    ['[group_1]', `_bucket_number = ${bucketCount}`, '_copy_count = 2', ...servers, '_accept_strategy = 1', '_areaCapacity_list = 0,1073741824;', ''].join(
      '\n',
    ),
  );
  writeFileSync(
    join(dir, 'configserver.conf'),
    [
      '[public]',
      `config_server = 127.0.0.1:${port}`,
      '[configserver]',
      `port = ${port}`,
      `address = 127.0.0.1:${port}`,
      'group_file = group.conf',
      'data_dir = data',
      'log_file = cfgsvr.log',
      'pid_file = cfgsvr.pid',
      'log_level = warn',
      '',
    ].join('\n'),
  );
  const config = await loadConfigServerConf(join(dir, 'configserver.conf'));
  const { logger, flushLogs } = createProcessLogger({ role: 'configserver', level: config.logLevel, file: config.logFile });
  const server = new ConfigServer(config, logger);
  await server.start();
  serveCpuRequests(async () => {
    await server.stop();
    flushLogs();
    rmSync(dir, { recursive: true, force: true });
  });
  process.send?.({ type: 'ready', port });
}

void main();
