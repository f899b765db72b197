// The GitOps reconciler with a real bare repository, real `git push`, the real engine and firewall.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteStackRule, docker, ping, run, ttlOf, expectOk } from '../helpers';
import { removeStacks, secretFile, SpecRepo, Watcher, waitFor } from './helpers';

const net = (name: string, subnet: string) => `  ${name}:\n    ipv4: { subnet: ${subnet} }\n`;
const box = (name: string, network: string, ip?: string) =>
  `  ${name}:\n    image: docknet/busybox:latest\n    command: [sleep, "3600"]\n    networks: ${ip ? `{ ${network}: { ipv4: ${ip} } }` : `[${network}]`}\n`;

/** The edge stack: three networks, three containers, optionally more containers and the route. */
const edge = (options: { route?: boolean; extra?: string[]; spare?: string } = {}) =>
  `version: 1\nnetworks:\n${net('gw-a', '10.161.1.0/24')}${net('gw-b', '10.161.2.0/24')}${net('gw-spare', options.spare ?? '10.161.3.0/24')}` +
  `containers:\n${box('gw-one', 'gw-a')}${box('gw-two', 'gw-a')}${box('gw-far', 'gw-b', '10.161.2.10')}${(options.extra ?? []).map((n) => box(n, 'gw-a')).join('')}` +
  (options.route ? 'routes:\n  - between: [gw-a, gw-b]\n' : '');
const OTHER = `version: 1\nnetworks:\n${net('gw-other', '10.161.9.0/24')}`;
const SECRET = 'correct horse battery staple';

const exists = async (kind: 'network' | 'container', name: string) => (await docker(kind, 'inspect', name)).code === 0;

