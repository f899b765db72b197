// docknet watch unattended: nothing destroyed by absence (a moved, an empty folder, a commit removing
// many stacks, a file an editor deletes and writes again), no fight with the CLI, closed doors, PGP
// keys revoked at once, a busy port, a hung fetch and a corrupt state file — with a real bare
// repository, real `git push`, a real `docknet watch` process and the real engine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerId, docker, docknet, DOCKNET, expectOk, run, tempSpec } from '../helpers';
import { removeStacks, secretFile, SpecRepo, Watcher, waitFor } from './helpers';

const net = (name: string, subnet: string) => `  ${name}:\n    ipv4: { subnet: ${subnet} }\n`;
const box = (name: string, network: string, command = 'sleep, "3600"') => `  ${name}:\n    image: docknet/busybox:latest\n    command: [${command}]\n    networks: [${network}]\n`;
const spec = (networks: string[], containers: string[] = []) => `version: 1\nnetworks:\n${networks.join('')}${containers.length > 0 ? `containers:\n${containers.join('')}` : ''}`;
const exists = async (kind: 'network' | 'container' | 'volume', name: string) => (await docker(kind, 'inspect', name)).code === 0;
const recordManager = async (stack: string) => (await docker('volume', 'inspect', '-f', '{{index .Labels "io.docknet.manager"}}', `docknet-stack.${stack}`)).stdout.trim();
const state = () => mkdtempSync(join(tmpdir(), 'docknet-watch-state-'));

describe('docknet watch: a spec folder moved in git', () => {
  const repo = new SpecRepo();
  const token = secretFile('moved-folder-token');
  const stateDir = state();
  const args = ['--repo', repo.bare, '--path', 'specs', '--state-dir', stateDir, '--interval', '1h', '--resync', '2s', '--token-file', token];
  let watcher = new Watcher(args, 19501);
  let first = '';
  let moved = '';

  beforeAll(async () => {
    await removeStacks('mva', 'mvb');
    expectOk(await docknet('hook', 'install', repo.bare, '--url', watcher.url, '--token-file', token));
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await removeStacks('mva', 'mvb');
  });

  test('`git mv specs net` destroys nothing; /status and docknet status name the problem; drift is still repaired', async () => {
    first = repo.push({ 'mva.yaml': spec([net('mv-a', '10.162.1.0/24')], [box('mv-box', 'mv-a')]), 'mvb.yaml': spec([net('mv-b', '10.162.2.0/24')]) }, 'two stacks');
    await watcher.converged(first);
    const id = containerId('mv-box');
    moved = repo.move('specs', 'net');
    const s = await watcher.attempted(moved);
    expect(s.lastError).toMatchObject({ commit: moved, reason: 'missing-folder' });
    expect(s.lastError!.message).toContain(`the spec folder "specs" of commit ${moved.slice(0, 12)} does not exist: nothing was changed, no stack removed (spec files are in: net`);
    expect(s.lastAppliedCommit).toBe(first);
    expect(s.stacks.map((x) => `${x.name}:${x.state}`).sort()).toEqual(['mva:synced', 'mvb:synced']);
    expect(containerId('mv-box')).toBe(id);
    expect(await exists('network', 'mv-b')).toBe(true);
    const text = await docknet('status', '--watch-url', watcher.url);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('does not exist: nothing was changed, no stack removed');
    const json = await docknet('status', '--watch-url', watcher.url, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).lastError).toMatchObject({ reason: 'missing-folder' });
    // The last good commit is still kept: a network removed by hand comes back meanwhile.
    expectOk(await docker('network', 'rm', 'mv-b'));
    await waitFor(async () => ((await exists('network', 'mv-b')) ? true : undefined), 30_000, 'mv-b to be restored');
    // Another push of the same tree (a poll would do the same) still removes nothing.
    const again = repo.push({}, 'still moved', [], 'net');
    expect((await watcher.attempted(again)).lastError!.reason).toBe('missing-folder');
    expect(containerId('mv-box')).toBe(id);
    expect(watcher.events('pruned')).toHaveLength(0);
  });

  test('fixing --path resumes: the new identity takes its earlier one over (--take-over-from), nothing is recreated', async () => {
    const before = await watcher.status();
    const id = containerId('mv-box');
    await watcher.stop();
    const fixed = new Watcher(['--repo', repo.bare, '--path', 'net', '--state-dir', state(), '--interval', '1h', '--resync', '2s', '--token-file', token, '--take-over-from', before.manager], 19501);
    await fixed.start();
    let s: Awaited<ReturnType<Watcher['converged']>>;
    try {
      s = await fixed.converged(repo.git('rev-parse', 'HEAD'));
      expect(s.manager).not.toBe(before.manager);
      expect(s.stacks.map((x) => `${x.name}:${x.state}`).sort()).toEqual(['mva:synced', 'mvb:synced']);
      expect(await recordManager('mva')).toBe(s.manager);
      expect(containerId('mv-box')).toBe(id);
    } finally {
      await fixed.stop();
    }
    // Back to the first reconciler, which takes its stacks back the same way.
    watcher = new Watcher([...args, '--take-over-from', s.manager], 19501);
    await watcher.start();
    expect((await watcher.attempted(repo.git('rev-parse', 'HEAD'))).lastError!.reason).toBe('missing-folder');
  });

  test('moving the folder back resumes normally', async () => {
    const id = containerId('mv-box');
    const back = repo.move('net', 'specs');
    const s = await watcher.converged(back);
    expect(s.lastError).toBeNull();
    expect(s.stacks.map((x) => `${x.name}:${x.state}`).sort()).toEqual(['mva:synced', 'mvb:synced']);
    expect(await recordManager('mva')).toBe(s.manager);
    expect(containerId('mv-box')).toBe(id);
    // And a real change after it applies.
    const change = repo.push({ 'mvb.yaml': spec([net('mv-b', '10.162.2.0/24'), net('mv-c', '10.162.3.0/24')]) }, 'one more network');
    await watcher.converged(change);
    expect(await exists('network', 'mv-c')).toBe(true);
  });
});

