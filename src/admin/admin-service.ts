/**
 * admin-service — answers op_cmd (pcode 16 → 17) on the config server.
 *
 *   request ─▶ known command? ─▶ primary? (all but `status`) ─▶ parameters read strictly
 *      │            │ no −3999         │ no −4210                   │ bad −4201
 *      ▼            ▼                  ▼                            ▼
 *   reads (4, 5, 32)           group.conf edits (3, 6, 24, 25, 33)  cluster commands (23, 45, 46,
 *   from group.conf            written atomically, reload applied   60, 62, 1002, 1004..1009):
 *                              before the reply                     stepped, replied once saved
 *   status (1001): the /status JSON · plan (1003): a dry run on the host's engines (one at a
 *   time, "busy" past planQueueCountMax), nothing changes
 *
 * Every refusal leaves everything as it was. Nothing here holds a lock across an await that
 * could leak: group.conf edits run one at a time in the writer's queue.
 */
import type { Logger } from 'pino';
import type { AdminOutcome, ClusterEvent, ClusterReader, StepAnswer } from '../cluster/index.js';
import { formatServerId } from '../common/server-id.js';
import { adminParamCountMax, planQueueCountMax } from '../limits.js';
import type { OpCmdRequest, OpCmdResponse } from '../protocol/index.js';
import { answerReadOnlyOpCmd, isReadOnlyOpCmd } from '../server/op-commands.js';
import { AdminCmd, AdminCode, adminCommandNames } from './admin-codes.js';
import { clusterCommandNumbers, readClusterCommand } from './cluster-commands.js';
import { confCommands, editForCommand } from './conf-commands.js';
import { expectParams, groupParam, ok, ParamError, reply, serverParam } from './op-params.js';
import type { PlanEngine } from './plan.js';
import { runPlan } from './plan.js';
import { applyChanges, parseChanges, planInputOf } from './plan-input.js';

/** RoleInfo — this config server's place in the pair. */
export interface RoleInfo {
  role: 'primary' | 'secondary';
  epoch: bigint;
}

/** AdminHost — what the service needs from the config server. */
export interface AdminHost {
  /** cluster — read-only; changes go through `step`. */
  cluster(): ClusterReader;
  /** step — the one way to change the cluster (the host's driver performs what it asks for). */
  step<E extends ClusterEvent>(event: E): StepAnswer<E>;
  role(): RoleInfo;
  nowMs(): number;
  /** address / configServers — this server and the pair, for "send it to the primary" messages. */
  address: string;
  configServers: readonly string[];
  groupFile: string;
  defaultDataServerPort: number;
  readGroupConf(): Promise<string>;
  /** editGroupConf — run `edit` on the file's text, write the result, and apply the reload. */
  editGroupConf<R>(edit: (text: string) => { text: string | null; result: R }): Promise<R>;
  /** statusJson — the /status document. */
  statusJson(): unknown;
  /** planEngine — run a dry run on the shared engines, one at a time ('busy' when too many wait). */
  planEngine<T>(slotCount: number, work: (engine: PlanEngine) => Promise<T>): Promise<T | 'busy'>;
  logger: Logger;
}

/** savedWaitMs — how long a reply waits for the change to be saved before answering anyway. */
const savedWaitMs = 5000;
const savedPollMs = 10;

/** AdminService — see the file comment. */
export class AdminService {
  constructor(private readonly host: AdminHost) {}

