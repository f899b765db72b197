// docknet export, the way in from hand-typed `docker network create`: networks made by hand (every
// bridge option, IPv6, a subnet Docker picked, a macvlan segment) and one made as compose makes it,
// written as a spec that docknet validate accepts and that, applied after docker network rm, makes
// the same networks.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { docker, docknet, expectOk, ENGINE_ERROR_LINE, IMAGE, tempSpec } from '../helpers';

const FILE = tempSpec('exp.yaml', '');
const PARENT = 'dnexp0';
const NAMES = ['exp-full', 'exp-picked', 'exp-compose', 'exp-mv'];

/** What defines a network, as Docker reports it (docknet's own labels aside). */
async function definition(name: string): Promise<unknown> {
  const [n] = JSON.parse((await docker('network', 'inspect', name)).stdout);
  const labels = Object.fromEntries(Object.entries(n.Labels ?? {}).filter(([k]) => !k.startsWith('io.docknet.')));
  return { Driver: n.Driver, EnableIPv6: n.EnableIPv6, Internal: n.Internal, Attachable: n.Attachable, IPAM: n.IPAM, Options: n.Options, Labels: labels };
}

const ipam = async (name: string) => JSON.parse((await docker('network', 'inspect', '-f', '{{json .IPAM.Config}}', name)).stdout)[0] as { Subnet: string; Gateway: string };

async function removeAll(): Promise<void> {
  await docker('rm', '-f', 'exp-box');
  await docknet('destroy', FILE, '--yes', '--take-over');
  for (const name of NAMES) await docker('network', 'rm', name);
}

describe('docknet export', () => {
  const before = new Map<string, unknown>();
  beforeAll(async () => {
    await removeAll();
    execFileSync('sh', ['-c', `ip link del ${PARENT} 2>/dev/null; ip link add ${PARENT} type veth peer name dnexp1 && ip link set ${PARENT} up`]);
    expectOk(await docker('network', 'create', '--driver', 'bridge', '--subnet', '10.217.0.0/24', '--ip-range', '10.217.0.128/25', '--gateway', '10.217.0.1', '--aux-address', 'router=10.217.0.2',
      '--internal', '--attachable', '--label', 'team=net', '--label', 'note=made by hand', '-o', 'com.docker.network.bridge.name=br-expfull', '-o', 'com.docker.network.bridge.enable_icc=false',
      '-o', 'com.docker.network.driver.mtu=1400', '-o', 'com.example.note=hello', '--ipv6', '--subnet', 'fd00:217::/64', 'exp-full'));
    expectOk(await docker('network', 'create', 'exp-picked'));
    expectOk(await docker('network', 'create', '--label', 'com.docker.compose.network=default', '--label', 'com.docker.compose.project=shop', '--label', 'com.docker.compose.version=2.40.3', 'exp-compose'));
    expectOk(await docker('network', 'create', '-d', 'macvlan', '--subnet', '10.217.5.0/24', '-o', `parent=${PARENT}`, '-o', 'macvlan_mode=bridge', 'exp-mv'));
    expectOk(await docker('run', '-d', '--name', 'exp-box', '--network', 'exp-picked', '--init', IMAGE, 'sleep', '3600'));
    for (const name of NAMES) before.set(name, await definition(name));
  });
  afterAll(async () => {
    await removeAll();
    execFileSync('ip', ['link', 'del', PARENT]);
  });

  test('writes the networks as a spec, with what a spec cannot hold as comments', async () => {
    const r = await docknet('export', ...NAMES, '-o', FILE);
    expectOk(r);
    expect(r.stdout).toBe(`wrote ${FILE}: 4 networks (check it with docknet validate ${FILE})\n`);
    const picked = await ipam('exp-picked');
    const compose = await ipam('exp-compose');
    const box = (await docker('inspect', '-f', '{{(index .NetworkSettings.Networks "exp-picked").IPAddress}}', 'exp-box')).stdout.trim();
    const text = readFileSync(FILE, 'utf8');
    expect(text.replace(/^# docknet spec written by docknet export from .*\n/, '')).toBe(
      [
        '# Applied after docker network rm, it makes the same networks (docknet adds its io.docknet labels).',
        '',
        'version: 1',
        'networks:',
        '  exp-full:',
        '    driver: bridge',
        '    ipv4: { subnet: 10.217.0.0/24, ipRange: 10.217.0.128/25, gateway: 10.217.0.1, auxAddresses: { router: 10.217.0.2 } }',
        '    ipv6: { subnet: fd00:217::/64 }',
        '    internal: true',
        '    attachable: true',
        '    labels:',
        '      note: made by hand',
        '      team: net',
        '    bridge: { name: br-expfull, icc: false, mtu: 1400 }',
        '    options:',
        '      com.example.note: hello',
        '  # attached now: exp-box (' + box + ')',
        '  # containers are not part of this spec: disconnect them before docker network rm exp-picked, connect them again after docknet apply',
        '  exp-picked:',
        '    driver: bridge',
        `    ipv4: { subnet: ${picked.Subnet}, gateway: ${picked.Gateway} }`,
        '  # made by docker compose project shop (its labels are kept)',
        '  exp-compose:',
        '    driver: bridge',
        `    ipv4: { subnet: ${compose.Subnet}, gateway: ${compose.Gateway} }`,
        '    labels:',
        '      com.docker.compose.network: default',
        '      com.docker.compose.project: shop',
        '      com.docker.compose.version: 2.40.3',
        '  exp-mv:',
        '    driver: macvlan',
        '    ipv4: { subnet: 10.217.5.0/24 }',
        `    macvlan: { parent: ${PARENT}, mode: bridge }`,
        '',
      ].join('\n'),
    );
    expect(text).toMatch(/^# docknet spec written by docknet export from unix:\/\/\S+ \(Docker \S+ on \S+, firewall iptables\)\n/);
  });

  test('docknet validate accepts it', async () => {
    expect(await docknet('validate', FILE)).toEqual({ code: 0, stdout: `exp: valid (4 networks, 0 containers, 0 routes) from ${FILE}\n`, stderr: '' });
  });

  test('applied after docker network rm, it makes the same networks, and then plans nothing', async () => {
    expectOk(await docker('rm', '-f', 'exp-box'));
    for (const name of NAMES) expectOk(await docker('network', 'rm', name));
    expectOk(await docknet('apply', FILE, '--yes'));
    for (const name of NAMES) expect(await definition(name)).toEqual(before.get(name));
    expect((await docknet('plan', FILE, '--detailed-exitcode')).code).toBe(0);
  });

  test("Docker's own networks and unknown names are refused, with the name probably meant", async () => {
    const r = await docknet('export', 'bridge', 'exp-ful');
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr.split('\n')).toEqual([
      "error: network bridge is one of Docker's own (bridge, host, none): every engine has it and nothing can make it",
      'error: no network named exp-ful on the engine; did you mean exp-full? (docker network ls lists them)',
      expect.stringMatching(ENGINE_ERROR_LINE),
      '',
    ]);
  });
});