describe('docknet watch: an empty spec folder', () => {
  const repo = new SpecRepo();
  const stateDir = state();
  const token = secretFile('empty-folder-token');
  const args = ['--repo', repo.bare, '--path', 'specs', '--state-dir', stateDir, '--interval', '1h', '--resync', '2s', '--token-file', token, '--max-prune', '5'];
  let watcher = new Watcher(args, 19502);

  beforeAll(async () => {
    await removeStacks('ema', 'emb');
    expectOk(await docknet('hook', 'install', repo.bare, '--url', watcher.url, '--token-file', token));
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await removeStacks('ema', 'emb');
  });

  test('without --allow-empty it prunes nothing and says why', async () => {
    await watcher.converged(repo.push({ 'ema.yaml': spec([net('em-a', '10.163.1.0/24')]), 'emb.yaml': spec([net('em-b', '10.163.2.0/24')]), '.gitkeep': '' }, 'two stacks'));
    const empty = repo.push({ 'ema.yaml': null, 'emb.yaml': null }, 'no spec file left');
    const s = await watcher.attempted(empty);
    expect(s.lastError).toMatchObject({ reason: 'empty-folder' });
    expect(s.lastError!.message).toContain('holds no spec file: it would remove every stack (ema, emb); nothing was changed. To remove them all, start docknet watch with --allow-empty');
    expect(await exists('network', 'em-a')).toBe(true);
    expect(await exists('network', 'em-b')).toBe(true);
  });

  test('with --allow-empty it prunes', async () => {
    await watcher.stop();
    watcher = new Watcher([...args, '--allow-empty'], 19502);
    await watcher.start();
    const s = await watcher.converged(repo.git('rev-parse', 'HEAD'));
    expect(s.stacks.map((x) => `${x.name}:${x.state}`).sort()).toEqual(['ema:removed', 'emb:removed']);
    expect(await exists('network', 'em-a')).toBe(false);
    expect(await exists('network', 'em-b')).toBe(false);
  });
});

