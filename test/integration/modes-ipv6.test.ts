// Seed scenario: host and none network modes, and IPv6 on a user-defined bridge.
import { createServer, type Server } from 'node:net';
import { cleanup, docknet, exec, expectOk, ping, stack } from '../helpers';

const SPEC = stack('modes-ipv6.yaml');

describe('host and none network modes; IPv6 on a bridge', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    await cleanup(SPEC);
    server = createServer((s) => s.end('hello-from-host-loopback\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    expectOk(await docknet('apply', SPEC, '--yes'));
  });
  afterAll(async () => {
    server.close();
    await cleanup(SPEC);
  });

  test("a host-mode container shares the host's loopback", async () => {
    const r = await exec('mode-host', 'nc', '127.0.0.1', String(port));
    expect(r.stdout).toContain('hello-from-host-loopback');
  });

  test('a none-mode container has only loopback: the host loopback server is out of its reach', async () => {
    const links = await exec('mode-none', 'ip', '-o', 'link');
    expect(links.stdout.trim().split('\n').map((l) => l.split(':')[1].trim())).toEqual(['lo']);
    // The same connection that reaches the host from host mode finds nothing in its own namespace.
    expect((await exec('mode-none', 'nc', '-w', '2', '127.0.0.1', String(port))).stdout).not.toContain('hello-from-host-loopback');
  });

  test('two containers talk IPv6 on the bridge at their static addresses', async () => {
    const r = await ping('v6-one', 'fd00:d6::11', '-6');
    expect(r.stdout).toContain('64 bytes from fd00:d6::11');
  });

  test('a second plan shows no changes', async () => {
    expect((await docknet('plan', SPEC, '--detailed-exitcode')).code).toBe(0);
  });
});
