// Changes the core makes in place, replacements it explains, pruning, and what it refuses to touch.
import { cleanup, containerId, docker, docknet, expectOk, ping, tempSpec } from '../helpers';

const base = (extra = '') => `version: 1
stack: inplace
networks:
  ip-front:
    ipv4: { subnet: 10.107.1.0/24 }
  ip-back:
    ipv4: { subnet: ${extra.includes('SUBNET2') ? '10.107.3.0/24' : '10.107.2.0/24'} }
containers:
  ip-app:
    image: docknet/busybox:latest
    command: [sleep, "3600"]
    restart: ${extra.includes('RESTART') ? 'always' : 'unless-stopped'}
    networks:
      ip-front: { aliases: [${extra.includes('ALIAS') ? 'app, api' : 'app'}] }
${extra.includes('BACK') || extra.includes('SUBNET2') ? '      ip-back: {}\n' : ''}  ip-db:
    image: docknet/busybox:latest
    command: [sleep, "3600"]
    networks: [ip-back]
${extra.includes('EXTRA') ? '  ip-extra:\n    image: docknet/busybox:latest\n    command: [sleep, "3600"]\n    networks: [ip-front]\n' : ''}`;

const spec = (extra = '') => tempSpec('inplace.yaml', base(extra));

describe('in-place changes, replacements and ownership', () => {
  const first = spec('EXTRA');
  beforeAll(async () => {
    await cleanup(first);
    await docker('network', 'rm', 'ip-foreign', 'ip-taken');
    expectOk(await docknet('apply', first, '--yes'));
  });
  afterAll(async () => {
    await cleanup(first);
    await docker('network', 'rm', 'ip-foreign', 'ip-taken');
  });

  test('a container connected to a second network keeps its id and reaches it', async () => {
    const id = containerId('ip-app');
    expect((await ping('ip-app', 'ip-db')).code).not.toBe(0);
    const next = spec('EXTRA BACK');
    const plan = await docknet('plan', next);
    expect(plan.stdout).toContain('+ endpoint ip-app → ip-back (connect)');
    expect(plan.stdout).not.toContain('replace');
    expectOk(await docknet('apply', next, '--yes'));
    expect(containerId('ip-app')).toBe(id);
    expect((await ping('ip-app', 'ip-db')).code).toBe(0);
  });

  test('aliases and restart policy change in place; the new alias resolves', async () => {
    const id = containerId('ip-app');
    const next = spec('EXTRA BACK ALIAS RESTART');
    const plan = await docknet('plan', next, '--json');
    const ops = JSON.parse(plan.stdout).actions.map((a: { op: string; name: string }) => `${a.op} ${a.name}`);
    expect(ops).toEqual(expect.arrayContaining(['disconnect ip-app → ip-front', 'connect ip-app → ip-front', 'update ip-app']));
    expectOk(await docknet('apply', next, '--yes'));
    expect(containerId('ip-app')).toBe(id);
    expect((await ping('ip-extra', 'api')).code).toBe(0);
    expect((await docker('inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', 'ip-app')).stdout.trim()).toBe('always');
    expect((await docknet('plan', next, '--detailed-exitcode')).code).toBe(0);
  });

  test('a changed subnet replaces the network, says why, and reattaches its containers', async () => {
    const next = spec('BACK ALIAS RESTART SUBNET2');
    const plan = await docknet('plan', next);
    expect(plan.stdout).toContain('-/+ network ip-back (replace)');
    expect(plan.stdout).toContain('ipv4.subnet 10.107.2.0/24 → 10.107.3.0/24 cannot change in place');
    expect(plan.stdout).toContain('- container ip-extra');
    expectOk(await docknet('apply', next, '--yes'));
    expect((await ping('ip-app', 'ip-db')).stdout).toMatch(/from 10\.107\.3\./);
    expect((await docker('ps', '-aq', '--filter', 'name=^ip-extra$')).stdout.trim()).toBe('');
  });

  test('a network of the same name that docknet does not own is refused, nothing changes', async () => {
    expectOk(await docker('network', 'create', 'ip-foreign'));
    const file = tempSpec('foreign.yaml', 'version: 1\nstack: foreign\nnetworks:\n  ip-foreign: {}\n  ip-new: {}\n');
    const r = await docknet('apply', file, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:4:15: networks.ip-foreign: a network named "ip-foreign" already exists and docknet does not own it`);
    expect((await docker('network', 'ls', '-q', '--filter', 'name=^ip-new$')).stdout.trim()).toBe('');
    const destroy = await docknet('destroy', file, '--yes');
    expectOk(destroy);
    expect((await docker('network', 'inspect', 'ip-foreign')).code).toBe(0);
  });

  test('a subnet overlapping a network already on the host is refused, nothing changes', async () => {
    expectOk(await docker('network', 'create', '--subnet', '10.108.0.0/16', 'ip-taken'));
    const file = tempSpec('overlap.yaml', 'version: 1\nstack: overlap\nnetworks:\n  ip-ok: {}\n  ip-clash:\n    ipv4: { subnet: 10.108.4.0/24 }\n');
    const r = await docknet('apply', file, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/overlap\.yaml:6:\d+: networks\.ip-clash\.ipv4\.subnet: 10\.108\.4\.0\/24 overlaps 10\.108\.0\.0\/16 of network ip-taken already on the host/);
    expect((await docker('network', 'ls', '-q', '--filter', 'name=^ip-ok$')).stdout.trim()).toBe('');
  });

  test('a host port held by a container docknet does not own is refused', async () => {
    await docker('rm', '-f', 'ip-squatter');
    expectOk(await docker('run', '-d', '--name', 'ip-squatter', '-p', '127.0.0.1:18999:80', 'docknet/busybox:latest', 'sleep', '300'));
    const file = tempSpec('ports.yaml', 'version: 1\nstack: ports\ncontainers:\n  ip-web:\n    image: docknet/busybox:latest\n    publish: ["127.0.0.1:18999:80"]\n');
    const r = await docknet('apply', file, '--yes');
    await docker('rm', '-f', 'ip-squatter');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('containers.ip-web.publish[0]: host port 18999/tcp is already published by container ip-squatter');
  });

  test('apply without a terminal and without --yes refuses', async () => {
    const r = await docknet('apply', first);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pass --yes');
  });
});
