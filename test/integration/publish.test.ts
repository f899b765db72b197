// Seed scenario: port publishes DNAT host ports to a container; one publish is bound to loopback only.
import { connect } from 'node:net';
import { cleanup, docknet, expectOk, stack } from '../helpers';

const SPEC = stack('publish.yaml');

/** Opens a TCP connection, sends an HTTP GET and returns what came back, or the error code. */
function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    let data = '';
    socket.on('connect', () => socket.write(`GET /index.html HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data));
    socket.on('timeout', () => socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
  });
}

async function eventually(fn: () => Promise<string>, expected: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    last = await fn();
    if (last.includes(expected)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

describe('port publishes 8080:80/tcp and 8443:443/tcp, and one on 127.0.0.1 only', () => {
  beforeAll(async () => {
    await cleanup(SPEC);
    expectOk(await docknet('apply', SPEC, '--yes'));
  });
  afterAll(() => cleanup(SPEC));

  test('a TCP connection to host port 8080 reaches the container', async () => {
    expect(await eventually(() => httpGet('127.0.0.1', 8080), 'served-by-pub-web')).toContain('served-by-pub-web');
  });

  test('a TCP connection to host port 8443 reaches the container', async () => {
    expect(await eventually(() => httpGet('127.0.0.1', 8443), 'served-by-pub-web')).toContain('served-by-pub-web');
  });

  test('the loopback publish answers on 127.0.0.1 and not on another host address', async () => {
    expect(await eventually(() => httpGet('127.0.0.1', 18443), 'served-by-pub-web')).toContain('served-by-pub-web');
    // The gateway of the test's own network is a host address that is not loopback: the
    // all-addresses publish answers there, the loopback-only one does not.
    expect(await eventually(() => httpGet('10.103.0.1', 8080), 'served-by-pub-web')).toContain('served-by-pub-web');
    expect(await httpGet('10.103.0.1', 18443)).toMatch(/^error (ECONNREFUSED|ETIMEDOUT)/);
  });
});
