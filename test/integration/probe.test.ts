// docknet probe: real packets from short-lived probe containers prove what status only reads back.
// A rule ahead of docknet's that drops the traffic leaves status "in sync" but fails the probe, which
// names the route. Probe containers never outlive the command, also when it is interrupted.
import { spawn } from 'node:child_process';
import { DOCKNET, chainRules, cleanup, docker, docknet, expectOk, run, tempSpec } from '../helpers';

const IMAGE = ['--probe-image', 'docknet/busybox:latest'];
const SPEC = tempSpec(
  'probe-lab.yaml',
  `version: 1
networks:
  probe-a:
    ipv4: { subnet: 10.172.1.0/24 }
  probe-b:
    ipv4: { subnet: 10.172.2.0/24 }
  probe-c:
    ipv4: { subnet: 10.172.3.0/24 }
    bridge: { icc: false }
containers:
  probe-web:
    image: docknet/busybox:latest
    command: [httpd, -f, -p, "80", -h, /tmp]
    networks: [probe-b]
    publish: ["127.0.0.1:18172:80"]
routes:
  - between: [probe-a, probe-b]
  - from: probe-a
    to: probe-c
    allow: [icmp, tcp/80]
`,
);

async function probeContainers(): Promise<string> {
  return (await docker('ps', '-aq', '--filter', 'label=io.docknet.probe')).stdout.trim();
}

interface Check {
  kind: string;
  subject: string;
  title: string;
  expect: string;
  observed: string;
  ok: boolean;
}

describe('docknet probe', () => {
  beforeAll(async () => {
    await cleanup(SPEC);
    expectOk(await docknet('apply', SPEC, '--yes'));
  });
  afterAll(() => cleanup(SPEC));

  test('on a working stack every expectation holds, and the probe containers are gone afterwards', async () => {
    const r = await docknet('probe', SPEC, ...IMAGE, '--json');
    expectOk(r);
    const checks = JSON.parse(r.stdout).checks as Check[];
    const seen = (title: string) => checks.find((c) => c.title === title);
    // both directions of the two-way route, over icmp and TCP
    expect(seen('probe-a → probe-b icmp (IPv4)')).toMatchObject({ expect: 'reachable', ok: true, observed: 'reply, ttl=63' });
    expect(seen('probe-b → probe-a tcp/7001 (IPv4)')).toMatchObject({ expect: 'reachable', ok: true, observed: 'answered' });
    // the filtered one-way route: icmp and tcp/80 pass, another port does not, the reverse is refused
    expect(seen('probe-a → probe-c tcp/80 (IPv4)')).toMatchObject({ expect: 'reachable', ok: true });
    expect(seen('probe-a → probe-c tcp/7002 (IPv4)')).toMatchObject({ expect: 'refused', ok: true });
    expect(seen('probe-c → probe-a icmp (IPv4)')).toMatchObject({ expect: 'refused', ok: true, observed: 'no reply' });
    // the publish, and the ICC-off network
    expect(checks.find((c) => c.kind === 'publish')).toMatchObject({ title: 'TCP to 127.0.0.1:18172', ok: true });
    expect(checks.find((c) => c.kind === 'publish')!.observed).toMatch(/^answered: HTTP\/1\.[01] /);
    expect(checks.find((c) => c.kind === 'isolation')).toMatchObject({ subject: 'network probe-c (icc off)', expect: 'refused', ok: true });
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(await probeContainers()).toBe('');
  });

  test('a rule ahead of docknet\'s that drops the traffic: status still in sync, probe fails naming the route', async () => {
    const bridge = async (net: string) => `br-${(await docker('network', 'inspect', '-f', '{{.Id}}', net)).stdout.trim().slice(0, 12)}`;
    const drop = ['DOCKER-USER', '-i', await bridge('probe-a'), '-o', await bridge('probe-b'), '-j', 'DROP'];
    expectOk(await run('iptables', ['-w', '-I', ...drop]));
    try {
      expect((await docknet('status', SPEC)).code).toBe(0);
      const r = await docknet('probe', SPEC, ...IMAGE);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/route probe-a ⇄ probe-b \(all traffic\): probe-a → probe-b icmp \(IPv4\) expected reachable, observed no reply/);
      expect(r.stdout).not.toMatch(/route probe-a → probe-c .* expected/);
    } finally {
      expectOk(await run('iptables', ['-w', '-D', ...drop]));
    }
    expect(chainRules('filter', 'DOCKER-USER')).not.toContain('-j DROP');
    expect(await probeContainers()).toBe('');
  });

  test('apply --probe probes after verifying', async () => {
    const r = await docknet('apply', SPEC, '--yes', '--probe', ...IMAGE);
    expectOk(r);
    expect(r.stdout).toContain('the host already matches the spec');
    expect(r.stdout).toMatch(/probe: all \d+ checks hold/);
  });

  test('Ctrl-C during a probe removes its containers', async () => {
    const child = spawn(DOCKNET, ['probe', SPEC, ...IMAGE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (stderr.includes('probing:')) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
      setTimeout(() => reject(new Error(`probe did not start: ${stderr}`)), 30_000);
    });
    expect(await probeContainers()).not.toBe('');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain('interrupted');
    expect(await probeContainers()).toBe('');
  });
});
