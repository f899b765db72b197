// A fleet from one repository: hosts/h1/, hosts/h2/ and shared/ in one bare git repository; two
// engines (each in its own namespace, reached over ssh), and a `docknet watch` per host following
// its own folder and shared/ (--path hosts/hN --path shared), h1 by -H, h2 by a Docker context. One
// hook notifies both. A push that changes shared/ converges both hosts; one that changes hosts/h1/
// changes h1 only. Traffic on each host proves it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docknet, expectOk, ttlOf } from '../helpers';
import { secretFile, SpecRepo, Watcher } from '../reconciler/helpers';
import { cleanEnv, SETUP_TIMEOUT_MS, sleeper, SshAccess, TestLab, type TestEngine } from './engines';

jest.setTimeout(180_000);

const H1 = '198.18.43.2';
const H2 = '198.18.44.2';

const SHARED = (route: boolean) => `version: 1
stack: fleet-shared
networks:
  fl-a: { ipv4: { subnet: 10.240.1.0/24 } }
  fl-b: { ipv4: { subnet: 10.240.2.0/24 } }
containers:
${sleeper('fl-left', '{ fl-a: { ipv4: 10.240.1.10 } }')}${sleeper('fl-right', '{ fl-b: { ipv4: 10.240.2.10 } }')}${route ? 'routes:\n  - between: [fl-a, fl-b]\n' : ''}`;

/** A host's own stack: its containers on a shared network (external here: the shared stack owns it). */
const HOST = (host: string, network: string, boxes: Record<string, string>) => `version: 1
stack: fleet-${host}
networks:
  ${network}: { external: true }
containers:
${Object.entries(boxes)
  .map(([name, ip]) => sleeper(name, `{ ${network}: { ipv4: ${ip} } }`))
  .join('')}`;

const lab = new TestLab();
const ssh = new SshAccess();
const repo = new SpecRepo();
const state = mkdtempSync(join(tmpdir(), 'docknet-fleet-'));
const dockerConfig = join(state, 'docker-config');
let h1: TestEngine;
let h2: TestEngine;
let w1: Watcher;
let w2: Watcher;

/** The ids of a host's containers, by name: a host that a push does not concern keeps them all. */
async function containerIds(engine: TestEngine): Promise<Record<string, string>> {
  const r = await engine.docker('ps', '-a', '--filter', 'label=io.docknet.managed=true', '--format', '{{.Names}} {{.ID}}');
  expectOk(r);
  return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')));
}

beforeAll(async () => {
  h1 = await lab.engine('dnremote-f1', { link: ['198.18.43.1/30', `${H1}/30`] });
  h2 = await lab.engine('dnremote-f2', { engine: '28', link: ['198.18.44.1/30', `${H2}/30`] });
  await ssh.sshd(h1, H1);
  await ssh.sshd(h2, H2);
  execFileSync('docker', ['context', 'create', 'fleet-h2', '--docker', `host=ssh://root@${H2}`], { env: cleanEnv({ DOCKER_CONFIG: dockerConfig }), stdio: 'ignore' });
  const token = secretFile('fleet-token');
  const follow = (host: string) => ['--repo', repo.bare, '--branch', 'main', '--path', `hosts/${host}`, '--path', 'shared', '--token-file', token, '--resync', '5s', '--state-dir', join(state, host)];
  w1 = new Watcher(['-H', `ssh://root@${H1}`, ...follow('h1')], 19521, ssh.env());
  w2 = new Watcher(['--context', 'fleet-h2', ...follow('h2')], 19522, ssh.env({ DOCKER_CONFIG: dockerConfig }));
  // One hook for the fleet: a push notifies every host's reconciler.
  expectOk(await docknet('hook', 'install', repo.bare, '--url', w1.url, '--url', w2.url, '--token-file', token));
  await w1.start();
  await w2.start();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([w1?.stop(), w2?.stop()]);
  await lab.down();
  ssh.remove();
  rmSync(repo.root, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
}, SETUP_TIMEOUT_MS);

describe('one repository, a folder per host plus shared specs, a reconciler per host', () => {
  test('the first push converges each host to its own folder and the shared one', async () => {
    repo.push({ 'net.yaml': SHARED(false) }, 'shared networks', [], 'shared');
    repo.push({ 'app.yaml': HOST('h1', 'fl-a', { 'h1-app': '10.240.1.21' }) }, 'h1 app', [], 'hosts/h1');
    const commit = repo.push({ 'app.yaml': HOST('h2', 'fl-b', { 'h2-app': '10.240.2.22' }) }, 'h2 app', [], 'hosts/h2');
    await Promise.all([w1.converged(commit, 120_000), w2.converged(commit, 120_000)]);
    expect(await h1.owned('fleet-shared')).toEqual(['fl-a', 'fl-b', 'fl-left', 'fl-right']);
    expect(await h2.owned('fleet-shared')).toEqual(['fl-a', 'fl-b', 'fl-left', 'fl-right']);
    expect([await h1.owned('fleet-h1'), await h1.owned('fleet-h2')]).toEqual([['h1-app'], []]);
    expect([await h2.owned('fleet-h2'), await h2.owned('fleet-h1')]).toEqual([['h2-app'], []]);
    // No route yet: the bridges are isolated on both hosts.
    expect((await h1.ping('fl-left', '10.240.2.10')).code).not.toBe(0);
    expect((await h2.ping('fl-left', '10.240.2.10')).code).not.toBe(0);
  });

  test('each reconciler names its engine', async () => {
    expect((await w1.status()).endpoint).toBe(`ssh://root@${H1} (from --host)`);
    expect((await w2.status()).endpoint).toBe(`ssh://root@${H2} (from --context fleet-h2)`);
    const text = await docknet('status', '--watch-url', w2.url);
    expect(text.stdout).toContain(`engine          ssh://root@${H2} (from --context fleet-h2), connected`);
  });

  test('a push that changes shared/ converges both hosts: the route carries traffic on each', async () => {
    const commit = repo.push({ 'net.yaml': SHARED(true) }, 'shared: route fl-a ⇄ fl-b', [], 'shared');
    await Promise.all([w1.converged(commit, 120_000), w2.converged(commit, 120_000)]);
    for (const host of [h1, h2]) {
      expect(ttlOf(await host.ping('fl-left', '10.240.2.10'))).toBe(63);
      expect(ttlOf(await host.ping('fl-right', '10.240.1.10'))).toBe(63);
      expect(host.rules('filter', 'DOCKER-USER')).toContain('docknet:fleet-shared:fl-a=fl-b');
    }
    expect(ttlOf(await h1.ping('h1-app', '10.240.2.10'))).toBe(63);
    expect(ttlOf(await h2.ping('h2-app', '10.240.1.10'))).toBe(63);
  });

  test('a push that changes hosts/h1/ changes h1 only', async () => {
    const before = await containerIds(h2);
    const commit = repo.push({ 'app.yaml': HOST('h1', 'fl-a', { 'h1-app': '10.240.1.21', 'h1-extra': '10.240.1.31' }) }, 'h1: one more app', [], 'hosts/h1');
    await Promise.all([w1.converged(commit, 120_000), w2.converged(commit, 120_000)]);
    expect(await h1.owned('fleet-h1')).toEqual(['h1-app', 'h1-extra']);
    expect(ttlOf(await h1.ping('h1-extra', '10.240.2.10'))).toBe(63);
    expect(await containerIds(h2)).toEqual(before);
    expect(await h2.owned('fleet-h1')).toEqual([]);
    expect((await h2.docker('ps', '-a', '--format', '{{.Names}}')).stdout).not.toContain('h1-extra');
  });
});