  /** handle — the reply to one op_cmd; never rejects. */
  async handle(request: OpCmdRequest): Promise<OpCmdResponse> {
    const name = adminCommandNames.get(request.cmd);
    if (name === undefined) return reply(AdminCode.failed, `unknown command ${request.cmd}`);
    if (request.params.length > adminParamCountMax) return reply(AdminCode.invalidParam, `more than ${adminParamCountMax} parameters`);
    const { role, epoch } = this.host.role();
    if (request.cmd !== AdminCmd.status && role !== 'primary') {
      const others = this.host.configServers.filter((server) => server !== this.host.address);
      return reply(
        AdminCode.notPrimary,
        `${this.host.address} is the secondary config server (epoch ${epoch}); send admin commands to the primary${others.length ? ` (${others.join(', ')})` : ''}`,
      );
    }
    try {
      const response = await this.dispatch(request);
      this.host.logger.info(
        { event: 'admin-command', cmd: name, params: request.params, code: response.code },
        `admin ${name}: code ${response.code}${response.code === 0 ? '' : ` (${response.infos[0] ?? ''})`}`,
      );
      return response;
    } catch (error) {
      if (error instanceof ParamError) return reply(AdminCode.invalidParam, error.message);
      this.host.logger.error({ event: 'admin-command-failed', cmd: name, err: error }, `admin ${name} failed`);
      return reply(AdminCode.failed, `${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async dispatch(request: OpCmdRequest): Promise<OpCmdResponse> {
    const { cmd, params } = request;
    if (cmd === AdminCmd.status) return ok(JSON.stringify(this.host.statusJson()));
    if (isReadOnlyOpCmd(cmd)) return answerReadOnlyOpCmd(request, await this.host.readGroupConf());
    if (confCommands.has(cmd)) return this.editConf(request);
    if (cmd === AdminCmd.plan) return this.plan(params);
    if (cmd === AdminCmd.admit) return this.admit(params);
    if (clusterCommandNumbers.has(cmd)) {
      const command = readClusterCommand(cmd, params, this.host.defaultDataServerPort);
      return this.step(command.groupName, () => this.host.step({ type: 'admin', nowMs: this.host.nowMs(), command }));
    }
    return reply(AdminCode.failed, `command ${cmd} is not answered by this server`);
  }

  private async editConf(request: OpCmdRequest): Promise<OpCmdResponse> {
    const context = {
      file: this.host.groupFile,
      defaultDataServerPort: this.host.defaultDataServerPort,
      serverStatus: (groupName: string, serverId: bigint) => {
        const record = this.host.cluster().serverRecord(serverId);
        return record && record.groupName === groupName && record.member ? record.status : null;
      },
    };
    const cluster = this.host.cluster();
    const response = await this.host.editGroupConf((text) => {
      const result = editForCommand(text, request, context);
      return { text: result.text, result: result.response };
    });
    // The reload is applied; answer once what it changed (versions, common map) is saved and served.
    for (const name of cluster.groupNames()) await this.savedBy(name, cluster.groupState(name)?.changeSeq ?? 0);
    return response;
  }

  private async plan(params: readonly string[]): Promise<OpCmdResponse> {
    expectParams(params, 1, Number.POSITIVE_INFINITY, 'group [add=… remove=… drain=… weight=…]');
    const groupName = groupParam(params[0]);
    const changes = parseChanges(params.slice(1));
    const input = planInputOf(this.host.cluster(), groupName);
    if (!input) return reply(AdminCode.groupNotFound, `group ${groupName} not found`);
    const after = applyChanges(input, changes, this.host.defaultDataServerPort);
    const report = await this.host.planEngine(input.bucketCount * input.copyCount, (engine) => runPlan(engine, input, after, changes));
    if (report === 'busy') return reply(AdminCode.refused, `busy: ${planQueueCountMax} plans are running or waiting; retry`);
    return ok(JSON.stringify(report));
  }

  private admit(params: readonly string[]): Promise<OpCmdResponse> {
    expectParams(params, 2, 2, 'group server');
    const groupName = groupParam(params[0]);
    const serverId = serverParam(params[1], 'server', this.host.defaultDataServerPort);
    const cluster = this.host.cluster();
    if (!cluster.hasGroup(groupName)) return Promise.resolve(reply(AdminCode.groupNotFound, `group ${groupName} not found`));
    const record = cluster.serverRecord(serverId);
    if (!record || record.groupName !== groupName) {
      return Promise.resolve(reply(AdminCode.invalidParam, `${formatServerId(serverId)} is not a data server of group ${groupName}`));
    }
    return this.step(groupName, () => {
      const outcome = this.host.step({ type: 'admitServer', nowMs: this.host.nowMs(), serverId });
      return outcome.ok
        ? { ok: true, infos: [`${record.id} admitted; it enters STANDBY at its next heartbeat`] }
        : { ok: false, refusal: 'refused', message: outcome.reason };
    });
  }

  /** step — run a cluster command; a change is answered once it is saved (and so published). */
  private async step(groupName: string, run: () => AdminOutcome): Promise<OpCmdResponse> {
    const cluster = this.host.cluster();
    const changeSeqBefore = cluster.groupState(groupName)?.changeSeq ?? 0;
    const outcome = run();
    if (!outcome.ok) {
      const code =
        outcome.refusal === 'groupNotFound' ? AdminCode.groupNotFound : outcome.refusal === 'invalidParam' ? AdminCode.invalidParam : AdminCode.refused;
      return reply(code, outcome.message);
    }
    const target = cluster.groupState(groupName)?.changeSeq ?? 0;
    if (target > changeSeqBefore && !(await this.savedBy(groupName, target))) {
      return ok(...outcome.infos, 'not saved yet: it is published as soon as the table is saved');
    }
    return ok(...outcome.infos);
  }

  private async savedBy(groupName: string, changeSeq: number): Promise<boolean> {
    const deadline = Date.now() + savedWaitMs;
    for (;;) {
      const group = this.host.cluster().groupState(groupName);
      if (!group || group.savedChangeSeq >= changeSeq) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, savedPollMs));
    }
  }
}
