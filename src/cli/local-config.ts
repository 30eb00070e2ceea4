/**
 * local-config — the config servers a command talks to when it is given no address: those of
 * configserver.conf (`--config FILE`, or the file `tair-cs start` reads by default).
 */
import { existsSync } from 'node:fs';
import { parseServerAddress, type ServerAddress } from '../common/server-id.js';
import { loadConfigServerConf } from '../config/configserver-conf.js';
import { ConfigError, InputError } from '../errors.js';
import { defaultConfigCandidates, defaultConfigPath } from './default-config.js';

/** configServersOf — `[public] config_server` of the file; InputError when there is none to read. */
export async function configServersOf(configPath: string | null): Promise<ServerAddress[]> {
  const path = configPath ?? defaultConfigPath();
  if (!existsSync(path)) {
    throw new InputError(
      configPath === null
        ? `no address given and no configserver.conf here (looked for ${defaultConfigCandidates.join(', ')}): give --config-servers ip:port, --http ip:port or --config FILE`
        : `${path} does not exist`,
    );
  }
  try {
    const config = await loadConfigServerConf(path);
    return config.configServers.map((text) => parseServerAddress(text, config.port));
  } catch (error) {
    if (error instanceof ConfigError) throw new InputError(`${path} is invalid:\n${error.message}`);
    throw error;
  }
}
