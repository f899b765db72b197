// Errors a person can act on, from the real engine: an apply error names the spec file and path and
// says what Docker refused in plain words, once (no "create network x: createNetwork x: …"); the
// refusals that need a race to reach the command line are produced here through the engine driver.
import { spawn, type ChildProcess } from 'node:child_process';
import { Engine, EngineError } from '../../lib/drivers/docker';
import { explainEngineError, type EngineSide } from '../../lib/drivers/engine-errors';
import { LocalHost } from '../../lib/drivers/engine-host';
import { loadDocuments } from '../../lib/spec/load';
import { DOCKNET, ENGINE_ERROR_LINE, IMAGE, docker, docknet, expectOk, run, tempSpec } from '../helpers';

const engine = new Engine();
const side: EngineSide = { engine, host: new LocalHost() };

/** The engine's refusal of `work`, as the engine driver raises it. */
async function refusal(work: () => Promise<unknown>): Promise<EngineError> {
  try {
    await work();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('the engine did not refuse');
}

const ENGINE_LINE = expect.stringMatching(ENGINE_ERROR_LINE);

describe('apply errors through the command line', () => {
  const PORT = tempSpec('errport.yaml', 'version: 1\nnetworks:\n  errport-net: { ipv4: { subnet: 10.218.1.0/24 } }\ncontainers:\n  errport-web:\n    image: docknet/busybox:latest\n    command: [sleep, "3600"]\n    init: true\n    networks: [errport-net]\n    publish:\n      - "127.0.0.1:18218:80/tcp"\n');
  let listener: ChildProcess | undefined;
  afterAll(async () => {
    listener?.kill();
    await docknet('destroy', '--stack', 'errpool', 'errport', '--yes', '--take-over');
  });

  test('a subnet inside the range Docker picked earlier for a network of the stack: one line naming the file, the path and the network holding the range', async () => {
    expectOk(await docknet('apply', tempSpec('errpool.yaml', 'version: 1\nstack: errpool\nnetworks:\n  errpool-picked: {}\n'), '--yes'));
    const picked = (await docker('network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'errpool-picked')).stdout.trim();
    const inside = picked.replace(/\.0\.0\/\d+$/, '.5.0/24');
    // The planner cannot see it (that subnet was Docker's choice, not the spec's): Docker refuses it.
    const spec = tempSpec('errpool.yaml', `version: 1\nstack: errpool\nnetworks:\n  errpool-picked: {}\n  errpool-fixed:\n    ipv4: { subnet: ${inside} }\n`);
    const r = await docknet('apply', spec, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      'error: apply failed:',
      `error:   create network errpool-fixed: ${spec}:6:21: networks.errpool-fixed.ipv4.subnet: ${inside} overlaps ${picked} of network errpool-picked (docknet stack errpool), already on the host: choose a subnet outside it, or remove that network`,
      'error: the host still differs from the spec:',
      'error:   create network errpool-fixed: network errpool-fixed does not exist',
      ENGINE_LINE,
    ]);
    expect(r.stderr).toMatch(/(^|\n)  ✗ 3\/5 create network errpool-fixed \(\d+\.\d\ds\)\n/);
    expect(r.stderr).not.toContain('createNetwork');
  });

  test('a host port held by a process: the process and its pid, at the publish in the spec', async () => {
    listener = spawn('node', ['-e', "require('net').createServer().listen(18218, '127.0.0.1', () => console.log('ready'))"]);
    await new Promise((resolve) => listener!.stdout!.once('data', resolve));
    const r = await docknet('apply', PORT, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      'error: apply failed:',
      `error:   create container errport-web: ${PORT}:11:9: containers.errport-web.publish[0]: host port 127.0.0.1:18218/tcp is in use by process node (pid ${listener.pid}) on the engine's host: stop it, or publish another port`,
      'error: the host still differs from the spec:',
      'error:   create container errport-web: container errport-web does not exist',
      ENGINE_LINE,
    ]);
    // Nothing half-made stays behind.
    expect((await docker('inspect', 'errport-web')).code).not.toBe(0);
  });

  test('a plan piped into head -1: its first line, nothing on stderr, exit 0 (a large plan: the pipe closes while it writes)', async () => {
    const networks = Array.from({ length: 400 }, (_, i) => `  errpipe-${i}: { ipv4: { subnet: 10.219.${i % 250}.${i < 250 ? 0 : 128}/25 } }`).join('\n');
    const spec = tempSpec('errpipe.yaml', `version: 1\nnetworks:\n${networks}\n`);
    const r = await run('bash', ['-c', `"${DOCKNET}" plan "${spec}" | head -1; exit "\${PIPESTATUS[0]}"`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^engine unix:\/\/\S+ \(Docker \S+ on \S+, firewall iptables\)\n$/);
  });
});

describe("Docker's refusals that need a race to reach the command line, said plainly", () => {
  beforeAll(async () => {
    for (const c of ['err-held', 'err-pub', 'err-new']) await docker('rm', '-f', c);
    await docker('network', 'rm', 'err-taken');
    expectOk(await docker('network', 'create', '--subnet', '10.218.9.0/24', '--label', 'com.docker.compose.project=shop', 'err-taken'));
    expectOk(await docker('run', '-d', '--name', 'err-held', '--init', '--network', 'err-taken', '--ip', '10.218.9.10', '-p', '127.0.0.1:18219:80', IMAGE, 'sleep', '3600'));
  });
  afterAll(async () => {
    for (const c of ['err-held', 'err-pub', 'err-new']) await docker('rm', '-f', c);
    await docker('network', 'rm', 'err-taken');
  });

  test('a network name taken since the plan: who made it', async () => {
    const e = await refusal(() => engine.createNetwork({ Name: 'err-taken', CheckDuplicate: true }));
    expect(e.engineMessage).toBe('network with name err-taken already exists');
    expect(await explainEngineError(side, { kind: 'network', name: 'err-taken' }, e.engineMessage)).toEqual({
      path: [],
      message: 'a network named err-taken already exists (docker compose project shop); it appeared after the plan was made: run the command again to plan with it',
    });
  });

  test('a network that still has containers attached: which, and how to take them off', async () => {
    const e = await refusal(() => engine.removeNetwork('err-taken'));
    expect(e.engineMessage).toMatch(/has active endpoints/);
    expect(await explainEngineError(side, { kind: 'network', name: 'err-taken' }, e.engineMessage)).toEqual({
      path: [],
      message: 'containers are still attached to network err-taken: err-held; disconnect them first (docker network disconnect err-taken err-held)',
    });
  });

  test('a host port another container publishes: that container, at the publish in the spec', async () => {
    const [stack] = loadDocuments([{ file: 'err.yaml', doc: { version: 1, containers: { 'err-new': { image: IMAGE, publish: ['127.0.0.1:18219:80'] } } } }]);
    const id = await engine.createContainer({ name: 'err-new', Image: IMAGE, Cmd: ['sleep', '3600'], ExposedPorts: { '80/tcp': {} }, HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18219' }] } } });
    const e = await refusal(() => engine.startContainer(id));
    expect(e.engineMessage).toMatch(/Bind for 127\.0\.0\.1:18219 failed: port is already allocated/);
    expect(await explainEngineError(side, { kind: 'container', name: 'err-new', container: stack.containers[0] }, e.engineMessage)).toEqual({
      path: ['publish', 0],
      message: 'host port 127.0.0.1:18219/tcp is already published by container err-held (not made by docknet): publish another port, or remove that container',
    });
  });

  test('a static address another container holds: that container, at the address in the spec', async () => {
    expectOk(await docker('run', '-d', '--name', 'err-pub', '--init', IMAGE, 'sleep', '3600'));
    const e = await refusal(() => engine.connect('err-taken', 'err-pub', { IPAMConfig: { IPv4Address: '10.218.9.10' } }));
    expect(e.engineMessage).toMatch(/Address already in use/);
    expect(await explainEngineError(side, { kind: 'endpoint', name: 'err-taken', endpoint: { network: 'err-taken', ipv4: '10.218.9.10', aliases: [] } }, e.engineMessage)).toEqual({
      path: ['networks', 'err-taken', 'ipv4'],
      message: '10.218.9.10 on network err-taken is already used by container err-held (not made by docknet): choose another address',
    });
  });

  test('anything else keeps the engine\'s own words, without the API call in front', async () => {
    const e = await refusal(() => engine.removeNetwork('err-no-such-network'));
    expect(e.message).toBe('removeNetwork err-no-such-network: network err-no-such-network not found');
    expect(await explainEngineError(side, { kind: 'network', name: 'err-no-such-network' }, e.engineMessage)).toEqual({ path: [], message: 'network err-no-such-network not found' });
  });
});
