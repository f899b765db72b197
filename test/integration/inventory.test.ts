// docknet ls and docknet destroy --stack, on the real engine: every stack docknet owns with its
// objects, its manager and the drift that shows without a spec; a stack whose file is gone, destroyed
// by its name.
import { rmSync } from 'node:fs';
import { Docknet } from '../../lib/docknet';
import { loadSpecs } from '../../lib/spec/load';
import { deleteStackRule, docker, docknet, engineFiltersRaw, expectOk, firewallRules, tempSpec } from '../helpers';

const BOX = 'image: docknet/busybox:latest\n    command: [sleep, "3600"]\n    init: true';
const LAB = tempSpec(
  'inv-lab.yaml',
  `version: 1
stack: inv-lab
networks:
  inv-a: { ipv4: { subnet: 10.216.1.0/24 }, bridge: { name: br-inva } }
  inv-b: { ipv4: { subnet: 10.216.2.0/24 }, bridge: { name: br-invb } }
containers:
  inv-client:
    ${BOX}
    networks: { inv-a: { ipv4: 10.216.1.10 } }
    publish: ["127.0.0.1:18216:80/tcp"]
  inv-web:
    ${BOX}
    replicas: 2
    networks: [inv-b]
routes:
  - between: [inv-a, inv-b]
`,
);
const OTHER = tempSpec('inv-other.yaml', 'version: 1\nstack: inv-other\nnetworks:\n  inv-o: { ipv4: { subnet: 10.216.3.0/24 }, bridge: { name: br-invo } }\n');

// The route's rules: both directions in DOCKER-USER, and their raw exemptions where the engine filters raw.
const RULES = engineFiltersRaw() ? 4 : 2;
const since = async (stack: string) => (await docker('volume', 'inspect', '-f', '{{index .Labels "io.docknet.since"}}', `docknet-stack.${stack}`)).stdout.trim();
const address = async (container: string, network: string) => (await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container)).stdout.trim();

/** The lines of one stack in `docknet ls`: its heading to the line before the next stack or the summary. */
function block(out: string, stack: string): string[] {
  const lines = out.split('\n');
  const start = lines.indexOf(lines.find((l) => l.startsWith(`stack ${stack}:`))!);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('  '));
  return lines.slice(start, end);
}

const destroyAll = () => docknet('destroy', '--stack', 'inv-lab', 'inv-other', '--yes', '--take-over');

