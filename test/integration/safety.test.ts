// Safe under real operations, on the real engine: one writer at a time, stacks that cannot collide by
// accident, a stack's manager, plans re-checked before they are carried out, the host (not labels) as
// the truth of in-place settings, replacements that leave no outage when they fail, and a writer killed
// in any phase of an apply.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Docknet } from '../../lib/docknet';
import { loadSpecs } from '../../lib/spec/load';
import { DOCKNET, ROOT, cleanup, containerId, docker, docknet, exec, expectOk, firewallRules, ping, run, tempSpec, ttlOf } from '../helpers';

// init: sleep as PID 1 ignores SIGTERM; docker-init passes it on, so a stop takes no grace period.
const BOX = 'image: docknet/busybox:latest\n    command: [sleep, "3600"]\n    init: true';

describe('one writer per engine', () => {
  const spec = tempSpec(
    'safe-twice.yaml',
    `version: 1
networks:
  safe-a: { ipv4: { subnet: 10.173.1.0/24 } }
  safe-b: { ipv4: { subnet: 10.173.2.0/24 } }
containers:
  safe-many:
    ${BOX}
    replicas: 4
    networks: [safe-a]
  safe-far:
    ${BOX}
    networks: { safe-b: { ipv4: 10.173.2.10 } }
routes:
  - between: [safe-a, safe-b]
`,
  );
  beforeAll(() => cleanup(spec));
  afterAll(() => cleanup(spec));

  test('two applies of one stack at once: the second waits, then finds nothing to do; no duplicate rules, no engine errors', async () => {
    const [x, y] = await Promise.all([docknet('apply', spec, '--yes'), docknet('apply', spec, '--yes')]);
    expectOk(x);
    expectOk(y);
    const both = `${x.stdout}${x.stderr}${y.stdout}${y.stderr}`;
    expect(both).toMatch(/waiting for docknet apply \(cli\), pid \d+ on \S+, since \S+ to finish with this engine/);
    expect(both).toContain('the host already matches the spec');
    expect(both).not.toMatch(/Pool overlaps|already in use|Conflict/);
    expect(firewallRules().split('\n').filter((l) => l.includes('docknet:safe-twice:'))).toHaveLength(2);
    expect(ttlOf(await ping('safe-many-1', '10.173.2.10'))).toBe(63);
  });
});

