/**
 * etcd-auth — turns on etcd's authentication for a test cluster, through etcd's own API (what
 * `etcdctl user add`, `role grant-permission` and `auth enable` call; the etcd3 client the
 * project already uses, so no etcdctl is needed):
 *
 *   root (role root) ─ needed before auth can be enabled
 *   each user: its own role, readwrite on its key prefixes only
 */
import { Range } from 'etcd3';
import type { Etcd3 } from 'etcd3';

/** EtcdTestUser — a user and the prefixes it may read and write. */
export interface EtcdTestUser {
  name: string;
  password: string;
  prefixes: readonly string[];
}

/** enableEtcdAuth — create root and the users (each with a role of its own), then enable authentication. */
export async function enableEtcdAuth(client: Etcd3, rootPassword: string, users: readonly EtcdTestUser[]): Promise<void> {
  await client.user('root').create(rootPassword);
  await client.user('root').addRole('root');
  for (const user of users) {
    const role = await client.role(`${user.name}-role`).create();
    for (const prefix of user.prefixes) await role.grant({ permission: 'Readwrite', range: Range.prefix(prefix) });
    await client.user(user.name).create(user.password);
    await client.user(user.name).addRole(role);
  }
  await client.auth.authEnable();
}
