/**
 * cluster-child — starts an etcd test cluster, prints its member pids and data dir as one JSON
 * line, then waits to be killed: the harness must clean up after a parent that dies this way.
 */
import { EtcdCluster } from '../../helpers/etcd-cluster.js';

const cluster = await EtcdCluster.start(3);
process.stdout.write(`${JSON.stringify({ pids: [0, 1, 2].map((index) => cluster.pid(index)), dir: cluster.dir })}\n`);
setInterval(() => undefined, 60_000);