describe('docknet ls and destroy --stack', () => {
  beforeAll(async () => {
    await destroyAll();
    expectOk(await docknet('apply', LAB, '--yes'));
    // Another manager's stack, made through the core as the Pulumi provider makes it.
    await new Docknet({ manager: 'pulumi' }).apply(loadSpecs([OTHER]));
  });
  afterAll(destroyAll);

  test('ls: each stack with its networks, containers, routes and manager', async () => {
    const r = await docknet('ls');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^engine unix:\/\/\S+ \(Docker \S+ on \S+, firewall iptables\)\n/);
    const [web1, web2] = [await address('inv-web-1', 'inv-b'), await address('inv-web-2', 'inv-b')];
    expect(block(r.stdout, 'inv-lab')).toEqual([
      `stack inv-lab: manager cli since ${await since('inv-lab')} (stack record docknet-stack.inv-lab)`,
      '  network    inv-a  bridge  10.216.1.0/24  br-inva',
      '  network    inv-b  bridge  10.216.2.0/24  br-invb',
      '  container  inv-client  running  docknet/busybox:latest  inv-a 10.216.1.10, 127.0.0.1:18216:80/tcp',
      `  container  inv-web-1   running  docknet/busybox:latest  inv-b ${web1}`,
      `  container  inv-web-2   running  docknet/busybox:latest  inv-b ${web2}`,
      `  route      inv-a=inv-b  inv-a ⇄ inv-b (all traffic)  ${RULES} rules`,
    ]);
    expect(block(r.stdout, 'inv-other')).toEqual([`stack inv-other: manager pulumi since ${await since('inv-other')} (stack record docknet-stack.inv-other)`, '  network    inv-o  bridge  10.216.3.0/24  br-invo']);
    expect(r.stdout).toContain('\nls reads the engine alone: it cannot tell what the spec files say (a changed subnet, image, publish, alias or restart policy), and an object removed by hand leaves no trace here; docknet status SPEC… compares the host with the specs\n');
  });

  test('ls: drift that shows without the spec — a stopped container, a replica removed by hand, a rule deleted by hand', async () => {
    expectOk(await docker('stop', 'inv-client'));
    expectOk(await docker('rm', '-f', 'inv-web-1'));
    await deleteStackRule('inv-lab');
    const r = await docknet('ls');
    const lines = block(r.stdout, 'inv-lab');
    expect(lines).toContain('  container  inv-client  exited   docknet/busybox:latest  inv-a, 127.0.0.1:18216:80/tcp');
    expect(lines).toContain(`  route      inv-a=inv-b  inv-a ⇄ inv-b (all traffic)  ${RULES - 1 === 1 ? '1 rule' : `${RULES - 1} rules`}`);
    expect(lines.filter((l) => l.startsWith('  drift: '))).toEqual([
      '  drift: container inv-client is exited: the next apply starts it',
      '  drift: service inv-web: replica inv-web-1 is missing',
      '  drift: route inv-a=inv-b: rule missing: iptables -t filter -A DOCKER-USER -i br-inva -o br-invb -m comment --comment "docknet:inv-lab:inv-a=inv-b" -j ACCEPT',
    ]);
    expect(r.stdout).toMatch(/\n\d+ stacks?, \d+ with drift\.\n/);
    const json = JSON.parse((await docknet('ls', '--json')).stdout) as { stacks: { name: string; manager: { manager: string }; drift: string[]; routes: { id: string; rules: unknown[] }[] }[]; limits: string };
    const lab = json.stacks.find((s) => s.name === 'inv-lab')!;
    expect(lab.manager.manager).toBe('cli');
    expect(lab.drift).toEqual(lines.filter((l) => l.startsWith('  drift: ')).map((l) => l.slice('  drift: '.length)));
    expect(lab.routes.map((r) => r.id)).toEqual(['inv-a=inv-b']);
    expect(lab.routes[0].rules).toHaveLength(RULES - 1);
    expect(lab.routes[0].rules.filter((r) => (r as { table: string }).table === 'filter')).toEqual([{ family: 'ipv4', table: 'filter', chain: 'DOCKER-USER', spec: '-i br-invb -o br-inva -m comment --comment "docknet:inv-lab:inv-a=inv-b" -j ACCEPT' }]);
    expect(json.limits).toContain('ls reads the engine alone');
  });

  test('destroy --stack with a name docknet does not own: nothing to destroy, and the name probably meant', async () => {
    const r = await docknet('destroy', '--stack', 'inv-labb', '--yes');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nnothing to destroy \(\d+ Docker API calls\); docknet owns no stack inv-labb on this engine; did you mean inv-lab\? \(docknet ls lists them\)\n$/);
  });

  test('destroy --stack without --yes and without a terminal refuses', async () => {
    const r = await docknet('destroy', '--stack', 'inv-lab');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: refusing to destroy without a terminal to confirm on: pass --yes\n');
  });

  test('destroy --stack removes a stack whose file is gone: networks, containers, rules and record', async () => {
    rmSync(LAB);
    const r = await docknet('destroy', '--stack', 'inv-lab', '--yes');
    expectOk(r);
    expect(r.stdout).toContain('stack inv-lab: 5 to remove');
    expect(r.stdout).toMatch(/\ndestroyed \d+ changes in [\d.]+s \(\d+ Docker API calls\); verified: the host matches the spec\n$/);
    for (const name of ['inv-a', 'inv-b']) expect((await docker('network', 'inspect', name)).code).not.toBe(0);
    for (const name of ['inv-client', 'inv-web-2']) expect((await docker('inspect', name)).code).not.toBe(0);
    expect(firewallRules()).not.toContain('docknet:inv-lab:');
    expect((await docker('volume', 'inspect', 'docknet-stack.inv-lab')).code).not.toBe(0);
    expect(block((await docknet('ls')).stdout, 'inv-lab')).toEqual([]);
  });

  test("destroy --stack of another manager's stack is refused, and works with --take-over", async () => {
    const refused = await docknet('destroy', '--stack', 'inv-other', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: stack inv-other is managed by pulumi since \S+ \(stack record docknet-stack\.inv-other\); cli would change it\. Change it through pulumi, or take it over with --take-over/);
    expect((await docker('network', 'inspect', 'inv-o')).code).toBe(0);
    expectOk(await docknet('destroy', '--stack', 'inv-other', '--yes', '--take-over'));
    expect((await docker('network', 'inspect', 'inv-o')).code).not.toBe(0);
  });
});
