// Every provider method against the real Docker engine: create, diff, update in place, replace,
// read after an out-of-band change, delete — and traffic through what they made.
import * as h from '../../providers/pulumi/handlers';
import { containerId, docker, docknet, expectOk, ping, tempSpec, ttlOf } from '../helpers';

type Inputs = Parameters<typeof h.create>[0];
const STACK = 'pulumi-handlers';
const net = (name: string, subnet: string, extra: object = {}): Inputs => ({ kind: 'bridge', name, stack: STACK, ipv4: { subnet }, ...extra });
const box = (name: string, networks: unknown, extra: object = {}): Inputs => ({ kind: 'container', name, stack: STACK, image: 'docknet/busybox:latest', command: ['sleep', '3600'], networks, ...extra });

describe('Pulumi provider methods against the real engine', () => {
  const cleanupSpec = tempSpec('cleanup.yaml', `version: 1\nstack: ${STACK}\n`);
  beforeAll(async () => {
    await docknet('destroy', cleanupSpec, '--yes', '--take-over');
    await docker('network', 'rm', 'ph-adopted');
  });
  afterAll(async () => {
    await docknet('destroy', cleanupSpec, '--yes', '--take-over');
    await docker('network', 'rm', 'ph-adopted');
  });

  const a = net('ph-a', '10.112.1.0/24');
  const b = net('ph-b', '10.112.2.0/24');
  let state: Record<string, Record<string, unknown>> = {};

  test('check returns the core validation failures with property paths', () => {
    expect(h.check(net('ph-x', '10.112.0.0/33'))).toEqual([{ property: 'ipv4.subnet', reason: expect.stringContaining('is not an IPv4 CIDR block') }]);
    expect(h.check({ kind: 'macvlan', name: 'ph-m', stack: STACK, parent: 'eth0', vlan: 5000 })).toEqual([{ property: 'vlan', reason: 'VLAN id 5000 is outside 1–4094' }]);
    expect(h.check(box('ph-c', ['ph-a'], { publish: ['80:70000'] }))).toEqual([{ property: 'publish[0]', reason: expect.stringContaining('70000') }]);
    expect(h.check(a)).toEqual([]);
  });

  test('create makes networks, containers and a route that carries traffic (ttl=63)', async () => {
    const na = await h.create(a);
    const nb = await h.create(b);
    expect(na.outs.bridgeInterface).toMatch(/^br-[0-9a-f]{12}$/);
    expect(na.outs.subnet).toBe('10.112.1.0/24');
    const left = await h.create(box('ph-left', ['ph-a']));
    const right = await h.create(box('ph-right', { 'ph-b': { ipv4: '10.112.2.10' } }));
    expect(right.outs.addresses).toEqual({ 'ph-b': '10.112.2.10' });
    const route = await h.create({ kind: 'route', name: 'ph-route', stack: STACK, between: ['ph-a', 'ph-b'] });
    expect(route.outs.routeId).toBe('ph-a=ph-b');
    expect(ttlOf(await ping('ph-left', '10.112.2.10'))).toBe(63);
    state = { a: na.outs, b: nb.outs, left: left.outs, right: right.outs, route: route.outs };
  });

  test('diff: attaching a network updates in place; an image replaces; a subnet is an update that recreates the network', () => {
    const left = state.left as Inputs;
    expect(h.diff(left, { ...left, networks: ['ph-a', 'ph-b'] })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    expect(h.diff(left, { ...left, image: 'other:1' }).replaces).toEqual(['image']);
    expect(h.diff(state.a as Inputs, { ...a, ipv4: { subnet: '10.112.9.0/24' } })).toMatchObject({ changes: true, replaces: [] });
    expect(h.diff(state.route as Inputs, { ...(state.route as Inputs), allow: ['icmp'] }).replaces).toEqual([]);
    expect(h.diff(left, { ...left }).changes).toBe(false);
  });

  test('update attaches a second network without recreating the container', async () => {
    const before = containerId('ph-left');
    const { outs } = await h.update(state.left as Inputs, box('ph-left', ['ph-a', 'ph-b']));
    expect(containerId('ph-left')).toBe(before);
    expect(Object.keys(outs.addresses as object).sort()).toEqual(['ph-a', 'ph-b']);
    expect(ttlOf(await ping('ph-left', '10.112.2.10'))).toBe(64); // now on the same bridge: no routed hop
    state.left = outs;
  });

  test('read reports a container detached by hand as drift; the update repairs it', async () => {
    expectOk(await docker('network', 'disconnect', 'ph-b', 'ph-left'));
    const r = await h.read('id', state.left as Inputs);
    expect(r.props.drift).toEqual([expect.stringContaining('connect endpoint ph-left → ph-b')]);
    expect(h.diff(r.props as Inputs, box('ph-left', ['ph-a', 'ph-b'])).changes).toBe(true);
    await h.update(r.props as Inputs, box('ph-left', ['ph-a', 'ph-b']));
    expect((await h.read('id', state.left as Inputs)).props.drift).toBeUndefined();
  });

  test('read reports a network removed by hand as gone', async () => {
    await h.remove(state.route as Inputs);
    await h.remove(state.right as Inputs);
    await h.remove(state.left as Inputs);
    expectOk(await docker('network', 'rm', 'ph-b'));
    expect((await h.read('id', state.b as Inputs)).id).toBe('');
    expect((await h.read('id', state.a as Inputs)).id).not.toBe('');
  });

  test('replace: delete then create with a new subnet', async () => {
    await h.remove(state.a as Inputs);
    const next = await h.create({ ...a, ipv4: { subnet: '10.112.9.0/24' } });
    expect(next.outs.subnet).toBe('10.112.9.0/24');
    await h.remove(next.outs as Inputs);
    expect((await docker('network', 'inspect', 'ph-a')).code).not.toBe(0);
  });

  test('adopt takes over an existing network without owning it, and delete leaves it', async () => {
    expectOk(await docker('network', 'create', '--subnet', '10.112.7.0/24', 'ph-adopted'));
    const adopted = await h.create(net('ph-adopted', '10.112.7.0/24', { adopt: true }));
    expect(adopted.outs.adopted).toBe(true);
    await expect(h.create(net('ph-adopted', '10.112.8.0/24', { adopt: true }))).rejects.toThrow(/ipv4.subnet 10.112.7.0\/24 → 10.112.8.0\/24/);
    const c = await h.create(box('ph-on-adopted', ['ph-adopted']));
    expect(Object.keys(c.outs.addresses as object)).toEqual(['ph-adopted']);
    await h.remove(c.outs as Inputs);
    await h.remove(adopted.outs as Inputs);
    expect((await docker('network', 'inspect', 'ph-adopted')).code).toBe(0);
  });

  test('adopt takes over a container docknet apply made, in place; one that would need a new container is refused', async () => {
    // A stack of its own: the CLI converges whole stacks.
    const stack = 'pulumi-adopt';
    const spec = tempSpec('ph-cli.yaml', `version: 1\nstack: ${stack}\nnetworks:\n  ph-cli-net: { ipv4: { subnet: 10.112.6.0/24 } }\ncontainers:\n  ph-cli-box:\n    image: docknet/busybox:latest\n    command: [sleep, "3600"]\n    networks: [ph-cli-net]\n`);
    expectOk(await docknet('apply', spec, '--yes', '--take-over'));
    const id = containerId('ph-cli-box');
    // Another command would mean a new container: adoption never makes one.
    await expect(h.create(box('ph-cli-box', ['ph-cli-net'], { stack, command: ['sleep', '7200'], adopt: true }))).rejects.toThrow(/cannot be adopted, adoption never makes a new container: replace ph-cli-box: command/);
    // The same container with a restart policy: taken over and updated in place.
    const adopted = await h.create(box('ph-cli-box', ['ph-cli-net'], { stack, restart: 'unless-stopped', adopt: true }));
    expect(adopted.id).toBe(id);
    expect(containerId('ph-cli-box')).toBe(id);
    expect((await docker('inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', 'ph-cli-box')).stdout.trim()).toBe('unless-stopped');
    expect((await docker('volume', 'inspect', '-f', '{{index .Labels "io.docknet.manager"}}', `docknet-stack.${stack}`)).stdout.trim()).toBe('pulumi');
    await h.remove(adopted.outs as Inputs);
    expect((await docker('inspect', 'ph-cli-box')).code).not.toBe(0);
    expectOk(await docknet('destroy', spec, '--yes', '--take-over'));
  });
});