describe('docknet watch --max-prune', () => {
  const repo = new SpecRepo();
  const token = secretFile('max-prune-token');
  const watcher = new Watcher(['--repo', repo.bare, '--path', 'specs', '--state-dir', state(), '--interval', '1h', '--resync', '2s', '--token-file', token], 19503);
  const stacks = ['mpa', 'mpb', 'mpc', 'mpkeep', 'mpz'];

  beforeAll(async () => {
    await removeStacks(...stacks);
    expectOk(await docknet('hook', 'install', repo.bare, '--url', watcher.url, '--token-file', token));
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await removeStacks(...stacks);
  });

  test('a commit removing more stacks than allowed is held and shown; the other stacks are still converged', async () => {
    await watcher.converged(
      repo.push({ 'mpa.yaml': spec([net('mp-a', '10.164.1.0/24')]), 'mpb.yaml': spec([net('mp-b', '10.164.2.0/24')]), 'mpc.yaml': spec([net('mp-c', '10.164.3.0/24')]), 'mpkeep.yaml': spec([net('mp-keep', '10.164.4.0/24')]) }, 'four stacks'),
    );
    const held = repo.push({ 'mpa.yaml': null, 'mpb.yaml': null, 'mpkeep.yaml': spec([net('mp-keep', '10.164.4.0/24')], [box('mp-new', 'mp-keep')]) }, 'drop two stacks, change one');
    const s = await watcher.attempted(held);
    expect(s.lastError).toMatchObject({ reason: 'prune-held', commit: held });
    expect(s.pruneHold).toMatchObject({ commit: held, stacks: ['mpa', 'mpb'], maxPrune: 1 });
    expect(s.pruneHold!.allow).toContain(`docknet watch allow-prune ${held} --watch-url ${watcher.url} --token-file ${token}`);
    expect(s.stacks.filter((x) => x.state === 'prune-held').map((x) => x.name).sort()).toEqual(['mpa', 'mpb']);
    expect(await exists('network', 'mp-a')).toBe(true);
    expect(await exists('network', 'mp-b')).toBe(true);
    // The change to the stack that stays was applied meanwhile.
    expect(await exists('container', 'mp-new')).toBe(true);
    const text = await docknet('status', '--watch-url', watcher.url);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/stack mpa +prune-held/);
    expect(text.stdout).toContain('more than --max-prune 1');
    // Resyncs keep it held.
    await watcher.reconciles(2);
    expect(await exists('network', 'mp-a')).toBe(true);
  });

  test('a person allows it (authenticated), and then it is applied', async () => {
    const held = (await watcher.status()).pruneHold!.commit;
    expect((await watcher.post('/allow-prune', undefined, { commit: held })).status).toBe(401);
    expect((await watcher.post('/allow-prune', 'max-prune-token', { commit: 'deadbeefdeadbeef' })).status).toBe(409);
    const denied = await run(DOCKNET, ['watch', 'allow-prune', held.slice(0, 10), '--watch-url', watcher.url]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('HTTP 401');
    const allowed = await run(DOCKNET, ['watch', 'allow-prune', held.slice(0, 10), '--watch-url', watcher.url, '--token-file', token]);
    expectOk(allowed);
    expect(allowed.stdout).toContain(`allowed: commit ${held} may remove mpa, mpb`);
    const s = await watcher.converged(held);
    expect(s.pruneHold).toBeNull();
    expect(s.lastError).toBeNull();
    expect(await exists('network', 'mp-a')).toBe(false);
    expect(await exists('network', 'mp-b')).toBe(false);
    expect(await exists('network', 'mp-c')).toBe(true);
  });

  test('a commit trailer allows it in the commit itself', async () => {
    const commit = repo.push({ 'mpc.yaml': null, 'mpkeep.yaml': null, 'mpz.yaml': spec([net('mp-z', '10.164.5.0/24')]) }, 'replace two stacks by one\n\nDocknet-Allow-Prune: mpc, mpkeep');
    await watcher.converged(commit);
    expect(await exists('network', 'mp-c')).toBe(false);
    expect(await exists('container', 'mp-new')).toBe(false);
    expect(await exists('network', 'mp-z')).toBe(true);
  });
});

