// End to end with the real cdktf-cli and terraform: `cdktf deploy` of the seed lab converges the real
// engine (proven by traffic), a changed app deploys in place, drift is repaired, destroy cleans up.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerId, docker, expectOk, httpGetEventually, ping, ROOT, run, ttlOf, type Result } from '../helpers';
import { installation } from './terraform';

const APP_DIR = join(ROOT, 'stacks', 'cdktf');
const CDKTF = join(ROOT, 'node_modules', '.bin', 'cdktf');

describe('cdktf deploy of the seed lab', () => {
  const out = mkdtempSync(join(tmpdir(), 'docknet-cdktf-out-'));
  let env: NodeJS.ProcessEnv;
  const cdktf = (extra: NodeJS.ProcessEnv, ...args: string[]): Promise<Result> =>
    new Promise((resolve) => {
      // cdktf reads its app command from cdktf.json in the working directory.
      const cwd = process.cwd();
      process.chdir(APP_DIR);
      const p = run(CDKTF, [...args, '--output', out], 300_000, { ...env, ...extra });
      process.chdir(cwd);
      p.then(resolve);
    });

  beforeAll(async () => {
    const i = installation();
    env = { ...process.env, TF_CLI_CONFIG_FILE: i.cliConfig, TERRAFORM_BINARY_NAME: i.terraformWrapper, CHECKPOINT_DISABLE: '1', CI: '1', DOCKNET_TF_STATE: join(out, 'lab.tfstate'), DOCKNET_PARENT: 'dn-cd0' };
    await run('ip', ['link', 'del', 'dn-cd0']);
    expectOk(await run('ip', ['link', 'add', 'dn-cd0', 'type', 'veth', 'peer', 'name', 'dn-cd1']));
    await run('ip', ['link', 'set', 'dn-cd0', 'up']);
    await run('ip', ['link', 'set', 'dn-cd1', 'up']);
  });

  afterAll(async () => {
    await cdktf({}, 'destroy', 'lab', '--auto-approve');
    await run('ip', ['link', 'del', 'dn-cd0']);
  });

  test('deploy converges the engine: ttl=63 across the route, the publish answers', async () => {
    expectOk(await cdktf({}, 'deploy', 'lab', '--auto-approve'));
    expect(ttlOf(await ping('cd-client', '10.131.2.10'))).toBe(63);
    expect(await httpGetEventually('127.0.0.1', 18380, 'hello from cd-web')).toContain('hello from cd-web');
    expect((await cdktf({}, 'diff', 'lab')).stdout).toContain('No changes.');
  });

  test('a changed app deploys as an in-place update', async () => {
    const id = containerId('cd-client');
    expect((await ping('cd-client', '192.168.191.10')).code).not.toBe(0);
    const r = await cdktf({ DOCKNET_LAB_ATTACH: '1' }, 'deploy', 'lab', '--auto-approve');
    expectOk(r);
    expect(r.stdout).toContain('0 added, 1 changed, 0 destroyed');
    expect(containerId('cd-client')).toBe(id);
    expect((await ping('cd-client', '192.168.191.10')).code).toBe(0);
  });

  test('drift made by hand is repaired by the next deploy', async () => {
    expectOk(await docker('network', 'disconnect', 'cd-lab-b', 'cd-web'));
    expect((await ping('cd-client', '10.131.2.10')).code).not.toBe(0);
    expectOk(await cdktf({ DOCKNET_LAB_ATTACH: '1' }, 'deploy', 'lab', '--auto-approve'));
    expect(ttlOf(await ping('cd-client', '10.131.2.10'))).toBe(63);
  });

  test('a new subnet for a network with a container attached deploys in one step: reconnected, routed at once', async () => {
    const id = containerId('cd-client');
    const r = await cdktf({ DOCKNET_LAB_ATTACH: '1', DOCKNET_LAB_SUBNET_A: '10.131.4.0/24' }, 'deploy', 'lab', '--auto-approve');
    expectOk(r);
    expect(r.stdout).toContain('0 added, 1 changed, 0 destroyed');
    expect(containerId('cd-client')).toBe(id);
    const address = (await docker('inspect', '-f', '{{(index .NetworkSettings.Networks "cd-lab-a").IPAddress}}', 'cd-client')).stdout.trim();
    expect(address).toMatch(/^10\.131\.4\.\d+$/);
    expect(ttlOf(await ping('cd-client', '10.131.2.10'))).toBe(63);
    expect(ttlOf(await ping('cd-web', address))).toBe(63);
    expect((await cdktf({ DOCKNET_LAB_ATTACH: '1', DOCKNET_LAB_SUBNET_A: '10.131.4.0/24' }, 'diff', 'lab')).stdout).toContain('No changes.');
  });

  test('destroy leaves nothing docknet owns', async () => {
    expectOk(await cdktf({ DOCKNET_LAB_ATTACH: '1', DOCKNET_LAB_SUBNET_A: '10.131.4.0/24' }, 'destroy', 'lab', '--auto-approve'));
    expect((await docker('ps', '-aq', '--filter', 'label=io.docknet.stack=cdktf-lab')).stdout.trim()).toBe('');
    expect((await docker('network', 'ls', '-q', '--filter', 'label=io.docknet.stack=cdktf-lab')).stdout.trim()).toBe('');
  });
});
