/**
 * The trust boundary from other hosts, with real processes in network namespaces (every 127.x
 * address is this host, so a non-allowed source needs a namespace of its own):
 *
 *   ns cs        tair-cs start, entry #0 of a pair whose entry #1 is ns peer (never started),
 *                admin_allow = <ns admin>, loopback; admin_secret_file set; HTTP on 127.0.0.1 only
 *   ns ds        three reference data servers (our agent), listed in group.conf
 *   ns attacker  every state-changing request, unsigned and signed with the real key, heartbeats
 *                claiming a listed data server with epoch 2^64−1: each refused in its pcode's error
 *                shape (or, for heartbeats, answered without believing them), nothing changes
 *   ns admin     allowed: unsigned refused (a key is set), signed accepted, a replay refused
 *   ns peer      pair messages: unsigned refused, signed answered
 *
 * Ports inside the namespaces are fixed: each namespace is private, nothing else can hold them.
 * Runs as root (CI does); elsewhere it is skipped with a loud message.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AdminCmd, AdminCode } from '../../src/admin/admin-codes.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import type { Packet, ResponsePacket } from '../../src/protocol/index.js';
import { DataServerControlCode, decodeResponse, encodeBody, encodeFrame, encodePacketFrame, OpCmd, Pcode, QueryType } from '../../src/protocol/index.js';
import { signBody } from '../../src/protocol/signature.js';
import type { BenchProcess } from '../../bench/pair/processes.js';
import { configServer, dataServer } from '../../bench/pair/processes.js';
import { buildOnce } from '../server/helpers/config-server-process.js';
import { NetLab, netLabUnavailable, removeStaleLabs } from '../helpers/netns.js';
import { originalHeartbeat } from '../helpers/original-heartbeat.js';

const unavailable = netLabUnavailable();
if (unavailable) console.warn(`\n*** SKIPPING network-namespace trust-boundary tests: ${unavailable} ***\n`);

const port = 5198;
const httpPort = 5199;
const key = 'trust-boundary-test-key-0123456789';
const senderScript = join(import.meta.dirname, '..', 'helpers', 'frame-sender.mjs');
const mainScript = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
let lab: NetLab;
let dir: string;
let server: BenchProcess;
const dataServers: BenchProcess[] = [];
let csIp: string;
let dsIds: bigint[];

/** sendFrom — frames sent from inside `node`, the replies decoded (null: closed or no reply). */
async function sendFrom(node: string, frames: Buffer[]): Promise<(ResponsePacket | null)[]> {
  const child = lab.spawnNode(node, senderScript, [csIp, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end(JSON.stringify(frames.map((frame) => ({ frame: frame.toString('base64') }))));
  await exited;
  const results = JSON.parse(stdout) as { pcode?: number; body?: string }[];
  return results.map((result) => (result.pcode === undefined ? null : decodeResponse(result.pcode, Buffer.from(result.body ?? '', 'base64'))));
}

let nextChannel = 100;
function plain(packet: Packet): Buffer {
  return encodePacketFrame(nextChannel++, packet);
}
function signed(packet: Packet, secret = key): Buffer {
  return encodeFrame(nextChannel++, packet.pcode, signBody(packet.pcode, encodeBody(packet), Buffer.from(secret), Date.now()));
}
const opCmd = (cmd: number, ...params: string[]): Packet => ({ pcode: Pcode.opCmdRequest, body: { cmd, params } });

/** status — the /status document over op_cmd 1001 (open to anyone), asked from the root namespace. */
async function status(): Promise<{
  role: string;
  epoch: number;
  groups: { versions: Record<string, number>; dataServers: { id: string; state: string }[]; migration: { paused: boolean } }[];
}> {
  const [reply] = await sendFrom('attacker', [plain(opCmd(AdminCmd.status))]);
  if (reply?.pcode !== Pcode.opCmdResponse) throw new Error('no status');
  return JSON.parse(reply.body.infos[0]);
}

function heartbeatClaiming(serverId: bigint): Packet {
  const body = { ...originalHeartbeat({ serverId, serverVersion: 4_000_000_000, transitionVersion: 0 }) };
  return { pcode: Pcode.heartbeatRequest, body: { ...body, extension: { epoch: (1n << 64n) - 1n, largeTableAccepted: true, otherConfigServer: 'reachable' } } };
}

describe.skipIf(unavailable !== null)('trust boundary, from other hosts', () => {
  beforeAll(async () => {
    buildOnce();
    removeStaleLabs('hdn');
    lab = await NetLab.create({ prefix: 'hdn', nodes: ['cs', 'peer', 'ds', 'admin', 'attacker'] });
    csIp = lab.ipOf('cs');
    const dsIp = lab.ipOf('ds');
    dsIds = [5191, 5192, 5193].map((dsPort) => serverIdFromText(`${dsIp}:${dsPort}`, 0));
    dir = await mkdtemp(join(tmpdir(), 'tair-cs-trust-'));
    await writeFile(join(dir, 'admin.key'), `${key}\n`, { mode: 0o600 });
    await writeFile(
      join(dir, 'group.conf'),
      [
        '[group_1]',
        '_bucket_number = 64',
        '_copy_count = 2',
        `_server_list = ${dsIp}:5191;${dsIp}:5192;${dsIp}:5193`,
        '_accept_strategy = 1',
        '_server_down_time = 1',
        '_min_data_server_count = 2',
        'group_status = on',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'configserver.conf'),
      [
        '[public]',
        `config_server = ${csIp}:${port}`,
        `config_server = ${lab.ipOf('peer')}:${port}`,
        '[configserver]',
        `port = ${port}`,
        `address = ${csIp}:${port}`,
        `http_port = ${httpPort}`,
        'http_address = 127.0.0.1',
        'group_file = group.conf',
        'data_dir = data',
        'pid_file = cfgsvr.pid',
        'peer_timeout_ms = 600',
        `admin_allow = ${lab.ipOf('admin')}, loopback`,
        'admin_secret_file = admin.key',
        '[tairserver]',
        'port = 5191',
        '',
      ].join('\n'),
    );
    server = configServer(join(dir, 'configserver.conf'), (script, args, options) => lab.spawnNode('cs', script, args, options));
    server.start();
    await server.waitFor((line) => line.event === 'listening', 0, 15_000);
    for (const dsPort of [5191, 5192, 5193]) {
      const child = dataServer(
        dsPort,
        [`${csIp}:${port}`, `${lab.ipOf('peer')}:${port}`],
        (script, args, options) => lab.spawnNode('ds', script, args, options),
        dsIp,
      );
      child.start();
      dataServers.push(child);
    }
    await server.waitFor((line) => line.event === 'published' && Number(line.server) >= 10, 0, 20_000);
  });

  afterAll(async () => {
    for (const child of [...dataServers, server]) await child?.kill();
    lab?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('from a non-allowed host: every state-changing request is refused in its own error shape, and nothing changes', async () => {
    const before = await status();
    const groupConfBefore = await readFile(join(dir, 'group.conf'));
    const [ds1] = dsIds;
    const replies = await sendFrom('attacker', [
      plain(opCmd(AdminCmd.rebuild, 'group_1')),
      plain(opCmd(OpCmd.activeFailoverOrRecover, 'group_1', `${lab.ipOf('ds')}:5191`, '0')),
      plain(opCmd(AdminCmd.pauseMigration, 'group_1')),
      plain(opCmd(OpCmd.setGroupStatus, 'group_1', 'off')),
      plain(opCmd(AdminCmd.plan, 'group_1')),
      plain(opCmd(9999)),
      signed(opCmd(AdminCmd.rebuild, 'group_1')),
      plain({ pcode: Pcode.dataServerControlRequest, body: { serverIds: [ds1], op: 1, groupName: 'group_1' } }),
      plain({ pcode: Pcode.dataServerControlRequest, body: { serverIds: [serverIdFromText('6.6.6.6:5191', 0), ds1], op: 0, groupName: 'group_1' } }),
      plain({ pcode: Pcode.serverTable, body: { modifiedTimeS: 0, type: 1, groupName: '', originalBytes: 0, data: Buffer.from('[group_1]\n') } }),
      signed({ pcode: Pcode.serverTable, body: { modifiedTimeS: 0, type: 0, groupName: 'group_1', originalBytes: 0, data: Buffer.alloc(0) } }),
      plain({ pcode: Pcode.configServerHeartbeat, body: { serverId: 1n, loopCount: 1 } }),
      plain({ pcode: Pcode.setMaster, body: { configVersion: 0, value: 2 } }),
      plain({ pcode: Pcode.getServerTableRequest, body: { type: 1, groupName: '' } }),
    ]);
    for (const reply of replies.slice(0, 7)) expect(reply).toMatchObject({ pcode: Pcode.opCmdResponse, body: { code: AdminCode.denied } });
    expect(replies[0]?.pcode === Pcode.opCmdResponse && replies[0].body.infos[0]).toMatch(/is not in admin_allow/);
    expect(replies[7]).toEqual({ pcode: Pcode.dataServerControlResponse, body: { codes: [DataServerControlCode.denied] } });
    expect(replies[8]).toEqual({ pcode: Pcode.dataServerControlResponse, body: { codes: [DataServerControlCode.denied, DataServerControlCode.denied] } });
    for (const reply of replies.slice(9)) expect(reply).toMatchObject({ pcode: Pcode.returnPacket, body: { code: 1 } });
    expect(replies[11]?.pcode === Pcode.returnPacket && replies[11].body.message).toMatch(/only the peer config server/);
    // Heartbeats stay open, but a claimed id from the wrong host, or a stranger, changes no epoch, role or version.
    const heartbeats = await sendFrom('attacker', [plain(heartbeatClaiming(ds1)), plain(heartbeatClaiming(serverIdFromText('10.99.0.9:5191', 0)))]);
    for (const reply of heartbeats) expect(reply?.pcode).toBe(Pcode.heartbeatResponse);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await status();
    expect(after.role).toBe('primary');
    expect(after.epoch).toBe(before.epoch);
    expect(after.groups[0].versions).toEqual(before.groups[0].versions);
    expect(after.groups[0].dataServers.map((entry) => [entry.id, entry.state])).toEqual(before.groups[0].dataServers.map((entry) => [entry.id, entry.state]));
    expect(after.groups[0].migration.paused).toBe(false);
    expect(await readFile(join(dir, 'group.conf'))).toEqual(groupConfBefore);
    const refusedLines = server.logs.filter((line) => line.event === 'request-refused');
    expect(refusedLines.length).toBeGreaterThan(0);
    expect(refusedLines.every((line) => line.remote === lab.ipOf('attacker'))).toBe(true);
    expect(server.logs.some((line) => line.event === 'pair-report-ignored' && String(line.remote).endsWith(lab.ipOf('attacker')))).toBe(true);
  });

  test('read-only requests stay open to anyone', async () => {
    const [group, statusReply, groupStatus, info] = await sendFrom('attacker', [
      plain({ pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'group_1' } }),
      plain(opCmd(AdminCmd.status)),
      plain(opCmd(OpCmd.getGroupStatus, 'group_1')),
      plain({ pcode: Pcode.queryInfoRequest, body: { queryType: QueryType.groups, groupName: 'group_1', serverId: 0n } }),
    ]);
    expect(group?.pcode === Pcode.getGroupResponse && group.body.configVersion).toBeGreaterThanOrEqual(10);
    expect(statusReply).toMatchObject({ pcode: Pcode.opCmdResponse, body: { code: 0 } });
    expect(groupStatus).toEqual({ pcode: Pcode.opCmdResponse, body: { code: 0, infos: ['group_1: group_status=on'] } });
    expect(info?.pcode).toBe(Pcode.queryInfoResponse);
  });

  test('an allowed host: unsigned refused while a key is set, signed accepted, a replay refused', async () => {
    const pause = signed(opCmd(AdminCmd.pauseMigration, 'group_1'));
    const [unsigned, accepted, replayed, wrongKey] = await sendFrom('admin', [
      plain(opCmd(AdminCmd.pauseMigration, 'group_1')),
      pause,
      Buffer.from(pause),
      signed(opCmd(AdminCmd.pauseMigration, 'group_1'), 'not-the-key-but-long-enough'),
    ]);
    expect(unsigned?.pcode === Pcode.opCmdResponse && unsigned.body).toMatchObject({
      code: AdminCode.denied,
      infos: [expect.stringMatching(/must be signed/)],
    });
    expect(accepted).toMatchObject({ pcode: Pcode.opCmdResponse, body: { code: 0 } });
    expect(replayed?.pcode === Pcode.opCmdResponse && replayed.body).toMatchObject({
      code: AdminCode.denied,
      infos: [expect.stringMatching(/already received/)],
    });
    expect(wrongKey?.pcode === Pcode.opCmdResponse && wrongKey.body).toMatchObject({
      code: AdminCode.denied,
      infos: [expect.stringMatching(/does not match/)],
    });
    expect((await status()).groups[0].migration.paused).toBe(true);
    // tair-cs admin signs with --secret-file; without it the same command is denied.
    const cli = (...args: string[]) =>
      lab.exec('admin', process.execPath, [mainScript, 'admin', '--config-servers', `${csIp}:${port}`, ...args]).then(
        () => 0,
        (error: Error) => (/denied \(-4212\)/.test(error.message) ? 1 : -1),
      );
    expect(await cli('resume', 'group_1')).toBe(1);
    expect(await cli('--secret-file', join(dir, 'admin.key'), 'resume', 'group_1')).toBe(0);
    expect((await status()).groups[0].migration.paused).toBe(false);
  });

  test("the peer's address: pair messages only when signed; HTTP only where http_address says", async () => {
    const heartbeat: Packet = { pcode: Pcode.configServerHeartbeat, body: { serverId: 1n, loopCount: 1 } };
    const [unsigned, accepted] = await sendFrom('peer', [plain(heartbeat), signed(heartbeat)]);
    expect(unsigned?.pcode === Pcode.returnPacket && unsigned.body.message).toMatch(/must sign/);
    expect(accepted?.pcode === Pcode.serverTable && accepted.body.type).toBe(2);
    const probe = (host: string) =>
      `require('http').get({host:'${host}',port:${httpPort},path:'/healthz'},(r)=>console.log(r.statusCode)).on('error',(e)=>console.log(e.code))`;
    expect((await lab.exec('cs', process.execPath, ['-e', probe('127.0.0.1')])).stdout.trim()).toBe('200');
    expect((await lab.exec('attacker', process.execPath, ['-e', probe(csIp)])).stdout.trim()).toBe('ECONNREFUSED');
    const metrics = (
      await lab.exec('cs', process.execPath, [
        '-e',
        `require('http').get('http://127.0.0.1:${httpPort}/metrics',(r)=>{let t='';r.on('data',(c)=>t+=c);r.on('end',()=>console.log(t))})`,
      ])
    ).stdout;
    const refused = metrics.split('\n').filter((line) => line.startsWith('tair_cs_refused_requests_total{'));
    const total = (reason: string) =>
      refused.filter((line) => line.includes(`reason="${reason}"`)).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    expect(total('not-allowed')).toBeGreaterThanOrEqual(9);
    expect(total('not-peer')).toBeGreaterThanOrEqual(5);
    expect(total('unsigned')).toBeGreaterThanOrEqual(2);
    expect(total('replayed')).toBe(1);
    expect(total('bad-signature')).toBe(1);
  });
});
