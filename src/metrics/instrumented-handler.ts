/**
 * instrumented-handler — counts heartbeats and times every reply, around the request handler:
 *
 *   frame in ─▶ received (heartbeats) ─▶ handler.handle(watched connection, frame)
 *                                             └─ first watched.send(reply) ─▶ answered, latency
 *
 * The handler replies through the connection it is given, sometimes later (op_cmd, a migrate
 * finish held until its change is saved): the watched connection goes with it, so the latency
 * is the one the peer sees. It forwards everything else to the real connection.
 */
import type { Frame } from '../protocol/index.js';
import { Pcode } from '../protocol/index.js';
import type { Connection, FrameHandler } from '../server/tcp-listener.js';
import type { ConfigServerMetrics } from './config-server-metrics.js';

const requestNames = new Map<number, string>([
  [Pcode.ping, 'ping'],
  [Pcode.heartbeatRequest, 'heartbeat'],
  [Pcode.opCmdRequest, 'op_cmd'],
  [Pcode.getGroupRequest, 'get_group'],
  [Pcode.groupNamesRequest, 'group_names'],
  [Pcode.queryInfoRequest, 'query_info'],
  [Pcode.nonDownDataServersRequest, 'non_down_data_servers'],
  [Pcode.migrateFinish, 'migrate_finish'],
  [Pcode.recoveryFinish, 'recovery_finish'],
  [Pcode.dataServerControlRequest, 'data_server_control'],
  [Pcode.migratingMachinesRequest, 'migrating_machines'],
]);

/** instrumentHandler — `inner` with heartbeat counts and reply latencies recorded in `metrics`. */
export function instrumentHandler(inner: FrameHandler, metrics: ConfigServerMetrics): FrameHandler {
  return {
    handle(connection: Connection, frame: Frame): void {
      const startNs = process.hrtime.bigint();
      const isHeartbeat = frame.pcode === Pcode.heartbeatRequest;
      if (isHeartbeat) metrics.heartbeatsReceived.inc();
      const request = requestNames.get(frame.pcode) ?? 'other';
      let answered = false;
      const send = (bytes: Buffer): void => {
        if (!answered) {
          answered = true;
          metrics.responseSeconds.observe({ request }, Number(process.hrtime.bigint() - startNs) / 1e9);
          if (isHeartbeat) metrics.heartbeatsAnswered.inc();
        }
        connection.send(bytes);
      };
      inner.handle(watch(connection, send), frame);
    },
  };
}

/** watch — the connection with `send` replaced; every other member acts on the real one. */
function watch(connection: Connection, send: (bytes: Buffer) => void): Connection {
  return new Proxy(connection, {
    get(target, property) {
      if (property === 'send') return send;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