describe('docknet watch beside the CLI', () => {
  const repo = new SpecRepo();
  const token = secretFile('beside-cli-token');
  const watcher = new Watcher(['--repo', repo.bare, '--path', 'specs', '--state-dir', state(), '--interval', '1h', '--resync', '2s', '--token-file', token], 19504);
  const text = (seconds: string) => spec([net('cw-net', '10.165.1.0/24')], [box('cw-box', 'cw-net', `sleep, "${seconds}"`)]);
  // The same stack in a file of the operator's: a changed copy.
  const copy = tempSpec('cw.yaml', `stack: cw\n${text('3601')}`);

  beforeAll(async () => {
    await removeStacks('cw');
    expectOk(await docknet('hook', 'install', repo.bare, '--url', watcher.url, '--token-file', token));
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await removeStacks('cw');
  });

  test('apply and destroy of a stack the watcher manages are refused, naming it', async () => {
    const s = await watcher.converged(repo.push({ 'cw.yaml': text('3600') }, 'cw'));
    expect(s.manager).toMatch(/^watch:[0-9a-f]{12}$/);
    expect(await recordManager('cw')).toBe(s.manager);
    const id = containerId('cw-box');
    const apply = await docknet('apply', copy, '--yes');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`stack cw is managed by ${s.manager} since`);
    const destroy = await docknet('destroy', copy, '--yes');
    expect(destroy.code).toBe(1);
    expect(destroy.stderr).toContain(`stack cw is managed by ${s.manager}`);
    expect(containerId('cw-box')).toBe(id);
  });

  test('destroy --take-over removes it; the watcher does not make it again and reports it managed by cli', async () => {
    expectOk(await docknet('destroy', copy, '--yes', '--take-over'));
    expect(await exists('container', 'cw-box')).toBe(false);
    expect(await recordManager('cw')).toBe('cli');
    const st = await waitFor(async () => {
      const s = (await watcher.status()).stacks.find((x) => x.name === 'cw');
      return s?.state === 'managed-elsewhere' ? s : undefined;
    }, 30_000, 'cw to be reported as managed elsewhere');
    expect(st.manager).toBe('cli');
    expect(st.since).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(st.lastError).toContain('managed by cli since');
    // Several resyncs later (and a new commit), it is still not made again, and was reported once, not at every check.
    await watcher.reconciles(3);
    await watcher.converged(repo.push({}, 'a new commit'));
    expect(await exists('container', 'cw-box')).toBe(false);
    expect(await exists('network', 'cw-net')).toBe(false);
    expect(watcher.events('managed-elsewhere').filter((e) => e.stack === 'cw')).toHaveLength(1);
    const text = await docknet('status', '--watch-url', watcher.url);
    expect(text.stdout).toMatch(/stack cw +managed-elsewhere: managed by cli since/);
  });

  test('the CLI manages it now; removing its file from git does not prune it', async () => {
    expectOk(await docknet('apply', copy, '--yes'));
    const id = containerId('cw-box');
    await watcher.reconciles(2);
    expect(containerId('cw-box')).toBe(id);
    const removed = repo.push({ 'cw.yaml': null, '.gitkeep': '' }, 'drop cw');
    await watcher.converged(removed);
    await watcher.reconciles(1);
    expect(containerId('cw-box')).toBe(id);
    expect(await recordManager('cw')).toBe('cli');
    expect(watcher.events('pruned')).toHaveLength(0);
  });
});

