// End to end with the real terraform binary: the seed lab as plain HCL, converged on the real engine
// and proven by traffic; in-place updates; drift made by hand repaired; import; diagnostics; destroy.
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerId, deleteStackRule, docker, docknet, exec, expectOk, firewallRules, httpGetEventually, ping, run, tempSpec, ttlOf } from '../helpers';
import { installProvider, terraform, workspace } from './terraform';

describe('terraform apply of the seed lab (plain HCL)', () => {
  let cli: string;
  let dir: string;
  const tf = (...args: string[]) => terraform(dir, cli, ...args, ...(args[0] === 'init' ? [] : ['-no-color']));

  beforeAll(async () => {
    cli = installProvider();
    dir = workspace('stacks/terraform');
    // What an interrupted run left would be adopted or stand in the way: the tests start from nothing.
    await docknet('destroy', '--stack', 'tf-lab', '--yes', '--take-over');
    await docker('network', 'rm', 'tf-foreign');
    await run('ip', ['link', 'del', 'dn-tf0']);
    expectOk(await run('ip', ['link', 'add', 'dn-tf0', 'type', 'veth', 'peer', 'name', 'dn-tf1']));
    await run('ip', ['link', 'set', 'dn-tf0', 'up']);
    await run('ip', ['link', 'set', 'dn-tf1', 'up']);
    expectOk(await tf('init', '-input=false', '-no-color'));
  });

  afterAll(async () => {
    await tf('destroy', '-auto-approve', '-input=false');
    await docker('network', 'rm', 'tf-foreign');
    await run('ip', ['link', 'del', 'dn-tf0']);
  });

  test('a wrong attribute gets a diagnostic with its path, before anything changes', async () => {
    const bad = join(dir, 'bad.tf');
    writeFileSync(bad, 'resource "docknet_network" "bad" {\n  name = "tf-bad"\n  ipv4 {\n    subnet  = "10.122.0.0/24"\n    gateway = "10.123.0.1"\n  }\n}\n');
    const r = await tf('plan', '-input=false');
    writeFileSync(bad, '');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: 10.123.0.1 is outside the subnet 10.122.0.0/24');
    expect(r.stderr).toContain('on bad.tf line 5, in resource "docknet_network" "bad"');
    expect((await docker('network', 'ls', '-q', '--filter', 'name=^tf-')).stdout.trim()).toBe('');
  });

  test('apply converges the engine: the route gives ttl=63, the publish answers, ICC off isolates', async () => {
    expectOk(await tf('apply', '-auto-approve', '-input=false'));
    expect(ttlOf(await ping('tf-client', '10.121.2.10'))).toBe(63);
    expect(await httpGetEventually('127.0.0.1', 18280, 'hello from tf-web')).toContain('hello from tf-web');
    const loner2 = (await docker('inspect', '-f', '{{(index .NetworkSettings.Networks "tf-isolated").IPAddress}}', 'tf-loner-2')).stdout.trim();
    expect((await ping('tf-loner-1', loner2)).code).not.toBe(0);
  });

  test('a second plan shows no changes', async () => {
    const r = await tf('plan', '-detailed-exitcode', '-input=false');
    expect(r.stdout).toContain('No changes.');
    expect(r.code).toBe(0);
  });

  test('attaching a network and filtering the route update in place', async () => {
    const id = containerId('tf-client');
    // busybox's static wget crashes; nc speaks the HTTP request itself.
    const wget = () => exec('tf-client', 'sh', '-c', 'printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc -w 2 10.121.2.10 80');
    expect((await wget()).stdout).toContain('hello from tf-web');
    expect((await ping('tf-client', '192.168.181.10')).code).not.toBe(0);
    const main = join(dir, 'main.tf');
    const text = readFileSync(main, 'utf8');
    writeFileSync(main, text
      .replace('  network { name = docknet_network.lab_a.name }', '  network { name = docknet_network.lab_a.name }\n  network { name = docknet_network.segment.name }')
      .replace('  between = [docknet_network.lab_a.name, docknet_network.lab_b.name]', '  between = [docknet_network.lab_a.name, docknet_network.lab_b.name]\n  allow   = ["icmp"]'));
    const plan = await tf('plan', '-input=false');
    expect(plan.stdout).toContain('Plan: 0 to add, 2 to change, 0 to destroy.');
    expectOk(await tf('apply', '-auto-approve', '-input=false'));
    expect(containerId('tf-client')).toBe(id);
    // Attached in place: the segment answers; filtered in place: icmp crosses, HTTP no longer does.
    expect((await ping('tf-client', '192.168.181.10')).code).toBe(0);
    expect(ttlOf(await ping('tf-client', '10.121.2.10'))).toBe(63);
    expect((await wget()).stdout).not.toContain('hello from tf-web');
    writeFileSync(main, text);
    expectOk(await tf('apply', '-auto-approve', '-input=false'));
    expect((await wget()).stdout).toContain('hello from tf-web');
  });

  test('drift made by hand shows in the next plan and the next apply repairs it', async () => {
    expectOk(await docker('network', 'disconnect', 'tf-lab-b', 'tf-web'));
    await deleteStackRule('tf-lab');
    expect((await ping('tf-client', '10.121.2.10')).code).not.toBe(0);
    const plan = await tf('plan', '-input=false', '-detailed-exitcode');
    expect(plan.code).toBe(2);
    // Refreshed as what they are: changed, with the reason — not gone.
    expect(plan.stdout).toContain('docknet_container.web will be updated in-place');
    expect(plan.stdout).toContain('docknet_route.a_b will be updated in-place');
    expect(plan.stdout).toMatch(/connect endpoint tf-web → tf-lab-b: tf-web is not attached to tf-lab-b/);
    expect(plan.stdout).toMatch(/replace route tf-lab-a=tf-lab-b: .*missing/);
    expectOk(await tf('apply', '-auto-approve', '-input=false'));
    expect(ttlOf(await ping('tf-client', '10.121.2.10'))).toBe(63);
    expect((await tf('plan', '-input=false', '-detailed-exitcode')).code).toBe(0);
  });

  test('a stopped container and a network remade by hand refresh as updates with their reasons, not as gone; apply repairs both', async () => {
    writeFileSync(join(dir, 'spare.tf'), 'resource "docknet_network" "spare" {\n  name = "tf-spare"\n  ipv4 { subnet = "10.121.5.0/24" }\n}\n');
    expectOk(await tf('apply', '-auto-approve', '-input=false'));
    const id = containerId('tf-web');
    expectOk(await docker('stop', '-t', '1', 'tf-web'));
    // Remade by hand with docknet's labels and another subnet: its definition drifted.
    const labels = (await docker('network', 'inspect', '-f', '{{range $k, $v := .Labels}}{{$k}}={{$v}} {{end}}', 'tf-spare')).stdout.trim().split(' ');
    expectOk(await docker('network', 'rm', 'tf-spare'));
    expectOk(await docker('network', 'create', '--subnet', '10.121.6.0/24', ...labels.flatMap((l) => ['--label', l]), 'tf-spare'));
    const plan = await tf('plan', '-input=false', '-detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('docknet_container.web will be updated in-place');
    expect(plan.stdout).toMatch(/start container tf-web: container tf-web is exited/);
    expect(plan.stdout).toContain('docknet_network.spare will be updated in-place');
    expect(plan.stdout).toMatch(/replace network tf-spare: ipv4.subnet 10.121.6.0\/24 → 10.121.5.0\/24/);
    expect(plan.stdout).toContain('Plan: 0 to add, 2 to change, 0 to destroy.');
    expectOk(await tf('apply', '-auto-approve', '-input=false'));
    expect(containerId('tf-web')).toBe(id);
    expect(await httpGetEventually('127.0.0.1', 18280, 'hello from tf-web')).toContain('hello from tf-web');
    expect((await docker('network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'tf-spare')).stdout.trim()).toBe('10.121.5.0/24');
    expect((await tf('plan', '-input=false', '-detailed-exitcode')).code).toBe(0);
  });

  test('a new subnet for a network with a container attached: one apply recreates it, the container is reconnected, the route follows', async () => {
    const id = containerId('tf-client');
    const main = join(dir, 'main.tf');
    writeFileSync(main, readFileSync(main, 'utf8').replace('ipv4 { subnet = "10.121.1.0/24" }', 'ipv4 { subnet = "10.121.4.0/24" }'));
    const plan = await tf('plan', '-input=false');
    expect(plan.stdout).toContain('docknet_network.lab_a will be updated in-place');
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    expect(plan.stdout + plan.stderr).toContain('network tf-lab-a is recreated by this update');
    expectOk(await tf('apply', '-auto-approve', '-input=false'));
    // The same container, on the new subnet, across the route at once — both ways.
    expect(containerId('tf-client')).toBe(id);
    const address = (await docker('inspect', '-f', '{{(index .NetworkSettings.Networks "tf-lab-a").IPAddress}}', 'tf-client')).stdout.trim();
    expect(address).toMatch(/^10\.121\.4\.\d+$/);
    expect(ttlOf(await ping('tf-client', '10.121.2.10'))).toBe(63);
    expect(ttlOf(await ping('tf-web', address))).toBe(63);
    expect((await tf('plan', '-input=false', '-detailed-exitcode')).code).toBe(0);
  });

  test('terraform import adopts an existing network; destroy leaves it', async () => {
    await docker('network', 'rm', 'tf-foreign');
    expectOk(await docker('network', 'create', '--subnet', '10.124.0.0/24', 'tf-foreign'));
    writeFileSync(join(dir, 'foreign.tf'), 'resource "docknet_network" "foreign" {\n  name = "tf-foreign"\n  ipv4 { subnet = "10.124.0.0/24" }\n}\n');
    expectOk(await tf('import', '-input=false', 'docknet_network.foreign', 'tf-foreign'));
    expect((await tf('plan', '-input=false', '-detailed-exitcode')).code).toBe(0);
    expect((await tf('state', 'show', 'docknet_network.foreign')).stdout).toMatch(/adopted\s+= true/);
  });

  test('terraform import takes over networks, containers and a route that docknet apply made: no changes, then Terraform manages them', async () => {
    const spec = tempSpec('tf-imp.yaml', `version: 1
stack: tf-imp
networks:
  tf-imp-a: { ipv4: { subnet: 10.121.7.0/24 } }
  tf-imp-b: { ipv4: { subnet: 10.121.8.0/24 } }
containers:
  tf-imp-c:
    image: docknet/busybox:latest
    command: [sleep, "86400"]
    restart: unless-stopped
    networks: { tf-imp-a: { ipv4: 10.121.7.10, aliases: [imp] } }
  tf-imp-d:
    image: docknet/busybox:latest
    command: [sleep, "86400"]
    networks: { tf-imp-b: { ipv4: 10.121.8.10 } }
routes:
  - between: [tf-imp-a, tf-imp-b]
    allow: [icmp, tcp/80]
`);
    await docknet('destroy', spec, '--yes', '--take-over');
    expectOk(await docknet('apply', spec, '--yes'));
    const id = containerId('tf-imp-c');
    // Networks by reference, so that Terraform knows the order (a network goes after its containers).
    const box = (name: string, net: string, ip: string, extra = '') => `resource "docknet_container" "${name.replace(/-/g, '_')}" {\n  stack   = "tf-imp"\n  name    = "${name}"\n  image   = "docknet/busybox:latest"\n  command = ["sleep", "86400"]\n${extra}  network {\n    name = ${net}\n    ipv4 = "${ip}"\n${name === 'tf-imp-c' ? '    aliases = ["imp"]\n' : ''}  }\n}\n`;
    const config = (allow: string) => [
      'resource "docknet_network" "imp_a" {\n  stack = "tf-imp"\n  name  = "tf-imp-a"\n  ipv4 { subnet = "10.121.7.0/24" }\n}\n',
      'resource "docknet_network" "imp_b" {\n  stack = "tf-imp"\n  name  = "tf-imp-b"\n  ipv4 { subnet = "10.121.8.0/24" }\n}\n',
      box('tf-imp-c', 'docknet_network.imp_a.name', '10.121.7.10', '  restart = "unless-stopped"\n'),
      box('tf-imp-d', 'docknet_network.imp_b.name', '10.121.8.10'),
      `resource "docknet_route" "imp" {\n  stack   = "tf-imp"\n  between = [docknet_network.imp_a.name, docknet_network.imp_b.name]\n  allow   = ${allow}\n}\n`,
    ].join('\n');
    writeFileSync(join(dir, 'imp.tf'), config('["icmp", "tcp/80"]'));
    for (const [address, id] of [['docknet_network.imp_a', 'tf-imp-a'], ['docknet_network.imp_b', 'tf-imp-b'], ['docknet_container.tf_imp_c', 'tf-imp-c'], ['docknet_container.tf_imp_d', 'tf-imp-d'], ['docknet_route.imp', 'tf-imp:tf-imp-a=tf-imp-b']]) {
      expectOk(await tf('import', '-input=false', address, id));
    }
    const plan = await tf('plan', '-input=false', '-detailed-exitcode');
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);
    expect((await tf('state', 'show', 'docknet_network.imp_a')).stdout).toMatch(/adopted\s+= false/);
    // A change through Terraform takes the stack over: in place, the same container, traffic as filtered.
    writeFileSync(join(dir, 'imp.tf'), config('["icmp"]'));
    expectOk(await tf('apply', '-auto-approve', '-input=false'));
    expect(containerId('tf-imp-c')).toBe(id);
    expect(ttlOf(await ping('tf-imp-c', '10.121.8.10'))).toBe(63);
    expect((await docker('volume', 'inspect', '-f', '{{index .Labels "io.docknet.manager"}}', 'docknet-stack.tf-imp')).stdout.trim()).toBe('terraform');
    const cli = await docknet('apply', spec, '--yes');
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('stack tf-imp is managed by terraform');
    expect((await tf('plan', '-input=false', '-detailed-exitcode')).code).toBe(0);
  });

  test('a container docknet did not make cannot be imported, and the error says why', async () => {
    await docker('rm', '-f', 'tf-handmade');
    expectOk(await docker('run', '-d', '--name', 'tf-handmade', 'docknet/busybox:latest', 'sleep', '600'));
    writeFileSync(join(dir, 'handmade.tf'), 'resource "docknet_container" "handmade" {\n  name  = "tf-handmade"\n  image = "docknet/busybox:latest"\n}\n');
    const r = await tf('import', '-input=false', 'docknet_container.handmade', 'tf-handmade');
    writeFileSync(join(dir, 'handmade.tf'), '');
    await docker('rm', '-f', 'tf-handmade');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container tf-handmade was not made by docknet');
  });

  test('destroy leaves nothing docknet owns, and the imported network in place', async () => {
    const r = await tf('destroy', '-auto-approve', '-input=false');
    expectOk(r);
    expect(r.stdout + r.stderr).toContain('network tf-foreign was imported: docknet leaves it on the host');
    expect((await docker('ps', '-aq', '--filter', 'label=io.docknet.stack=tf-lab')).stdout.trim()).toBe('');
    expect((await docker('network', 'ls', '-q', '--filter', 'label=io.docknet.stack=tf-lab')).stdout.trim()).toBe('');
    expect(firewallRules()).not.toContain('docknet:tf-lab:');
    // What was imported is Terraform's now, and goes with it.
    expect((await docker('ps', '-aq', '--filter', 'label=io.docknet.stack=tf-imp')).stdout.trim()).toBe('');
    expect((await docker('network', 'ls', '-q', '--filter', 'label=io.docknet.stack=tf-imp')).stdout.trim()).toBe('');
    expect(firewallRules()).not.toContain('docknet:tf-imp:');
    expect((await docker('network', 'inspect', 'tf-foreign')).code).toBe(0);
  });
});
