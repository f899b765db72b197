// A real remote engine: a dockerd (sid's 28.5) in a network namespace of its own, with an sshd the test
// starts there on an address of a link the test makes. docknet reaches it as ssh://root@<address>
// (and through a Docker context): the stack's traffic flows inside that host, its rules are in that
// host's firewall and nowhere on this machine, drift there is seen and repaired, destroy leaves nothing.
// Then a tcp:// engine: routes refused without the firewall helper, and working through it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKNET, expectOk, ROOT, run, ttlOf, type Result } from '../helpers';
import { cleanEnv, localRulesOf, SETUP_TIMEOUT_MS, sleeper, SshAccess, TestLab, type TestEngine } from './engines';

jest.setTimeout(180_000);

const STACK = 'rmt-ssh';
const SPEC_TEXT = `version: 1
stack: ${STACK}
networks:
  rs-a:
    ipv4: { subnet: 10.232.1.0/24 }
  rs-b:
    ipv4: { subnet: 10.232.2.0/24 }
containers:
${sleeper('rs-left', '{ rs-a: { ipv4: 10.232.1.10 } }')}${sleeper('rs-right', '{ rs-b: { ipv4: 10.232.2.10 } }')}routes:
  - between: [rs-a, rs-b]
`;

const work = mkdtempSync(join(tmpdir(), 'docknet-remote-ssh-'));
const spec = (name: string, text: string): string => {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
};
const SPEC = spec('rmt-ssh.yaml', SPEC_TEXT);
const lab = new TestLab();
const ssh = new SshAccess();
const SSH_ADDRESS = '198.18.41.2';
let engine: TestEngine;

beforeAll(async () => {
  engine = await lab.engine('dnremote-ssh', { engine: '28', link: ['198.18.41.1/30', `${SSH_ADDRESS}/30`] });
  await ssh.sshd(engine, SSH_ADDRESS);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await lab.down();
  ssh.remove();
  rmSync(work, { recursive: true, force: true });
}, SETUP_TIMEOUT_MS);

/** The whole life of a stack on the remote engine, with docknet pointed at it by `args` and `env`. */
function remoteLife(how: string, engineArgs: () => string[], env: () => NodeJS.ProcessEnv, shown: () => string): void {
  const dn = (...args: string[]): Promise<Result> => run(DOCKNET, [...engineArgs(), ...args], 120_000, env());

  describe(how, () => {
    test('apply: the plan names that engine; converged and verified there', async () => {
      const r = await dn('apply', SPEC, '--yes');
      expectOk(r);
      expect(r.stdout).toContain(`engine ${shown()} (Docker 28.5.2+dfsg4 on dnremote-ssh, firewall iptables)`);
      expect(r.stdout).toContain('verified: the host matches the spec');
    });

    test('traffic inside that host crosses the route: ttl=63 both ways', async () => {
      expect(ttlOf(await engine.ping('rs-left', '10.232.2.10'))).toBe(63);
      expect(ttlOf(await engine.ping('rs-right', '10.232.1.10'))).toBe(63);
    });

    test("the rules are in that host's firewall (filter and raw), and none on this machine", () => {
      const forward = engine.rules('filter', 'DOCKER-USER').split('\n').filter((l) => l.includes(`docknet:${STACK}:rs-a=rs-b`));
      const raw = engine.rules('raw', 'PREROUTING').split('\n').filter((l) => l.includes(`docknet:${STACK}:rs-a=rs-b`));
      expect(forward).toHaveLength(2);
      expect(raw.map((l) => /-d (\S+)/.exec(l)?.[1]).sort()).toEqual(['10.232.1.0/24', '10.232.2.0/24']);
      expect(localRulesOf(STACK)).toEqual([]);
    });

    test('drift: a rule deleted there by hand is seen by status (exit 2, naming the engine) and repaired by apply', async () => {
      engine.deleteStackRule(STACK, 'raw', 'PREROUTING');
      const status = await dn('status', SPEC);
      expect(status.code).toBe(2);
      expect(status.stdout).toContain(`engine ${shown()} (Docker 28.5.2+dfsg4 on dnremote-ssh`);
      expect(status.stdout).toMatch(new RegExp(`changed +${STACK}/route rs-a=rs-b: .*missing raw PREROUTING \\(IPv4\\): -d 10\\.232\\.\\d\\.0/24 -i br-`));
      expectOk(await dn('apply', SPEC, '--yes'));
      const after = await dn('status', SPEC);
      expect(after.code).toBe(0);
      expect(after.stdout).toContain(`in sync: ${STACK}`);
      expect(ttlOf(await engine.ping('rs-left', '10.232.2.10'))).toBe(63);
      expect(ttlOf(await engine.ping('rs-right', '10.232.1.10'))).toBe(63);
      expect(localRulesOf(STACK)).toEqual([]);
    });

    test('an error about that host names the engine', async () => {
      // A second stack whose subnet overlaps rs-a there: refused by the plan, before anything changes.
      const clash = spec('rmt-clash.yaml', 'version: 1\nstack: rmt-clash\nnetworks:\n  rc-a: { ipv4: { subnet: 10.232.1.0/25 } }\n');
      const r = await dn('apply', clash, '--yes');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('networks.rc-a.ipv4.subnet: 10.232.1.0/25 overlaps 10.232.1.0/24 of network rs-a already on the host');
      expect(r.stderr).toContain(`error: on engine ${shown()} (Docker 28.5.2+dfsg4 on dnremote-ssh, firewall iptables)`);
      expect(await engine.owned('rmt-clash')).toEqual([]);
    });

    test('destroy leaves nothing of the stack there: objects, rules, record', async () => {
      expectOk(await dn('destroy', SPEC, '--yes'));
      expect(await engine.owned(STACK)).toEqual([]);
      expect(engine.rules('filter', 'DOCKER-USER')).not.toContain('docknet:');
      expect(engine.rules('raw', 'PREROUTING')).not.toContain('docknet:');
      expect((await engine.docker('volume', 'ls', '--format', '{{.Name}}')).stdout).not.toContain(`docknet-stack.${STACK}`);
    });
  });
}

