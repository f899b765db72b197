// Seed scenario: port publishes DNAT host ports to a container; one publish is bound to loopback only.
import { cleanup, docknet, expectOk, httpGet, httpGetEventually, stack } from '../helpers';

const SPEC = stack('publish.yaml');

describe('port publishes 8080:80/tcp and 8443:443/tcp, and one on 127.0.0.1 only', () => {
  beforeAll(async () => {
    await cleanup(SPEC);
    expectOk(await docknet('apply', SPEC, '--yes'));
  });
  afterAll(() => cleanup(SPEC));

  test('a TCP connection to host port 8080 reaches the container', async () => {
    expect(await httpGetEventually('127.0.0.1', 8080, 'served-by-pub-web')).toContain('served-by-pub-web');
  });

  test('a TCP connection to host port 8443 reaches the container', async () => {
    expect(await httpGetEventually('127.0.0.1', 8443, 'served-by-pub-web')).toContain('served-by-pub-web');
  });

  test('the loopback publish answers on 127.0.0.1 and not on another host address', async () => {
    expect(await httpGetEventually('127.0.0.1', 18443, 'served-by-pub-web')).toContain('served-by-pub-web');
    // The gateway of the test's own network is a host address that is not loopback: the
    // all-addresses publish answers there, the loopback-only one does not.
    expect(await httpGetEventually('10.103.0.1', 8080, 'served-by-pub-web')).toContain('served-by-pub-web');
    expect(await httpGet('10.103.0.1', 18443)).toMatch(/^error (ECONNREFUSED|ETIMEDOUT)/);
  });
});