describe('stack identity', () => {
  const root = mkdtempSync(join(tmpdir(), 'docknet-identity-'));
  const prod = join(root, 'prod', 'app.yaml');
  const staging = join(root, 'staging', 'app.yaml');
  mkdirSync(join(root, 'prod'));
  mkdirSync(join(root, 'staging'));
  writeFileSync(prod, 'version: 1\nnetworks:\n  ident-prod: { ipv4: { subnet: 10.173.10.0/24 } }\n');
  writeFileSync(staging, 'version: 1\nnetworks:\n  ident-staging: { ipv4: { subnet: 10.173.11.0/24 } }\n');
  afterAll(() => cleanup(prod));

  test('two files of the same name in one run are refused, naming both', async () => {
    const r = await docknet('validate', prod, staging);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${staging}:1:1: (root): ${staging} and ${prod} would both be stack "app" (both files are named app.yaml)`);
  });

  test('a file of the same name applied later does not take over the stack of the first', async () => {
    expectOk(await docknet('apply', prod, '--yes'));
    const r = await docknet('apply', staging, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`stack app was declared by ${prod}, and ${staging} would become the same stack because both files have the same name`);
    expect((await docker('network', 'inspect', 'ident-prod')).code).toBe(0);
    expect((await docker('network', 'inspect', 'ident-staging')).code).not.toBe(0);
  });
});

describe("a stack's manager", () => {
  const text = (cmd: string) => `version: 1\nstack: owned\nnetworks:\n  owned-net: { ipv4: { subnet: 10.173.20.0/24 } }\ncontainers:\n  owned-box:\n    image: docknet/busybox:latest\n    command: [${cmd}]\n    init: true\n    networks: [owned-net]\n`;
  const first = tempSpec('owned.yaml', text('sleep, "3600"'));
  const changed = tempSpec('owned.yaml', text('sleep, "3601"'));
  beforeAll(async () => {
    await cleanup(first);
    // Another manager applies it, as the Pulumi provider does, through the core.
    await new Docknet({ manager: 'pulumi' }).apply(loadSpecs([first]));
  });
  afterAll(() => cleanup(first));

  test('objects carry their manager, and the stack record names it', async () => {
    expect((await docker('inspect', '-f', '{{index .Config.Labels "io.docknet.manager"}}', 'owned-box')).stdout.trim()).toBe('pulumi');
    expect((await docker('volume', 'inspect', '-f', '{{index .Labels "io.docknet.manager"}}', 'docknet-stack.owned')).stdout.trim()).toBe('pulumi');
  });

  test('the CLI refuses to change or destroy it, and says who manages it', async () => {
    const id = containerId('owned-box');
    const apply = await docknet('apply', changed, '--yes');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/stack owned is managed by pulumi since \S+ \(stack record docknet-stack\.owned\); cli would change it\. Change it through pulumi, or take it over with --take-over/);
    const destroy = await docknet('destroy', changed, '--yes');
    expect(destroy.code).toBe(1);
    expect(containerId('owned-box')).toBe(id);
  });

  test('--take-over makes the CLI its manager', async () => {
    expectOk(await docknet('apply', changed, '--yes', '--take-over'));
    expect((await docker('volume', 'inspect', '-f', '{{index .Labels "io.docknet.manager"}}', 'docknet-stack.owned')).stdout.trim()).toBe('cli');
    expect((await docker('inspect', '-f', '{{index .Config.Labels "io.docknet.manager"}}', 'owned-box')).stdout.trim()).toBe('cli');
    expectOk(await docknet('destroy', changed, '--yes'));
    expect((await docker('volume', 'inspect', 'docknet-stack.owned')).code).not.toBe(0);
  });
});

describe('the host, not labels, is the truth of in-place settings', () => {
  const text = (alias: string) => `version: 1\nstack: truth\nnetworks:\n  truth-net: { ipv4: { subnet: 10.173.30.0/24 } }\ncontainers:\n  truth-app:\n    ${BOX}\n    restart: unless-stopped\n    networks: { truth-net: { aliases: [${alias}] } }\n  truth-peer:\n    ${BOX}\n    networks: [truth-net]\n`;
  const a = tempSpec('truth.yaml', text('alpha'));
  const b = tempSpec('truth.yaml', text('beta'));
  beforeAll(async () => {
    await cleanup(a);
    expectOk(await docknet('apply', a, '--yes'));
  });
  afterAll(() => cleanup(a));

  test('a restart policy changed by hand is drift, and apply puts it back', async () => {
    expectOk(await docker('update', '--restart=no', 'truth-app'));
    const status = await docknet('status', a);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain('changed  truth/container truth-app: restart no → unless-stopped');
    expectOk(await docknet('apply', a, '--yes'));
    expect((await docker('inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', 'truth-app')).stdout.trim()).toBe('unless-stopped');
  });

  test('aliases changed A → B → A follow the spec each time, and resolve', async () => {
    expectOk(await docknet('apply', b, '--yes'));
    expect((await ping('truth-peer', 'beta')).code).toBe(0);
    expectOk(await docknet('apply', a, '--yes'));
    expect((await ping('truth-peer', 'alpha')).code).toBe(0);
    expect((await ping('truth-peer', 'beta')).code).not.toBe(0);
  });

  test('an endpoint reconnected by hand with other aliases is drift, and apply repairs it', async () => {
    expectOk(await docker('network', 'disconnect', 'truth-net', 'truth-app'));
    expectOk(await docker('network', 'connect', '--alias', 'other', 'truth-net', 'truth-app'));
    const status = await docknet('status', a);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain('aliases [other] → [alpha]');
    expectOk(await docknet('apply', a, '--yes'));
    expect((await ping('truth-peer', 'alpha')).code).toBe(0);
  });
});

describe('replacing without an outage', () => {
  const text = (image: string, cmd: string) =>
    `version: 1\nstack: keep\nnetworks:\n  keep-net: { ipv4: { subnet: 10.173.40.0/24 } }\ncontainers:\n  keep-web:\n    image: ${image}\n    command: ${cmd.startsWith('[') ? cmd : `[sh, -c, "${cmd}"]`}\n    stopGracePeriod: 2s\n    networks: { keep-net: { ipv4: 10.173.40.10 } }\n    publish: ["127.0.0.1:18173:80"]\n  keep-client:\n    ${BOX}\n    networks: [keep-net]\n`;
  const serving = tempSpec('keep.yaml', text('docknet/busybox:latest', 'mkdir -p /www && echo one > /www/index.html && httpd -f -p 80 -h /www'));
  const missing = tempSpec('keep.yaml', text('docknet/not-there:1', 'httpd -f -p 80'));
  const next = tempSpec('keep.yaml', text('docknet/busybox:latest', 'mkdir -p /www && echo two > /www/index.html && httpd -f -p 80 -h /www'));
  beforeAll(async () => {
    await cleanup(serving);
    expectOk(await docknet('apply', serving, '--yes'));
  });
  afterAll(() => cleanup(serving));

  const fetchIndex = async () => (await exec('keep-client', 'sh', '-c', 'printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc -w 2 10.173.40.10 80')).stdout;

  test('an image that cannot be had fails before anything changes: the old container still serves', async () => {
    const id = containerId('keep-web');
    const r = await docknet('apply', missing, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pull image docknet\/not-there:1: .* — nothing was changed/);
    expect(containerId('keep-web')).toBe(id);
    expect((await docker('inspect', '-f', '{{.State.Running}}', 'keep-web')).stdout.trim()).toBe('true');
    expect(await fetchIndex()).toContain('one');
  });

  test('a replacement that fails to start brings the old container back, serving', async () => {
    const id = containerId('keep-web');
    // The new container's program does not exist: Docker creates it, and cannot start it.
    const broken = tempSpec('keep.yaml', text('docknet/busybox:latest', '[/no/such/program]'));
    const r = await docknet('apply', broken, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rolled back: container keep-web: the old container is back and running');
    expect(containerId('keep-web')).toBe(id);
    expect(await fetchIndex()).toContain('one');
    expect((await docker('ps', '-aq', '--filter', 'name=keep-web.docknet-old')).stdout.trim()).toBe('');
  });

  test('a successful replacement serves the new content and leaves nothing aside', async () => {
    const id = containerId('keep-web');
    expect((await docker('inspect', '-f', '{{.Config.StopTimeout}}', 'keep-web')).stdout.trim()).toBe('2');
    expectOk(await docknet('apply', next, '--yes'));
    expect(containerId('keep-web')).not.toBe(id);
    expect(await fetchIndex()).toContain('two');
    expect((await docker('ps', '-aq', '--filter', 'name=keep-web.docknet-old')).stdout.trim()).toBe('');
  });
});

describe('a network replacement that fails', () => {
  const text = (subnet: string, bridge = '') =>
    `version: 1\nstack: rebuild\nnetworks:\n  rb-net:\n    ipv4: { subnet: ${subnet} }\n${bridge ? `    bridge: { name: ${bridge} }\n` : ''}containers:\n  rb-box:\n    ${BOX}\n    networks: { rb-net: { ipv4: ${subnet.replace(/0\/24$/, '10')}, aliases: [boxy] } }\n  rb-peer:\n    ${BOX}\n    networks: [rb-net]\n`;
  const first = tempSpec('rebuild.yaml', text('10.173.50.0/24'));
  // The new bridge's name is taken by a link that is not a bridge: Docker cannot make the new network.
  const blocked = tempSpec('rebuild.yaml', text('10.173.51.0/24', 'dnrb0'));
  beforeAll(async () => {
    await cleanup(first);
    await run('ip', ['link', 'del', 'dnrb0']);
    expectOk(await run('ip', ['link', 'add', 'dnrb0', 'type', 'veth', 'peer', 'name', 'dnrb1']));
    expectOk(await docknet('apply', first, '--yes'));
  });
  afterAll(async () => {
    await cleanup(first);
    await run('ip', ['link', 'del', 'dnrb0']);
  });

  test('restores the old network from the plan, with its endpoints reconnected as they were', async () => {
    const r = await docknet('apply', blocked, '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('existing interface dnrb0 is not a bridge');
    expect(r.stderr).toContain('rolled back: network rb-net: the old network is back, its endpoints reconnected');
    expect((await docker('network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'rb-net')).stdout.trim()).toBe('10.173.50.0/24');
    expect((await ping('rb-peer', '10.173.50.10')).code).toBe(0);
    expect((await ping('rb-peer', 'boxy')).code).toBe(0);
    expect((await docknet('plan', first, '--detailed-exitcode')).code).toBe(0);
  });
});

describe('a writer killed in any phase of an apply', () => {
  // From A to B every phase has work: a route and a container go (1), a network is recreated (2, 3),
  // containers come and are replaced (4), the route follows the new bridge (5).
  const a = tempSpec('killed.yaml', `version: 1\nstack: killed\nnetworks:\n  kill-a: { ipv4: { subnet: 10.174.1.0/24 } }\n  kill-b: { ipv4: { subnet: 10.174.2.0/24 } }\ncontainers:\n  kill-one:\n    ${BOX}\n    networks: [kill-a]\n  kill-two:\n    ${BOX}\n    networks: { kill-b: { ipv4: 10.174.2.10 } }\n  kill-gone:\n    ${BOX}\n    networks: [kill-a]\nroutes:\n  - between: [kill-a, kill-b]\n`);
  const b = tempSpec('killed.yaml', `version: 1\nstack: killed\nnetworks:\n  kill-a: { ipv4: { subnet: 10.174.1.0/24 } }\n  kill-b: { ipv4: { subnet: 10.174.3.0/24 } }\ncontainers:\n  kill-one:\n    image: docknet/busybox:latest\n    command: [sleep, "3601"]\n    init: true\n    networks: [kill-a]\n  kill-two:\n    ${BOX}\n    networks: { kill-b: { ipv4: 10.174.3.10 } }\n  kill-new:\n    ${BOX}\n    networks: [kill-a]\nroutes:\n  - from: kill-a\n    to: kill-b\n`);
  beforeAll(() => cleanup(a));
  afterAll(() => cleanup(a));

  /** Starts applying B and kills the CLI with SIGKILL as soon as a step of `phase` is done. */
  async function killDuring(phase: number): Promise<string> {
    const child = spawn(DOCKNET, ['apply', b, '--yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const seen = await new Promise<boolean>((resolve) => {
      const timer = setInterval(() => {
        if (new RegExp(`✓ ${phase}/5 `).test(err)) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve(true);
        }
      }, 5);
      void exited.then(() => {
        clearInterval(timer);
        resolve(false);
      });
    });
    await exited;
    if (!seen) throw new Error(`phase ${phase} finished before it could be killed:\n${err}`);
    return err;
  }

  for (const phase of [1, 2, 3, 4, 5]) {
    test(`killed in phase ${phase}: nothing unlabelled is left, and the next apply converges at once`, async () => {
      expectOk(await docknet('apply', a, '--yes', '--take-over'));
      await killDuring(phase);
      const unlabelled = (await docker('ps', '-a', '--filter', 'name=kill-', '--format', '{{.Names}} {{.Label "io.docknet.stack"}}')).stdout
        .split('\n')
        .filter((l) => l && !l.endsWith(' killed'));
      expect(unlabelled).toEqual([]);
      // The killed writer's lock is gone with it: a short wait would fail if it were not.
      expectOk(await run(DOCKNET, ['apply', b, '--yes'], 60_000, { ...process.env, DOCKNET_LOCK_WAIT: '5' }));
      expect((await docknet('plan', b, '--detailed-exitcode')).code).toBe(0);
      expect(ttlOf(await ping('kill-one', '10.174.3.10'))).toBe(63);
      expect((await docker('ps', '-aq', '--filter', 'name=docknet-old')).stdout.trim()).toBe('');
    });
  }

  test('Ctrl-C (SIGINT) stops between phases: what was begun is rolled back, nothing is left unlabelled, and the next apply converges', async () => {
    expectOk(await docknet('apply', a, '--yes', '--take-over'));
    const child = spawn(DOCKNET, ['apply', b, '--yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let sent = false;
    child.stderr.on('data', (d) => {
      err += d;
      if (!sent && /✓ 2\/5 /.test(err)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(sent).toBe(true);
    expect(code).toBe(1);
    expect(err).toContain('interrupted: finishing the current step and cleaning up');
    expect(err).toContain('interrupted before the next phase');
    const unlabelled = (await docker('ps', '-a', '--filter', 'name=kill-', '--format', '{{.Names}} {{.Label "io.docknet.stack"}}')).stdout
      .split('\n')
      .filter((l) => l && !l.endsWith(' killed'));
    expect(unlabelled).toEqual([]);
    expect((await docker('ps', '-aq', '--filter', 'name=docknet-old')).stdout.trim()).toBe('');
    expectOk(await docknet('apply', b, '--yes'));
    expect((await docknet('plan', b, '--detailed-exitcode')).code).toBe(0);
    expect(ttlOf(await ping('kill-one', '10.174.3.10'))).toBe(63);
  });
});

describe('a user in the docker group who cannot use iptables', () => {
  const user = 'dnplanner';
  const dir = mkdtempSync(join(tmpdir(), 'docknet-user-'));
  const plain = join(dir, 'plain.yaml');
  const routed = join(dir, 'routed.yaml');
  writeFileSync(plain, 'version: 1\nnetworks:\n  user-a: { ipv4: { subnet: 10.173.60.0/24 } }\n');
  writeFileSync(routed, 'version: 1\nnetworks:\n  user-a: { ipv4: { subnet: 10.173.60.0/24 } }\n  user-b: { ipv4: { subnet: 10.173.61.0/24 } }\nroutes:\n  - between: [user-a, user-b]\n');
  const asUser = (...args: string[]) => run('runuser', ['-u', user, '--', DOCKNET, ...args], 60_000, { ...process.env, HOME: dir });
  // The user must reach the checkout: a clone inside a private folder (mktemp -d is 0700) gets the
  // search bit on each such folder above it for the test's length, and its mode back afterwards.
  const opened: [string, number][] = [];
  beforeAll(async () => {
    await run('chmod', ['755', dir]);
    for (let d = ROOT; ; d = dirname(d)) {
      const mode = statSync(d).mode & 0o7777;
      if ((mode & 0o001) === 0) {
        opened.push([d, mode]);
        chmodSync(d, mode | 0o001);
      }
      if (d === dirname(d)) break;
    }
    await run('userdel', [user]);
    expectOk(await run('useradd', ['--no-create-home', '--groups', 'docker', user]));
  });
  afterAll(async () => {
    await run('userdel', [user]);
    for (const [d, mode] of opened) chmodSync(d, mode);
  });

  test('plans a spec without routes, and says what it could not see', async () => {
    const r = await asUser('plan', plain);
    expectOk(r);
    expect(r.stdout).toContain('+ network user-a');
    expect(r.stdout).toMatch(/note: the firewall cannot be read: .*(Permission denied|must be root).*; rules of routes no longer in the spec, if any, are not seen/);
  });

  test('refuses a spec with a route before anything changes, saying why', async () => {
    const r = await asUser('plan', routed);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/routed\.yaml:\d+:\d+: routes\[0\]: the firewall cannot be read: .*(Permission denied|must be root)/);
  });
});