describe("docknet watch: the reconciler's doors", () => {
  const repo = new SpecRepo();
  const token = secretFile('the-right-token');
  const secret = secretFile('the-webhook-secret');
  const watcher = new Watcher(['--repo', repo.bare, '--path', 'specs', '--state-dir', state(), '--interval', '1h', '--resync', '1h', '--token-file', token, '--webhook-secret-file', secret], 19505);
  // Another identity (another path), so that it never manages the stacks of this repository.
  const open = new Watcher(['--repo', repo.bare, '--path', 'elsewhere', '--state-dir', state(), '--interval', '1h', '--resync', '1h'], 19506);

  beforeAll(async () => {
    await removeStacks('door');
    await Promise.all([watcher.start(), open.start()]);
  });
  afterAll(async () => {
    await Promise.all([watcher.stop(), open.stop()]);
    await removeStacks('door');
  });

  test('every state-changing endpoint refuses without the token (401) and works with it; reading stays open', async () => {
    for (const path of ['/notify', '/suspend', '/resume', '/allow-prune']) {
      for (const wrong of [undefined, 'wrong-token', '']) {
        const res = await watcher.post(path, wrong, { commit: '0000000' });
        expect([path, res.status]).toEqual([path, 401]);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="docknet watch"');
      }
      for (const right of ['the-right-token', 'the-webhook-secret']) {
        const res = await watcher.post(path, right, { commit: '0000000' });
        // allow-prune passes the door and then finds nothing held (409).
        expect([path, res.status]).toEqual([path, path === '/allow-prune' ? 409 : path === '/notify' ? 202 : 200]);
      }
    }
    expect((await watcher.status()).suspended).toBe(false);
    for (const path of ['/healthz', '/status', '/metrics']) expect((await fetch(`${watcher.url}${path}`)).status).toBe(200);
    // A reconciler without any token refuses them all, and says how to open them.
    const closed = await open.post('/suspend', 'anything');
    expect(closed.status).toBe(401);
    expect(((await closed.json()) as { error: string }).error).toContain('start docknet watch with --token-file FILE');
    expect((await open.status()).suspended).toBe(false);
  });

  test('suspend and resume from the CLI need the token', async () => {
    const refused = await docknet('suspend', '--watch-url', watcher.url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HTTP 401');
    expect((await watcher.status()).suspended).toBe(false);
    expectOk(await docknet('suspend', '--watch-url', watcher.url, '--token-file', token));
    expect((await watcher.status()).suspended).toBe(true);
    expectOk(await docknet('resume', '--watch-url', watcher.url, '--token-file', token));
    expect((await watcher.status()).suspended).toBe(false);
  });

  test('the hook with the token notifies; without it the push waits for the poll', async () => {
    expectOk(await docknet('hook', 'install', repo.bare, '--url', watcher.url));
    const unnotified = repo.push({ 'door.yaml': spec([net('door-net', '10.165.10.0/24')]) }, 'hook without token');
    // The hook ran (git push waits for post-receive) and was refused: nothing was fetched.
    await waitFor(async () => (watcher.events('unauthorized').some((e) => String(e.route) === 'POST /notify') ? true : undefined), 15_000, 'the refused notification to be logged');
    expect((await watcher.status()).lastAttemptedCommit).not.toBe(unnotified);
    expect(await exists('network', 'door-net')).toBe(false);
    const hook = readFileSync(join(repo.bare, 'hooks', 'post-receive'), 'utf8');
    expect(hook).not.toContain('the-right-token');
    expectOk(await docknet('hook', 'install', repo.bare, '--url', watcher.url, '--token-file', token));
    expect(readFileSync(join(repo.bare, 'hooks', 'post-receive'), 'utf8')).not.toContain('the-right-token');
    const notified = repo.push({ 'door.yaml': spec([net('door-net', '10.165.10.0/24'), net('door-net2', '10.165.11.0/24')]) }, 'hook with token');
    await watcher.converged(notified);
    expect(await exists('network', 'door-net2')).toBe(true);
  });

  test('/webhook keeps its HMAC check', async () => {
    expect((await watcher.webhook('{}', 'wrong')).status).toBe(401);
    expect((await watcher.webhook('{}', 'the-webhook-secret')).status).toBe(202);
  });
});

describe('docknet watch --require-signed-commits with PGP keys', () => {
  const gpgMissing = (() => {
    try {
      execFileSync('gpg', ['--version'], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  })();
  const repo = new SpecRepo();
  const gnupg = mkdtempSync(join(tmpdir(), 'docknet-gpg-'));
  const signers = join(mkdtempSync(join(tmpdir(), 'docknet-signers-')), 'allowed.asc');
  const stateDir = state();
  const watcher = new Watcher(['--repo', repo.bare, '--path', 'specs', '--state-dir', stateDir, '--interval', '300ms', '--resync', '1h', '--require-signed-commits', '--allowed-signers', signers], 19507);
  const keys: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
  const gpg = (...args: string[]) => execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env: { ...process.env, GNUPGHOME: gnupg } }).toString();
  const signedBy = (who: 'alice' | 'bob') => ['-c', 'gpg.format=openpgp', '-c', `user.signingkey=${keys[who]}`, '-c', 'commit.gpgsign=true'];

  beforeAll(async () => {
    await removeStacks('pgp');
    if (gpgMissing) return;
    for (const who of ['alice', 'bob'] as const) {
      gpg('--quick-gen-key', `${who} <${who}@example.test>`, 'ed25519', 'sign', 'never');
      keys[who] = /^fpr:+([0-9A-F]+):/m.exec(gpg('--with-colons', '--list-keys', `${who}@example.test`))![1];
    }
    writeFileSync(signers, gpg('--armor', '--export', keys.alice, keys.bob));
    repo.env = { GNUPGHOME: gnupg };
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    if (!gpgMissing) execFileSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: gnupg } });
    rmSync(gnupg, { recursive: true, force: true });
    await removeStacks('pgp');
  });

  (gpgMissing ? test.skip : test)('a commit signed with a listed key is applied; once the key is removed from the file, its next commit is refused', async () => {
    const signed = repo.push({ 'pgp.yaml': spec([net('pgp-net', '10.167.1.0/24')]) }, 'signed by alice', signedBy('alice'));
    await watcher.converged(signed);
    expect(await exists('network', 'pgp-net')).toBe(true);
    // Alice's key is removed from the file (bob's stays): at once, her commits are refused.
    writeFileSync(signers, gpg('--armor', '--export', keys.bob));
    const revoked = repo.push({ 'pgp.yaml': spec([net('pgp-net', '10.167.1.0/24'), net('pgp-net2', '10.167.2.0/24')]) }, 'signed by alice, revoked', signedBy('alice'));
    const s = await watcher.attempted(revoked);
    expect(s.lastError).toMatchObject({ reason: 'unsigned' });
    expect(s.lastError!.message).toContain(`commit ${revoked.slice(0, 12)} is not signed by a key in ${signers}`);
    expect(s.lastAppliedCommit).toBe(signed);
    expect(await exists('network', 'pgp-net2')).toBe(false);
    // Bob signs the same change: applied. No keyring is left behind in the state folder.
    const byBob = repo.push({}, 'signed by bob', signedBy('bob'));
    await watcher.converged(byBob);
    expect(await exists('network', 'pgp-net2')).toBe(true);
    // Each poll checks the commit with a keyring of its own: stopped, none is left behind.
    expect(await watcher.stop()).toBe(0);
    expect(readdirSync(stateDir).filter((f) => f.startsWith('gnupg'))).toEqual([]);
  });
});