remoteLife('an engine reached as ssh://root@<its link address> (-H)', () => ['-H', `ssh://root@${SSH_ADDRESS}`], () => ssh.env(), () => `ssh://root@${SSH_ADDRESS}`);

describe('the same engine through a Docker context', () => {
  const config = join(work, 'docker-config');
  beforeAll(() => {
    // Made by the docker CLI itself: docknet reads the context store as docker writes it.
    execFileSync('docker', ['context', 'create', 'remote-lab', '--docker', `host=ssh://root@${SSH_ADDRESS}`], { env: cleanEnv({ DOCKER_CONFIG: config }), stdio: 'ignore' });
  });

  remoteLife('--context remote-lab', () => ['--context', 'remote-lab'], () => ssh.env({ DOCKER_CONFIG: config }), () => `ssh://root@${SSH_ADDRESS} via context remote-lab`);

  test('DOCKER_CONTEXT and the current context choose it too', async () => {
    const byEnv = await run(DOCKNET, ['plan', SPEC], 60_000, ssh.env({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'remote-lab' }));
    expectOk(byEnv);
    expect(byEnv.stdout).toContain(`engine ssh://root@${SSH_ADDRESS} via context remote-lab (Docker 28.5.2+dfsg4 on dnremote-ssh`);
    execFileSync('docker', ['context', 'use', 'remote-lab'], { env: cleanEnv({ DOCKER_CONFIG: config }), stdio: 'ignore' });
    const current = await run(DOCKNET, ['plan', SPEC], 60_000, ssh.env({ DOCKER_CONFIG: config }));
    expectOk(current);
    expect(current.stdout).toContain('via context remote-lab (Docker 28.5.2+dfsg4 on dnremote-ssh');
  });
});

