import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { run } from '../../src/cli/config-command.js';
import { runCaptured as capture } from '../helpers/run-captured.js';
import { repoRoot, transpileSources } from '../store/helpers/transpile-sources.js';

const runCaptured = (argv: string[]) => capture(run, argv);

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tair-cs-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('tair-cs config check (in-process)', () => {
  test('a valid group file: exit 0 and a JSON summary of every group', async () => {
    const groupFile = join(dir, 'ok.conf');
    await writeFile(
      groupFile,
      '[g]\n_copy_count = 2\n_server_list = 10.0.0.1@r1*2;10.0.0.2:6000\n' + '_areaCapacity_list = 0,100\n_areaKey_list = users,0\ngroup_status = on\n',
    );
    const { code, stdout, stderr } = await runCaptured(['check', '--group-file', groupFile]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.groupFile).toBe(groupFile);
    expect(summary.groups).toHaveLength(1);
    expect(summary.groups[0]).toMatchObject({
      name: 'g',
      bucketCount: 1023,
      copyCount: 2,
      servers: [
        { id: '10.0.0.1:5191', serverId: String((5191n << 32n) | BigInt(10 + (1 << 24))), rack: 'r1', weight: 2 },
        { id: '10.0.0.2:6000', rack: '10.0', weight: 1 },
      ],
      dataMove: true,
      minDataServerCount: 2,
      buildStrategy: 1,
      buildDiffRatio: 0.6,
      posMask: '0xffff',
      acceptStrategy: 0,
      serverDownTimeMs: 4000,
      areaCapacities: { 0: '100' },
      areaKeys: { users: 0 },
      commonMap: { group_status: 'on' },
      minConfigVersion: 10,
    });
  });

  test('an invalid group file: exit 1 and one file:line: key: message line per problem', async () => {
    const groupFile = join(dir, 'bad.conf');
    await writeFile(groupFile, '[g]\n_server_list = 10.0.0.1\n_copy_cont = 1\n_bucket_number = 0\n');
    const { code, stdout } = await runCaptured(['check', '--group-file', groupFile]);
    expect(code).toBe(1);
    expect(stdout).toBe(
      `${groupFile}:3: _copy_cont: unknown key (did you mean _copy_count?)\n` + `${groupFile}:4: _bucket_number: must be between 1 and 16777216, got 0\n`,
    );
  });

  test('--config alone checks configserver.conf and the group file it names, with its data-server port', async () => {
    const sub = await mkdtemp(join(dir, 'cs-'));
    await writeFile(join(sub, 'cs.conf'), '[configserver]\ngroup_file = groups.conf\n[tairserver]\nport = 7000\n');
    await writeFile(join(sub, 'groups.conf'), '[g]\n_server_list = 10.0.0.1\n');
    const { code, stdout } = await runCaptured(['check', '--config', join(sub, 'cs.conf')]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.configServer).toMatchObject({ port: 5198, groupFile: join(sub, 'groups.conf'), dataServerPort: 7000 });
    expect(summary.groups[0].servers[0].id).toBe('10.0.0.1:7000');
  });

  test('problems in configserver.conf or a missing group file: exit 1 with file:line lines', async () => {
    const sub = await mkdtemp(join(dir, 'cs-'));
    await writeFile(join(sub, 'cs.conf'), '[configserver]\ngroup_file = missing.conf\nport = x\n');
    expect((await runCaptured(['check', '--config', join(sub, 'cs.conf')])).stdout).toBe(`${join(sub, 'cs.conf')}:3: port: expected an integer, got 'x'\n`);
    const missing = join(sub, 'nope.conf');
    const result = await runCaptured(['check', '--group-file', missing]);
    expect(result).toEqual({ code: 1, stdout: `${missing}:1: (file): file not found\n`, stderr: '' });
  });

  test.each([
    [[], 'missing subcommand (check)'],
    [['verify'], "unknown subcommand 'verify'"],
    [['check'], 'give --config or --group-file'],
    [['check', '--bogus'], "Unknown option '--bogus'"],
    [['check', 'extra'], "Unexpected argument 'extra'"],
  ])('bad arguments %j: exit 2 and one line on stderr', async (argv, message) => {
    const { code, stdout, stderr } = await runCaptured(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).toContain(message);
  });

  test('the shipped examples pass the check', async () => {
    const { code, stdout } = await runCaptured(['check', '--config', join(repoRoot, 'examples/configserver.conf')]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.configServer).toMatchObject({
      address: '127.0.0.1:5198',
      httpPort: 5199,
      dataDir: join(repoRoot, 'examples/data'),
    });
    expect(
      summary.groups.map((g: { name: string; bucketCount: number; copyCount: number; servers: unknown[] }) => [
        g.name,
        g.bucketCount,
        g.copyCount,
        g.servers.length,
      ]),
    ).toEqual([['group_1', 1023, 2, 3]]);
  });
});

describe('tair-cs config check (real process)', () => {
  let script = '';
  beforeAll(async () => {
    const out = join(dir, 'built');
    await transpileSources(['src/cli/config-command.ts'], out);
    script = join(out, 'check.mjs');
    await writeFile(script, "import { run } from './src/cli/config-command.js';\n" + 'process.exitCode = await run(process.argv.slice(2));\n');
  });

  const exec = (args: string[]) =>
    promisify(execFile)(process.execPath, [script, ...args]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  test('exit codes and streams as a user sees them', async () => {
    const good = join(dir, 'proc-ok.conf');
    const bad = join(dir, 'proc-bad.conf');
    await writeFile(good, '[g]\n_server_list = 127.0.0.1:5191\n');
    await writeFile(bad, '[g]\n_server_list = 127.0.0.1:5191\n_copy_count = 2\n');
    const ok = await exec(['check', '--group-file', good]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).groups[0].name).toBe('g');
    expect(await exec(['check', '--group-file', bad])).toEqual({
      code: 1,
      stdout: `${bad}:3: _copy_count: copy count 2 needs at least 2 servers in _server_list, 1 listed\n`,
      stderr: '',
    });
    const usage = await exec(['check']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^tair-cs config: give --config or --group-file/);
  });
});
