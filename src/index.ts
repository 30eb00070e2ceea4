/**
 * tair-config-server — the library entry: the table engine, the client and the data-server
 * agent (each also importable alone as `tair-config-server/engine`, `/client`, `/agent`),
 * the config parsers and the error classes.
 */
export * from './engine/index.js';
export * as client from './client/index.js';
export * as agent from './agent/index.js';
export { parseGroupConf, loadGroupConf } from './config/group-conf.js';
export { parseConfigServerConf, loadConfigServerConf } from './config/configserver-conf.js';
export { TairError, InputError, ConfigError, ProtocolError, StorageError, formatConfigProblem } from './errors.js';
export type { ConfigProblem } from './errors.js';