describe('a tcp:// engine: routes need the firewall helper, or are refused', () => {
  const TCP = 'tcp://198.18.42.2:2375';
  const HELPER = 'docknet/firewall-helper:test';
  const TCP_STACK = 'rmt-tcp';
  const TCP_SPEC = spec('rmt-tcp.yaml', SPEC_TEXT.replaceAll(STACK, TCP_STACK).replaceAll('rs-', 'rt-').replaceAll('10.232.', '10.234.'));
  const dn = (...args: string[]) => run(DOCKNET, ['-H', TCP, ...args], 120_000, cleanEnv());
  let tcpEngine: TestEngine;
  const tcpLab = new TestLab();

  beforeAll(async () => {
    tcpEngine = await tcpLab.engine('dnremote-tcp', { link: ['198.18.42.1/30', '198.18.42.2/30'], tcp: true });
  }, SETUP_TIMEOUT_MS);
  afterAll(() => tcpLab.down(), SETUP_TIMEOUT_MS);

  test('without --firewall-helper a spec with a route is refused before anything changes, saying why and what to do', async () => {
    for (const command of [['plan'], ['apply', '--yes']]) {
      const r = await dn(...command, TCP_SPEC);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`routes[0]: engine ${TCP} (from --host) is reached over tcp: docknet cannot run iptables on its host, and never writes a route on another machine`);
      expect(r.stderr).toContain('Reach it over ssh (DOCKER_HOST=ssh://user@host, or an ssh docker context), or opt in to a helper container on that engine: --firewall-helper IMAGE');
      expect(r.stderr).toContain(`error: on engine ${TCP} (Docker 20.10.24+dfsg1 on dnremote-tcp, firewall iptables)`);
    }
    expect(await tcpEngine.owned(TCP_STACK)).toEqual([]);
    expect(tcpEngine.rules('filter', 'DOCKER-USER')).not.toContain('docknet:');
    expect(localRulesOf(TCP_STACK)).toEqual([]);
  });

  test('without the helper a stack without routes needs no firewall, and converges over tcp', async () => {
    const plain = spec('rmt-plain.yaml', `version: 1\nstack: rmt-plain\nnetworks:\n  rp-a: { ipv4: { subnet: 10.235.1.0/24 } }\ncontainers:\n${sleeper('rp-one', '[rp-a]')}`);
    const r = await dn('apply', plain, '--yes');
    expectOk(r);
    expect(r.stdout).toContain('verified: the host matches the spec');
    expect(await tcpEngine.owned('rmt-plain')).toEqual(['rp-a', 'rp-one']);
    expectOk(await dn('destroy', plain, '--yes'));
    expect(await tcpEngine.owned('rmt-plain')).toEqual([]);
  });

  test('with the helper (its image built into that engine), the route carries traffic and its rules are in that host\'s firewall only', async () => {
    expectOk(await run('bash', [join(ROOT, 'scripts', 'firewall-helper-image.sh'), HELPER], SETUP_TIMEOUT_MS, cleanEnv({ DOCKER_HOST: TCP })));
    const helper = ['--firewall-helper', HELPER];
    const r = await dn(...helper, 'apply', TCP_SPEC, '--yes');
    expectOk(r);
    expect(r.stdout).toContain(`engine ${TCP} (Docker 20.10.24+dfsg1 on dnremote-tcp, firewall iptables)`);
    expect(ttlOf(await tcpEngine.ping('rt-left', '10.234.2.10'))).toBe(63);
    expect(ttlOf(await tcpEngine.ping('rt-right', '10.234.1.10'))).toBe(63);
    expect(tcpEngine.rules('filter', 'DOCKER-USER').split('\n').filter((l) => l.includes(`docknet:${TCP_STACK}:`))).toHaveLength(2);
    expect(localRulesOf(TCP_STACK)).toEqual([]);
    // The helper reads what it wrote: drift there is seen and repaired.
    tcpEngine.deleteStackRule(TCP_STACK, 'filter', 'DOCKER-USER');
    expect((await dn(...helper, 'status', TCP_SPEC)).code).toBe(2);
    expectOk(await dn(...helper, 'apply', TCP_SPEC, '--yes'));
    expect(ttlOf(await tcpEngine.ping('rt-left', '10.234.2.10'))).toBe(63);
    expectOk(await dn(...helper, 'destroy', TCP_SPEC, '--yes'));
    expect(await tcpEngine.owned(TCP_STACK)).toEqual([]);
    expect(tcpEngine.rules('filter', 'DOCKER-USER')).not.toContain('docknet:');
  });
});
