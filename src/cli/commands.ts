/**
 * commands — the table of top-level `tair-cs` commands, loaded lazily so that a quick
 * command never pays for loading the server.
 */

/** CommandModule — what every command file exports. */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

/** commandModules — command name to a loader of its module. */
export const commandModules: Record<string, () => Promise<CommandModule>> = {
  table: () => import('./table-command.js'),
  config: () => import('./config-command.js'),
  client: () => import('./client-command.js'),
  dataserver: () => import('./dataserver-command.js'),
  start: () => import('./start-command.js'),
  demo: () => import('./demo-command.js'),
  admin: () => import('./admin-command.js'),
  status: () => import('./status-command.js'),
};