describe('docknet watch --dir: deletions are debounced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-debounce-'));
  const watcher = new Watcher(['--dir', dir, '--state-dir', state(), '--resync', '1h', '--debounce', '10s'], 19508);
  const text = spec([net('dd-net', '10.168.20.0/24')], [box('dd-box', 'dd-net')]);

  beforeAll(async () => {
    await removeStacks('dd', 'ddkeep');
    writeFileSync(join(dir, 'dd.yaml'), text);
    // A second stack keeps the folder from being empty (an empty folder is refused, not a removal).
    writeFileSync(join(dir, 'ddkeep.yaml'), spec([net('dd-keep', '10.168.21.0/24')]));
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await removeStacks('dd', 'ddkeep');
  });

  test('a file deleted and written again (as an editor saves) is not a removal; one that stays away is', async () => {
    await waitFor(async () => ((await watcher.status()).stacks.find((s) => s.name === 'dd')?.state === 'synced' ? true : undefined), 60_000, 'dd to be applied');
    const id = containerId('dd-box');
    rmSync(join(dir, 'dd.yaml'));
    await waitFor(async () => ((await watcher.status()).stacks.find((s) => s.name === 'dd')?.state === 'removal-pending' ? true : undefined), 30_000, 'the deletion to be seen');
    writeFileSync(join(dir, 'dd.yaml'), text);
    await waitFor(async () => ((await watcher.status()).stacks.find((s) => s.name === 'dd')?.state === 'synced' ? true : undefined), 30_000, 'dd to be back');
    expect(containerId('dd-box')).toBe(id);
    expect(watcher.events('pruned')).toHaveLength(0);
    rmSync(join(dir, 'dd.yaml'));
    // The log line follows the removal: wait for it, then look at the host.
    await waitFor(async () => (watcher.events('pruned').length > 0 ? true : undefined), 60_000, 'dd to be pruned');
    expect(watcher.events('pruned').map((e) => e.stack)).toEqual(['dd']);
    expect(await exists('network', 'dd-net')).toBe(false);
    expect(await exists('network', 'dd-keep')).toBe(true);
  });
});

