// Which engine docknet talks to, resolved as the docker CLI resolves it, from a docker config folder
// made for each test (contexts, TLS material) and the environment given explicitly; and what a person
// reads when that engine does not answer.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, EngineUnreachable } from '../../lib/drivers/docker';
import { connectTimeoutSeconds, contextId, describeEndpoint, dialStdio, EndpointError, endpointName, parseEndpoint, resolveEndpoint, shellQuote, sshArgs, type EndpointChoice } from '../../lib/drivers/endpoint';
import { DOCKNET, run } from '../helpers';

let config: string;
beforeEach(() => {
  config = mkdtempSync(join(tmpdir(), 'docknet-endpoint-'));
});
afterEach(() => rmSync(config, { recursive: true, force: true }));

/** Writes a context as `docker context create` does: meta.json under the sha256 of its name, TLS material beside. */
function context(name: string, host: string, options: { skipTlsVerify?: boolean; tls?: Record<string, string> } = {}): void {
  const meta = join(config, 'contexts', 'meta', contextId(name));
  mkdirSync(meta, { recursive: true });
  writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: options.skipTlsVerify ?? false } } }));
  if (options.tls) {
    const dir = join(config, 'contexts', 'tls', contextId(name), 'docker');
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(options.tls)) writeFileSync(join(dir, file), text);
  }
}

function currentContext(name: string): void {
  writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: {}, currentContext: name }));
}

/** Resolves with only this environment (plus the test's DOCKER_CONFIG): nothing leaks in from the machine. */
const resolve = (env: NodeJS.ProcessEnv = {}, choice: Omit<EndpointChoice, 'env'> = {}) => resolveEndpoint({ ...choice, env: { DOCKER_CONFIG: config, ...env } });
const failure = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EndpointError);
    return (e as Error).message;
  }
  throw new Error('expected an EndpointError');
};

