// `pulumi up` for real: the Pulumi CLI built from its Go modules (scripts/peers.sh pulumi, set up by
// scripts/test.sh) runs the seed-lab program of Pulumi.yaml with a local file backend and no network:
// preview, up (traffic proven), a second up with no changes, an update that recreates a network with a
// container attached (traffic at once), refresh after drift made by hand, and destroy.
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerId, docker, expectOk, ping, ROOT, run, ttlOf, type Result } from '../helpers';

const BIN = process.env.DOCKNET_PULUMI_BIN;
const UNAVAILABLE = process.env.DOCKNET_PULUMI_UNAVAILABLE ?? 'DOCKNET_PULUMI_BIN is not set: run the suite with npm test, which builds the Pulumi CLI (scripts/peers.sh pulumi)';
const STACK = 'citest';
// Absent tool: the Pulumi CLI could not be built here; the reason is the build's own error.
const suite = BIN ? describe : describe.skip;

suite(`pulumi CLI on the seed lab${BIN ? '' : ` (skipped: the Pulumi CLI is absent — ${UNAVAILABLE})`}`, () => {
  const home = mkdtempSync(join(tmpdir(), 'docknet-pulumi-home-'));
  const state = mkdtempSync(join(tmpdir(), 'docknet-pulumi-state-'));
  // The repository's Pulumi project, run from a folder of its own so that the stack's files stay out of
  // the repository: Pulumi.yaml pointing at the compiled program, and the project's node_modules.
  const project = mkdtempSync(join(tmpdir(), 'docknet-pulumi-project-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${BIN}:${process.env.PATH}`,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: '',
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
  };
  const pulumi = (...args: string[]): Promise<Result> => run(join(BIN ?? '', 'pulumi'), [...args, '--cwd', project, '--stack', STACK, '--non-interactive'], 300_000, env);
  const address = async (container: string, network: string) => (await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container)).stdout.trim();

  beforeAll(async () => {
    await run('ip', ['link', 'del', 'dn-pl0']);
    expectOk(await run('ip', ['link', 'add', 'dn-pl0', 'type', 'veth', 'peer', 'name', 'dn-pl1']));
    await run('ip', ['link', 'set', 'dn-pl0', 'up']);
    await run('ip', ['link', 'set', 'dn-pl1', 'up']);
    writeFileSync(join(project, 'Pulumi.yaml'), readFileSync(join(ROOT, 'Pulumi.yaml'), 'utf8').replace(/^main: (.*)$/m, (_m, main: string) => `main: ${join(ROOT, main)}`));
    symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'));
    expectOk(await pulumi('stack', 'init'));
  });

  afterAll(async () => {
    await pulumi('destroy', '--yes');
    await run('ip', ['link', 'del', 'dn-pl0']);
  });

  test('the CLI is the pinned release', async () => {
    const r = await run(join(BIN!, 'pulumi'), ['version'], 60_000, env);
    expect(r.stdout.trim()).toBe('v3.248.0');
  });

  test('preview lists what up will create, and changes nothing', async () => {
    const r = await pulumi('preview');
    expectOk(r);
    expect(r.stdout).toContain('+ 11 to create');
    expect((await docker('network', 'inspect', 'pl-a')).code).not.toBe(0);
  });

  test('up converges the engine: ttl=63 across the route', async () => {
    const r = await pulumi('up', '--yes');
    expectOk(r);
    expect(r.stdout).toContain('+ 11 created');
    expect(ttlOf(await ping('pl-client', await address('pl-web', 'pl-b')))).toBe(63);
  });

  test('a second up has no changes', async () => {
    expectOk(await pulumi('up', '--yes', '--expect-no-changes'));
  });

  test('a new subnet for a network with a container attached: one update, the container reconnected, routed at once', async () => {
    const id = containerId('pl-client');
    expectOk(await pulumi('config', 'set', 'subnetA', '10.111.4.0/24'));
    const r = await pulumi('up', '--yes');
    expectOk(r);
    expect(r.stdout).toContain('~ 1 updated');
    expect(containerId('pl-client')).toBe(id);
    const client = await address('pl-client', 'pl-a');
    expect(client).toMatch(/^10\.111\.4\.\d+$/);
    expect(ttlOf(await ping('pl-client', await address('pl-web', 'pl-b')))).toBe(63);
    expect(ttlOf(await ping('pl-web', client))).toBe(63);
    expectOk(await pulumi('up', '--yes', '--expect-no-changes'));
  });

  test('refresh sees drift made by hand; the next up repairs it', async () => {
    expectOk(await docker('network', 'disconnect', 'pl-b', 'pl-web'));
    const refresh = await pulumi('refresh', '--yes');
    expectOk(refresh);
    expect(refresh.stdout).toContain('~ 1 updated');
    expect((await pulumi('preview', '--expect-no-changes')).code).not.toBe(0);
    expectOk(await pulumi('up', '--yes'));
    expect(ttlOf(await ping('pl-client', await address('pl-web', 'pl-b')))).toBe(63);
  });

  test('destroy leaves nothing docknet owns', async () => {
    expectOk(await pulumi('destroy', '--yes'));
    expect((await docker('ps', '-aq', '--filter', 'name=pl-')).stdout.trim()).toBe('');
    expect((await docker('network', 'ls', '-q', '--filter', 'name=pl-')).stdout.trim()).toBe('');
  });
});