describe('docknet watch: start-up faults', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  const listen = (port: number, onConnect?: (s: Socket) => void) =>
    new Promise<Server>((resolve) => {
      const server = createServer((s) => {
        sockets.push(s);
        onConnect?.(s);
      });
      servers.push(server);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await removeStacks('cs', 'csold');
  });

  test('a busy --listen port ends docknet watch at once, non-zero, saying why', async () => {
    await listen(19509);
    const dir = mkdtempSync(join(tmpdir(), 'docknet-busy-'));
    // Bounded by run's own timeout: a watcher that hung would fail this test, not block it forever.
    const r = await run(DOCKNET, ['watch', '--dir', dir, '--state-dir', state(), '--listen', '127.0.0.1:19509'], 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: cannot listen on 127.0.0.1:19509: the address is already in use');
  });

  test('a fetch that never answers is stopped at --git-timeout and reported; the reconciler keeps answering', async () => {
    // A git daemon that accepts connections and never says a word.
    await listen(19510);
    const hung = new Watcher(['--repo', 'git://127.0.0.1:19510/specs.git', '--state-dir', state(), '--interval', '1h', '--resync', '1h', '--git-timeout', '2s'], 19511);
    await hung.start();
    try {
      const s = await waitFor(async () => {
        const st = await hung.status();
        return st.lastError?.reason === 'source-failed' ? st : undefined;
      }, 60_000, 'the hung fetch to be reported');
      expect(s.lastError!.message).toContain('no answer within 2s; stopped it (--git-timeout sets the limit)');
      expect(s.lastAppliedCommit).toBeNull();
      expect((await fetch(`${hung.url}/healthz`)).status).toBe(200);
    } finally {
      await hung.stop();
    }
  });

  test('a corrupt state file is reported and set aside; the reconciler starts clean, still knows its stacks, and converges', async () => {
    await removeStacks('cs', 'csold');
    const repo = new SpecRepo();
    const stateDir = state();
    const args = ['--repo', repo.bare, '--path', 'specs', '--state-dir', stateDir, '--interval', '300ms', '--resync', '2s'];
    let watcher = new Watcher(args, 19512);
    await watcher.start();
    await watcher.converged(repo.push({ 'cs.yaml': spec([net('cs-net', '10.168.1.0/24')]), 'csold.yaml': spec([net('cs-old', '10.168.2.0/24')]) }, 'two stacks'));
    expect(await watcher.stop()).toBe(0);
    writeFileSync(join(stateDir, 'state.json'), '{"managedStacks": ["cs", "csold"], "lastApplied');
    const gone = repo.push({ 'csold.yaml': null, 'cs.yaml': spec([net('cs-net', '10.168.1.0/24'), net('cs-net2', '10.168.3.0/24')]) }, 'drop csold, change cs');
    watcher = new Watcher(args, 19512);
    await watcher.start();
    try {
      const s = await watcher.converged(gone);
      expect(s.warnings).toHaveLength(1);
      expect(s.warnings[0]).toMatch(/^the state file .*state\.json could not be read \(.*\); it was kept as .*state\.json\.corrupt-\S+ and the reconciler started from a clean state/);
      const aside = readdirSync(stateDir).filter((f) => f.startsWith('state.json.corrupt-'));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(stateDir, aside[0]), 'utf8')).toContain('"lastApplied');
      expect(JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'))).toMatchObject({ lastAppliedCommit: gone, managedStacks: ['cs'] });
      expect(watcher.events('state-corrupt')).toHaveLength(1);
      // Its stacks came back from their records on the engine: the removed one was pruned.
      expect(await exists('network', 'cs-net2')).toBe(true);
      expect(await exists('network', 'cs-old')).toBe(false);
      expect(existsSync(join(stateDir, 'state.json'))).toBe(true);
    } finally {
      await watcher.stop();
    }
  });
});