describe('precedence, as the docker CLI: --host, --context, DOCKER_HOST, DOCKER_CONTEXT, current context, the local socket', () => {
  beforeEach(() => {
    context('prod', 'ssh://ops@10.9.0.5');
    context('lab', 'tcp://10.9.0.6:2375');
  });

  test('nothing set: the local socket, said to be the default', () => {
    const ep = resolve();
    expect(ep).toMatchObject({ kind: 'unix', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock', source: 'the default' });
    expect(describeEndpoint(ep)).toBe('unix:///var/run/docker.sock (the default)');
  });

  test('the current context of config.json', () => {
    currentContext('lab');
    const ep = resolve();
    expect(ep).toMatchObject({ kind: 'tcp', url: 'tcp://10.9.0.6:2375', context: 'lab', source: `current context lab of ${join(config, 'config.json')}` });
    expect(endpointName(ep)).toBe('tcp://10.9.0.6:2375 via context lab');
  });

  test('a current context named "default" is the flags and environment', () => {
    currentContext('default');
    expect(resolve()).toMatchObject({ kind: 'unix', source: 'the default' });
  });

  test('DOCKER_CONTEXT beats the current context', () => {
    currentContext('lab');
    const ep = resolve({ DOCKER_CONTEXT: 'prod' });
    expect(ep).toMatchObject({ kind: 'ssh', url: 'ssh://ops@10.9.0.5', context: 'prod', source: 'DOCKER_CONTEXT=prod' });
    expect(describeEndpoint(ep)).toBe('ssh://ops@10.9.0.5 (from DOCKER_CONTEXT=prod)');
  });

  test('DOCKER_HOST beats DOCKER_CONTEXT and the current context', () => {
    currentContext('lab');
    expect(resolve({ DOCKER_HOST: 'unix:///run/other.sock', DOCKER_CONTEXT: 'prod' })).toMatchObject({ kind: 'unix', socketPath: '/run/other.sock', source: 'DOCKER_HOST', context: undefined });
  });

  test('--context beats DOCKER_HOST, DOCKER_CONTEXT and the current context', () => {
    currentContext('lab');
    expect(resolve({ DOCKER_HOST: 'unix:///run/other.sock', DOCKER_CONTEXT: 'lab' }, { context: 'prod' })).toMatchObject({ url: 'ssh://ops@10.9.0.5', source: '--context prod', context: 'prod' });
  });

  test('--context default is the environment: DOCKER_HOST when set, else the socket', () => {
    expect(resolve({ DOCKER_HOST: 'tcp://10.9.0.7:2375' }, { context: 'default' })).toMatchObject({ url: 'tcp://10.9.0.7:2375', source: '--context default, DOCKER_HOST' });
    expect(resolve({}, { context: 'default' })).toMatchObject({ url: 'unix:///var/run/docker.sock', source: '--context default' });
  });

  test('--host beats everything, and says how a front-end named it', () => {
    currentContext('lab');
    const ep = resolve({ DOCKER_HOST: 'unix:///run/other.sock', DOCKER_CONTEXT: 'prod' }, { host: 'ssh://root@10.9.0.8:2222', hostSource: 'docker_host of the provider' });
    expect(ep).toMatchObject({ kind: 'ssh', url: 'ssh://root@10.9.0.8:2222', source: 'docker_host of the provider' });
  });

  test('empty values count as unset, as with the CLI', () => {
    currentContext('lab');
    expect(resolve({ DOCKER_HOST: '', DOCKER_CONTEXT: '' }, { host: '', context: '' })).toMatchObject({ context: 'lab' });
  });

  test('a context made by the real docker CLI is read (same store layout)', () => {
    execFileSync('docker', ['context', 'create', 'made-by-cli', '--docker', 'host=ssh://ops@10.9.0.9'], { env: { ...process.env, DOCKER_CONFIG: config }, stdio: 'ignore' });
    expect(resolve({}, { context: 'made-by-cli' })).toMatchObject({ kind: 'ssh', url: 'ssh://ops@10.9.0.9', ssh: { user: 'ops', host: '10.9.0.9' } });
  });
});

describe('errors: one line, naming what was given and where it came from; nothing is contacted', () => {
  test('--host and --context together', () => {
    context('prod', 'ssh://ops@10.9.0.5');
    expect(failure(() => resolve({}, { host: 'tcp://10.9.0.6', context: 'prod' }))).toBe('conflicting options: either specify --host or --context, not both');
  });

  test('a context that does not exist, by each way of naming it', () => {
    const meta = join(config, 'contexts', 'meta', contextId('nope'), 'meta.json');
    expect(failure(() => resolve({}, { context: 'nope' }))).toBe(`docker context "nope" (--context nope) does not exist: no ${meta} (docker context ls lists the contexts)`);
    expect(failure(() => resolve({ DOCKER_CONTEXT: 'nope' }))).toContain('docker context "nope" (DOCKER_CONTEXT=nope) does not exist');
    currentContext('nope');
    expect(failure(() => resolve())).toContain(`docker context "nope" (current context nope of ${join(config, 'config.json')}) does not exist`);
  });

  test('a context whose meta.json is broken, or has no Docker endpoint', () => {
    const dir = join(config, 'contexts', 'meta', contextId('broken'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'meta.json'), '{ not json');
    expect(failure(() => resolve({}, { context: 'broken' }))).toMatch(/^docker context "broken" \(--context broken\) cannot be read: .*meta\.json: /);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ Name: 'broken', Endpoints: {} }));
    expect(failure(() => resolve({}, { context: 'broken' }))).toContain('has no Docker endpoint');
  });

  test.each([
    ['tcp://a b', 'not a URL such as tcp://host:2376 or ssh://user@host'],
    ['ftp://10.0.0.1', 'unknown scheme ftp:// (docknet speaks unix://, tcp:// and ssh://)'],
    ['unix://run/docker.sock', 'a unix socket needs an absolute path (unix:///var/run/docker.sock)'],
    ['npipe:////./pipe/docker_engine', 'named pipes (npipe://) exist only on Windows'],
    ['tcp://10.0.0.1:2375/v1.41', 'a tcp endpoint takes no path'],
    ['ssh://ops:secret@10.0.0.1', 'a password in the URL is not supported: use keys or an ssh agent'],
    ['ssh://', 'the host name is empty'],
    ['ssh://-oProxyCommand=x@10.0.0.1', '"-oProxyCommand=x" is not a user name'],
    ['ssh://ops@10.0.0.1/run/docker.sock;reboot', '"/run/docker.sock;reboot" is not a socket path'],
    ['ssh://ops@10.0.0.1?x=1', 'query parameters and fragments are not allowed'],
  ])('malformed endpoint %s', (url, why) => {
    expect(failure(() => resolve({}, { host: url }))).toBe(`Docker endpoint "${url}" (--host): ${why}`);
  });

  test('a malformed DOCKER_HOST says it came from DOCKER_HOST', () => {
    expect(failure(() => resolve({ DOCKER_HOST: 'tcp://a b' }))).toBe('Docker endpoint "tcp://a b" (DOCKER_HOST): not a URL such as tcp://host:2376 or ssh://user@host');
  });

  test('DOCKER_TLS_VERIFY with a DOCKER_CERT_PATH that holds no ca.pem', () => {
    expect(failure(() => resolve({ DOCKER_HOST: 'tcp://10.0.0.1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: config }))).toBe(
      `DOCKER_TLS_VERIFY is set but ${join(config, 'ca.pem')} does not exist (DOCKER_CERT_PATH names the folder holding ca.pem, cert.pem and key.pem)`,
    );
  });

  test('DOCKNET_CONNECT_TIMEOUT must be whole seconds', () => {
    expect(connectTimeoutSeconds({})).toBe(10);
    expect(connectTimeoutSeconds({ DOCKNET_CONNECT_TIMEOUT: '3' })).toBe(3);
    // Refused as every setting is (lib/settings.ts), before anything is contacted.
    expect(() => connectTimeoutSeconds({ DOCKNET_CONNECT_TIMEOUT: '1.5' })).toThrow('DOCKNET_CONNECT_TIMEOUT="1.5": expected a whole number, 1 or more');
  });
});

describe('tcp and TLS', () => {
  const material = { 'ca.pem': 'CA', 'cert.pem': 'CERT', 'key.pem': 'KEY' };

  test('without TLS: plain HTTP on 2375; no scheme and an empty host mean tcp on this machine, as with the CLI', () => {
    expect(resolve({ DOCKER_HOST: 'tcp://10.0.0.1' })).toMatchObject({ kind: 'tcp', url: 'tcp://10.0.0.1:2375', tcp: { host: '10.0.0.1', port: 2375, tls: undefined } });
    expect(resolve({ DOCKER_HOST: '10.0.0.1:4243' })).toMatchObject({ url: 'tcp://10.0.0.1:4243' });
    expect(resolve({ DOCKER_HOST: 'tcp://:2375' })).toMatchObject({ url: 'tcp://127.0.0.1:2375' });
    expect(resolve({ DOCKER_HOST: 'tcp://[fd00::5]:2375' })).toMatchObject({ url: 'tcp://[fd00::5]:2375', tcp: { host: 'fd00::5' } });
  });

  test('DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: verified TLS on 2376 with the folder\'s material', () => {
    const certs = join(config, 'certs');
    mkdirSync(certs);
    for (const [f, t] of Object.entries(material)) writeFileSync(join(certs, f), t);
    const ep = resolve({ DOCKER_HOST: 'tcp://docker.example.test', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(ep.url).toBe('tcp://docker.example.test:2376');
    expect(ep.tcp!.tls).toMatchObject({ verify: true, from: certs });
    expect([ep.tcp!.tls!.ca, ep.tcp!.tls!.cert, ep.tcp!.tls!.key].map(String)).toEqual(['CA', 'CERT', 'KEY']);
  });

  test('DOCKER_TLS_VERIFY without DOCKER_CERT_PATH: the material of the docker config folder', () => {
    for (const [f, t] of Object.entries(material)) writeFileSync(join(config, f), t);
    expect(resolve({ DOCKER_HOST: 'tcp://10.0.0.1', DOCKER_TLS_VERIFY: '1' }).tcp!.tls).toMatchObject({ verify: true, from: config });
  });

  test('DOCKER_TLS alone: TLS without verifying the server', () => {
    expect(resolve({ DOCKER_HOST: 'tcp://10.0.0.1', DOCKER_TLS: '1' }).tcp!.tls).toMatchObject({ verify: false });
  });

  test('TLS from the environment applies to --host too', () => {
    expect(resolve({ DOCKER_TLS: '1' }, { host: 'tcp://10.0.0.1' }).url).toBe('tcp://10.0.0.1:2376');
  });

  test('https:// means verified TLS; http:// means none', () => {
    expect(resolve({ DOCKER_HOST: 'https://10.0.0.1' })).toMatchObject({ url: 'tcp://10.0.0.1:2376', tcp: { tls: { verify: true } } });
    expect(resolve({ DOCKER_HOST: 'http://10.0.0.1', DOCKER_TLS_VERIFY: '1' })).toMatchObject({ url: 'tcp://10.0.0.1:2375', tcp: { tls: undefined } });
  });

  test('a context\'s TLS comes from its store (not the environment); SkipTLSVerify turns verification off', () => {
    context('secure', 'tcp://10.0.0.2:2376', { tls: material });
    context('skip', 'tcp://10.0.0.3', { skipTlsVerify: true });
    context('plain', 'tcp://10.0.0.4');
    const secure = resolve({}, { context: 'secure' }).tcp!.tls!;
    expect(secure).toMatchObject({ verify: true, from: join(config, 'contexts', 'tls', contextId('secure'), 'docker') });
    expect(String(secure.key)).toBe('KEY');
    expect(resolve({}, { context: 'skip' })).toMatchObject({ url: 'tcp://10.0.0.3:2376', tcp: { tls: { verify: false } } });
    expect(resolve({ DOCKER_TLS_VERIFY: '1' }, { context: 'plain' })).toMatchObject({ url: 'tcp://10.0.0.4:2375', tcp: { tls: undefined } });
  });
});

describe('ssh endpoints: parsed as the docker CLI reads them, and the ssh command line built from them', () => {
  test.each([
    ['ssh://10.0.0.1', { user: undefined, host: '10.0.0.1', port: undefined, socketPath: undefined }, 'ssh://10.0.0.1'],
    ['ssh://ops@h1.example.test:2222', { user: 'ops', host: 'h1.example.test', port: 2222 }, 'ssh://ops@h1.example.test:2222'],
    ['ssh://root@[fd00::1]/run/d28/docker.sock', { user: 'root', host: 'fd00::1', socketPath: '/run/d28/docker.sock' }, 'ssh://root@[fd00::1]/run/d28/docker.sock'],
  ])('%s', (url, ssh, shown) => {
    const ep = parseEndpoint(url, 'DOCKER_HOST');
    expect(ep.kind).toBe('ssh');
    expect(ep.ssh).toMatchObject(ssh);
    expect(ep.url).toBe(shown);
  });

  test('the ssh arguments: batch mode, bounded connect, keep-alives, -F from DOCKNET_SSH_CONFIG, user and port, then -- and one quoted remote command', () => {
    const target = parseEndpoint('ssh://ops@10.0.0.1:2222/run/x.sock', '--host').ssh!;
    const args = sshArgs(target, dialStdio(target), { DOCKNET_SSH_CONFIG: '/etc/docknet/ssh_config', DOCKNET_SSH_MULTIPLEX: '0', DOCKNET_CONNECT_TIMEOUT: '4' });
    expect(args).toEqual(['-F', '/etc/docknet/ssh_config', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=4', '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=3', '-T', '-l', 'ops', '-p', '2222', '--', '10.0.0.1', 'docker --host=unix:///run/x.sock system dial-stdio']);
  });

  test('connections to one host share one ssh connection unless DOCKNET_SSH_MULTIPLEX=0', () => {
    const target = parseEndpoint('ssh://10.0.0.1', '--host').ssh!;
    const env = { XDG_RUNTIME_DIR: config };
    expect(sshArgs(target, ['true'], env)).toEqual(expect.arrayContaining(['ControlMaster=auto', `ControlPath=${join(config, `docknet-ssh-${process.getuid!()}`, '%C')}`]));
    expect(sshArgs(target, ['true'], { ...env, DOCKNET_SSH_MULTIPLEX: '0' }).join(' ')).not.toContain('ControlMaster');
  });

  test('every word of the remote command reaches the far side unchanged', () => {
    expect(shellQuote('iptables')).toBe('iptables');
    expect(shellQuote('docknet:lab:a=b')).toBe('docknet:lab:a=b');
    expect(shellQuote("it's; rm -rf /")).toBe(`'it'\\''s; rm -rf /'`);
    expect(shellQuote('')).toBe("''");
    const remote = execFileSync('sh', ['-c', `printf '%s\\n' ${['-m', 'comment', "it's $(x) `y`", 'a b'].map(shellQuote).join(' ')}`]).toString();
    expect(remote).toBe("-m\ncomment\nit's $(x) `y`\na b\n");
  });
});

describe('an engine that does not answer: one clear line, fast, naming the endpoint and how it was chosen', () => {
  const unreachable = async (host: string): Promise<{ error: unknown; ms: number }> => {
    const started = Date.now();
    const error = await new Engine(resolveEndpoint({ host, env: { DOCKER_CONFIG: config } })).ping().then(() => undefined, (e: unknown) => e);
    return { error, ms: Date.now() - started };
  };

  /** A TCP port on loopback that refuses connections: one that was just listened on and closed. */
  const refusedPort = async (): Promise<number> => {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    await new Promise((ok) => server.close(ok));
    return port;
  };

  test('a unix socket that does not exist', async () => {
    const sock = join(config, 'missing.sock');
    const { error, ms } = await unreachable(`unix://${sock}`);
    expect(error).toBeInstanceOf(EngineUnreachable);
    expect((error as Error).message).toBe(`engine unix://${sock} (from --host) does not answer: no socket at ${sock} (is dockerd running?)`);
    expect(ms).toBeLessThan(2000);
  });

  test('a tcp port on loopback that refuses', async () => {
    const port = await refusedPort();
    const { error, ms } = await unreachable(`tcp://127.0.0.1:${port}`);
    expect(error).toBeInstanceOf(EngineUnreachable);
    expect((error as Error).message).toBe(`engine tcp://127.0.0.1:${port} (from --host) does not answer: connection to 127.0.0.1:${port} refused`);
    expect(ms).toBeLessThan(2000);
  });

  test('the command line prints exactly that one line and exits 1, whatever DOCKER_HOST says', async () => {
    const port = await refusedPort();
    const spec = join(config, 'one.yaml');
    writeFileSync(spec, 'version: 1\nstack: unreachable-test\n');
    for (const [args, line] of [
      [['-H', `tcp://127.0.0.1:${port}`, 'plan', spec], `error: engine tcp://127.0.0.1:${port} (from --host) does not answer: connection to 127.0.0.1:${port} refused`],
      [['status', spec], `error: engine unix://${join(config, 'gone.sock')} (from DOCKER_HOST) does not answer: no socket at ${join(config, 'gone.sock')} (is dockerd running?)`],
    ] as const) {
      const started = Date.now();
      const r = await run(DOCKNET, [...args], 30_000, { ...process.env, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${join(config, 'gone.sock')}` });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 1, stdout: '', stderr: `${line}\n` });
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });
});
