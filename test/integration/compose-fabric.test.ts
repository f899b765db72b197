// The network fabric for containers docknet does not own: two real docker compose projects, joined by
// a docknet route between their (external) networks, and attached by docknet to a monitoring network
// by name and by label selector — connected in place, never recreated; drift repaired; and compose's
// own `down` still works after docknet's destroy.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerId, docker, docknet, expectOk, ping, run, tempSpec, ttlOf } from '../helpers';

const dir = mkdtempSync(join(tmpdir(), 'docknet-compose-'));
const project = (name: string, subnet: string, command: string) => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
services:
  web:
    image: docknet/busybox:latest
    command: ${command}
networks:
  default:
    ipam:
      config:
        - subnet: ${subnet}
`);
  return (...args: string[]) => run('docker', ['compose', '-f', file, ...args], 120_000, process.env);
};
const shop = project('fabshop', '10.180.1.0/24', '[sleep, "3600"]');
const billing = project('fabbill', '10.180.2.0/24', '[sleep, "3600"]');

const SPEC = (endpoints: string) => `version: 1
stack: fabric
networks:
  fabshop_default: { external: true }
  fabbill_default: { external: true }
  # internal: a side network never becomes its containers' default route (Docker may move a running
  # container's default gateway to a network it joins).
  fab-monitoring: { internal: true, ipv4: { subnet: 10.180.3.0/24 } }
containers:
  fab-mon:
    image: docknet/busybox:latest
    command: [sleep, "3600"]
    networks: { fab-monitoring: { ipv4: 10.180.3.10 } }
${endpoints}routes:
  - between: [fabshop_default, fabbill_default]
`;
const ALL = `endpoints:
  - selector: { com.docker.compose.project: fabshop }
    network: fab-monitoring
  - container: fabbill-web-1
    network: fab-monitoring
    ipv4: 10.180.3.20
    aliases: [billing]
`;
const address = async (container: string, network: string) => (await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container)).stdout.trim();

describe('compose projects networked by docknet', () => {
  const spec = tempSpec('fabric.yaml', SPEC(ALL));
  beforeAll(async () => {
    await docknet('destroy', spec, '--yes', '--take-over');
    await shop('down');
    await billing('down');
  });
  afterAll(async () => {
    await docknet('destroy', spec, '--yes', '--take-over');
    await shop('down');
    await billing('down');
  });

  test('an external network that does not exist fails the plan, naming it; nothing changes', async () => {
    const r = await docknet('plan', spec);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fabric\.yaml:\d+:\d+: networks\.fabshop_default\.external: network fabshop_default is external \(made elsewhere\) but does not exist on the engine/);
    expect((await docker('network', 'inspect', 'fab-monitoring')).code).not.toBe(0);
  });

  test('a route between two compose projects and their containers on docknet\'s network, in place: traffic both ways', async () => {
    expectOk(await shop('up', '-d'));
    expectOk(await billing('up', '-d'));
    const ids = [containerId('fabshop-web-1'), containerId('fabbill-web-1')];
    expectOk(await docknet('apply', spec, '--yes'));
    // compose's containers are the same containers, now also on fab-monitoring.
    expect([containerId('fabshop-web-1'), containerId('fabbill-web-1')]).toEqual(ids);
    expect(ttlOf(await ping('fabshop-web-1', await address('fabbill-web-1', 'fabbill_default')))).toBe(63);
    expect(ttlOf(await ping('fab-mon', await address('fabshop-web-1', 'fab-monitoring')))).toBe(64);
    expect(await address('fabbill-web-1', 'fab-monitoring')).toBe('10.180.3.20');
    expect(ttlOf(await ping('fab-mon', 'billing'))).toBe(64);
    expect((await docknet('plan', spec, '--detailed-exitcode')).code).toBe(0);
  });

  test('drift: an endpoint disconnected by hand and a new container matching the selector; apply repairs both', async () => {
    expectOk(await docker('network', 'disconnect', 'fab-monitoring', 'fabshop-web-1'));
    expectOk(await shop('up', '-d', '--scale', 'web=2'));
    const status = await docknet('status', spec);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain('fabshop-web-1 → fab-monitoring');
    expect(status.stdout).toContain('fabshop-web-2 → fab-monitoring');
    expectOk(await docknet('apply', spec, '--yes'));
    expect(ttlOf(await ping('fab-mon', await address('fabshop-web-2', 'fab-monitoring')))).toBe(64);
    expect(ttlOf(await ping('fab-mon', await address('fabshop-web-1', 'fab-monitoring')))).toBe(64);
  });

  test('an endpoint removed from the spec is disconnected; the container stays as compose made it', async () => {
    const id = containerId('fabbill-web-1');
    const fewer = tempSpec('fabric.yaml', SPEC(`endpoints:\n  - selector: { com.docker.compose.project: fabshop }\n    network: fab-monitoring\n`));
    expectOk(await docknet('apply', fewer, '--yes'));
    expect((await docker('inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'fabbill-web-1')).stdout.trim()).toBe('fabbill_default');
    expect(containerId('fabbill-web-1')).toBe(id);
    expect((await docker('inspect', '-f', '{{.State.Running}}', 'fabbill-web-1')).stdout.trim()).toBe('true');
    expectOk(await docknet('apply', spec, '--yes'));
  });

  test('destroy disconnects what docknet connected and removes only its own; compose down then works', async () => {
    const ids = [containerId('fabshop-web-1'), containerId('fabbill-web-1')];
    expectOk(await docknet('destroy', spec, '--yes'));
    expect((await docker('network', 'inspect', 'fab-monitoring')).code).not.toBe(0);
    expect([containerId('fabshop-web-1'), containerId('fabbill-web-1')]).toEqual(ids);
    expect((await docker('volume', 'ls', '-q', '--filter', 'label=io.docknet.stack=fabric')).stdout.trim()).toBe('');
    // The route is gone: the projects are apart again.
    expect((await ping('fabshop-web-1', await address('fabbill-web-1', 'fabbill_default'))).code).not.toBe(0);
    expectOk(await shop('down'));
    expectOk(await billing('down'));
  });
});