describe('docknet watch', () => {
  const repo = new SpecRepo();
  const stateDir = mkdtempSync(join(tmpdir(), 'docknet-watch-state-'));
  const webhookSecretFile = join(repo.root, 'secret');
  writeFileSync(webhookSecretFile, `${SECRET}\n`);
  const tokenFile = secretFile('watch-test-token');
  const args = ['--repo', repo.bare, '--path', 'specs', '--state-dir', stateDir, '--interval', '1h', '--resync', '2s', '--webhook-secret-file', webhookSecretFile, '--token-file', tokenFile];
  let watcher = new Watcher(args, 19481);
  const stacks = ['edge', 'other', 'crash', 'flap'];

  beforeAll(async () => {
    await removeStacks(...stacks);
    expectOk(await run(join(__dirname, '..', '..', '..', 'bin', 'docknet'), ['hook', 'install', repo.bare, '--url', watcher.url, '--token-file', tokenFile]));
    await watcher.start();
  });

  afterAll(async () => {
    await watcher.stop();
    await removeStacks(...stacks);
  });

  test('a pushed network exists and carries traffic', async () => {
    const commit = repo.push({ 'edge.yaml': edge(), 'other.yaml': OTHER }, 'edge and other');
    const s = await watcher.converged(commit);
    expect(s.stacks.map((x) => `${x.name}:${x.state}`).sort()).toEqual(['edge:synced', 'other:synced']);
    expect((await ping('gw-one', 'gw-two')).stdout).toContain('64 bytes from 10.161.1.');
  });

  test('a pushed route gives ttl=63 across the bridges', async () => {
    expect((await ping('gw-one', '10.161.2.10')).code).not.toBe(0);
    await watcher.converged(repo.push({ 'edge.yaml': edge({ route: true }) }, 'route'));
    expect(ttlOf(await ping('gw-one', '10.161.2.10'))).toBe(63);
  });

  test('an invalid push changes nothing and is reported; the next good push applies', async () => {
    const good = (await watcher.status()).lastAppliedCommit!;
    const bad = repo.push({ 'edge.yaml': edge({ route: true, extra: ['gw-new'], spare: '10.161.3.0/33' }) }, 'broken subnet');
    const s = await waitFor(async () => {
      const st = await watcher.status();
      return st.lastAttemptedCommit === bad && !st.queue.running ? st : undefined;
    }, 15_000, 'the bad commit to be attempted');
    expect(s.lastAppliedCommit).toBe(good);
    expect(s.lastError).toMatchObject({ commit: bad, file: 'specs/edge.yaml', path: 'networks.gw-spare.ipv4.subnet' });
    expect(s.lastError!.message).toContain('"10.161.3.0/33" is not an IPv4 CIDR block');
    expect(await exists('container', 'gw-new')).toBe(false);
    const fixed = repo.push({ 'edge.yaml': edge({ route: true, extra: ['gw-new'] }) }, 'fixed');
    expect((await watcher.converged(fixed)).lastError).toBeNull();
    expect(await exists('container', 'gw-new')).toBe(true);
  });

  test('a network removed by hand is restored', async () => {
    expectOk(await docker('network', 'rm', 'gw-spare'));
    await waitFor(async () => ((await exists('network', 'gw-spare')) ? true : undefined), 15_000, 'gw-spare to come back');
    const s = await waitFor(async () => {
      const st = await watcher.status();
      return st.driftRepairs.some((r) => r.found.some((f) => f.includes('create network gw-spare'))) ? st : undefined;
    }, 5_000, 'the repair to be reported');
    expect(s.stacks.find((x) => x.name === 'edge')!.driftRepairs).toBeGreaterThan(0);
  });

  test('a route rule deleted by hand is restored', async () => {
    await deleteStackRule('edge');
    await waitFor(async () => (ttlOf(await ping('gw-one', '10.161.2.10')) === 63 ? true : undefined), 15_000, 'the route to come back');
  });

  test('a webhook with a bad signature gets 401 and triggers nothing; a signed one applies', async () => {
    const before = (await watcher.status()).lastAttemptedCommit;
    // Push without the hook, as a git server that can only send webhooks would.
    const hook = join(repo.bare, 'hooks', 'post-receive');
    await run('mv', [hook, `${hook}.off`]);
    const commit = repo.push({ 'edge.yaml': edge({ route: true }) }, 'drop gw-new');
    await run('mv', [`${hook}.off`, hook]);
    expect((await watcher.webhook('{"ref":"refs/heads/main"}', 'wrong secret')).status).toBe(401);
    expect((await watcher.webhook('{"ref":"refs/heads/main"}', undefined)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await watcher.status()).lastAttemptedCommit).toBe(before);
    expect(await exists('container', 'gw-new')).toBe(true);
    expect((await watcher.webhook('{"ref":"refs/heads/main"}', SECRET)).status).toBe(202);
    await watcher.converged(commit);
    expect(await exists('container', 'gw-new')).toBe(false);
  });

  test('suspend holds pushes back; resume applies them', async () => {
    expectOk(await run(join(__dirname, '..', '..', '..', 'bin', 'docknet'), ['suspend', '--watch-url', watcher.url, '--token-file', tokenFile]));
    const commit = repo.push({ 'edge.yaml': edge({ route: true, extra: ['gw-late'] }) }, 'while suspended');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await exists('container', 'gw-late')).toBe(false);
    expect((await watcher.status()).suspended).toBe(true);
    expectOk(await run(join(__dirname, '..', '..', '..', 'bin', 'docknet'), ['resume', '--watch-url', watcher.url, '--token-file', tokenFile]));
    await watcher.converged(commit);
    expect(await exists('container', 'gw-late')).toBe(true);
  });

  test('a container that keeps dying is held back with backoff, not retried in a tight loop', async () => {
    const commit = repo.push({ 'flap.yaml': 'version: 1\ncontainers:\n  gw-flap:\n    image: docknet/busybox:latest\n    command: [sh, -c, "exit 1"]\n' }, 'a crashing container');
    const s = await waitFor(async () => {
      const st = await watcher.status();
      const flap = st.stacks.find((x) => x.name === 'flap');
      return st.lastAttemptedCommit === commit && flap?.backoff ? flap : undefined;
    }, 20_000, 'the flapping stack to be held back');
    // Whether verification caught the exit (apply failed) or the die events did (flapping), it backs off.
    expect(s.backoff!.reason).toMatch(/^(apply failed|flapping: \d+ repairs within 60s)$/);
    expect(s.backoff!.seconds).toBeGreaterThanOrEqual(2);
    const count = async () => {
      const text = await (await fetch(`${watcher.url}/metrics`)).text();
      return Number(/docknet_drift_repairs_total\{stack="flap"\} (\d+)/.exec(text)?.[1] ?? 0) + Number(/docknet_reconciles_total\{result="failed"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await count();
    await new Promise((r) => setTimeout(r, 4000));
    // With a 2s resync and backoff doubling from 2s, a handful at most; a tight loop would make hundreds.
    expect((await count()) - before).toBeLessThanOrEqual(4);
    await watcher.converged(repo.push({ 'flap.yaml': null }, 'drop the crashing container'));
  });

  test('removing a stack from the repository removes what it owned, and only that', async () => {
    const commit = repo.push({ 'other.yaml': null }, 'drop other');
    await watcher.converged(commit);
    expect(await exists('network', 'gw-other')).toBe(false);
    expect(await exists('network', 'gw-a')).toBe(true);
  });

  test('metrics and a status a person can read', async () => {
    const metrics = await (await fetch(`${watcher.url}/metrics`)).text();
    expect(metrics).toMatch(/docknet_reconciles_total\{result="applied"\} [1-9]/);
    expect(metrics).toMatch(/docknet_drift_repairs_total\{stack="edge"\} [1-9]/);
    expect(metrics).toContain('docknet_reconcile_duration_seconds_bucket');
    expect(metrics).toMatch(/docknet_last_applied_commit_timestamp_seconds \d/);
    const text = await run(join(__dirname, '..', '..', '..', 'bin', 'docknet'), ['status', '--watch-url', watcher.url]);
    expect(text.stdout).toMatch(/stack edge +synced, \d+ drift repairs/);
  });

  test('killed with SIGKILL mid-apply, a restarted reconciler converges with nothing orphaned', async () => {
    const many = Array.from({ length: 12 }, (_, i) => box(`gw-crash-${i}`, 'gw-crash-net')).join('');
    const commit = repo.push({ 'crash.yaml': `version: 1\nnetworks:\n${net('gw-crash-net', '10.161.20.0/24')}containers:\n${many}` }, 'many containers');
    await waitFor(async () => ((await docker('ps', '-aq', '--filter', 'label=io.docknet.stack=crash')).stdout.trim().split('\n').filter(Boolean).length >= 1 ? true : undefined), 20_000, 'the apply to start');
    expect(await watcher.stop('SIGKILL')).toBeNull();
    const made = (await docker('ps', '-aq', '--filter', 'name=gw-crash-')).stdout.trim().split('\n').filter(Boolean).length;
    expect(made).toBeLessThan(12);
    watcher = new Watcher(args, 19481);
    await watcher.start();
    await watcher.converged(commit, 60_000);
    const all = (await docker('ps', '-a', '--filter', 'name=gw-crash-', '--format', '{{.Names}} {{.Label "io.docknet.stack"}} {{.State}}')).stdout.trim().split('\n');
    expect(all).toHaveLength(12);
    expect(all.every((l) => / crash running$/.test(l))).toBe(true);
  });

  test('SIGTERM finishes the current step and exits cleanly', async () => {
    expect(await watcher.stop('SIGTERM')).toBe(0);
    expect(watcher.log).toContain('"event":"stopped"');
  });
});

describe('docknet watch --require-signed-commits', () => {
  const repo = new SpecRepo();
  const keys = mkdtempSync(join(tmpdir(), 'docknet-keys-'));
  const key = join(keys, 'id_ed25519');
  const signers = join(keys, 'allowed_signers');
  let watcher: Watcher;

  beforeAll(async () => {
    expectOk(await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ops', '-f', key]));
    const pub = (await run('cat', [`${key}.pub`])).stdout.trim().split(' ');
    writeFileSync(signers, `ops@example.test ${pub[0]} ${pub[1]}\n`);
    watcher = new Watcher(['--repo', repo.bare, '--path', 'specs', '--state-dir', mkdtempSync(join(tmpdir(), 'docknet-signed-')), '--interval', '300ms', '--require-signed-commits', '--allowed-signers', signers], 19482);
    await watcher.start();
  });

  afterAll(async () => {
    await watcher.stop();
    await removeStacks('signed');
  });

  test('an unsigned commit is refused and reported; a signed one is applied', async () => {
    const unsigned = repo.push({ 'signed.yaml': `version: 1\nnetworks:\n${net('gw-signed', '10.161.30.0/24')}` }, 'unsigned');
    const s = await waitFor(async () => {
      const st = await watcher.status();
      return st.lastAttemptedCommit === unsigned && st.lastError ? st : undefined;
    }, 15_000, 'the unsigned commit to be refused');
    expect(s.lastError!.message).toContain(`commit ${unsigned.slice(0, 12)} is not signed by a key in ${signers}`);
    expect(await exists('network', 'gw-signed')).toBe(false);
    const signed = repo.push({}, 'signed', ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`, '-c', 'commit.gpgsign=true']);
    await watcher.converged(signed);
    expect(await exists('network', 'gw-signed')).toBe(true);
  });
});

describe('docknet watch --dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-live-'));
  const watcher = new Watcher(['--dir', dir, '--state-dir', mkdtempSync(join(tmpdir(), 'docknet-live-state-'))], 19483);

  beforeAll(() => watcher.start());
  afterAll(async () => {
    await watcher.stop();
    await removeStacks('live');
  });

  test('editing a spec in the folder converges the host', async () => {
    writeFileSync(join(dir, 'live.yaml'), `version: 1\nnetworks:\n${net('gw-live', '10.161.40.0/24')}`);
    await waitFor(async () => ((await exists('network', 'gw-live')) ? true : undefined), 15_000, 'gw-live to be created');
    writeFileSync(join(dir, 'live.yaml'), 'version: 1\n');
    await waitFor(async () => ((await exists('network', 'gw-live')) ? undefined : true), 15_000, 'gw-live to be removed');
  });
});
