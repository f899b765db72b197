// A route between two dual-stack bridges: on an engine that manages ip6tables (Docker 27+), the same
// rules go into ip6tables and `ping -6` crosses with hop limit 63; without a route IPv6 stays isolated.
// On an engine that does not manage ip6tables (bookworm's 20.10), the plan says so and docknet writes
// no IPv6 rule rather than pretend.
import { chainRules, cleanup, deleteStackRule, docknet, engineManagesIp6tables, expectOk, ping, tempSpec, ttlOf } from '../helpers';

const networks = `version: 1
stack: routes-v6
networks:
  v6route-a:
    ipv4: { subnet: 10.171.1.0/24 }
    ipv6: { subnet: "fd00:171:1::/64" }
  v6route-b:
    ipv4: { subnet: 10.171.2.0/24 }
    ipv6: { subnet: "fd00:171:2::/64" }
containers:
  v6route-left:
    image: docknet/busybox:latest
    command: [sleep, "86400"]
    networks: { v6route-a: { ipv4: 10.171.1.10, ipv6: "fd00:171:1::10" } }
  v6route-right:
    image: docknet/busybox:latest
    command: [sleep, "86400"]
    networks: { v6route-b: { ipv4: 10.171.2.10, ipv6: "fd00:171:2::10" } }
`;
const WITHOUT = tempSpec('routes-v6.yaml', networks);
const WITH = tempSpec('routes-v6.yaml', `${networks}routes:\n  - between: [v6route-a, v6route-b]\n`);

describe('IPv6 routes', () => {
  const managed = engineManagesIp6tables();
  beforeAll(() => cleanup(WITH));
  afterAll(() => cleanup(WITH));

  test('without a route the bridges are isolated over IPv6 too', async () => {
    expectOk(await docknet('apply', WITHOUT, '--yes'));
    expect((await ping('v6route-left', 'fd00:171:1::10', '-6')).code).toBe(0);
    if (managed) expect((await ping('v6route-left', 'fd00:171:2::10', '-6')).code).not.toBe(0);
  });

  if (managed) {
    test('with the route ping -6 crosses with hop limit 63, both ways; the rules are in ip6tables', async () => {
      expectOk(await docknet('apply', WITH, '--yes'));
      expect(ttlOf(await ping('v6route-left', 'fd00:171:2::10', '-6'))).toBe(63);
      expect(ttlOf(await ping('v6route-right', 'fd00:171:1::10', '-6'))).toBe(63);
      expect(ttlOf(await ping('v6route-left', '10.171.2.10'))).toBe(63);
      expect(chainRules('filter', 'DOCKER-USER', 'ip6tables')).toContain('docknet:routes-v6:v6route-a=v6route-b');
      expect((await docknet('plan', WITH, '--detailed-exitcode')).code).toBe(0);
    });

    test('an IPv6 rule deleted by hand is drift, and apply restores it', async () => {
      await deleteStackRule('routes-v6', 'filter', 'DOCKER-USER', 'ip6tables');
      const status = await docknet('status', WITH);
      expect(status.code).toBe(2);
      expect(status.stdout).toContain('DOCKER-USER (IPv6)');
      expectOk(await docknet('apply', WITH, '--yes'));
      expect(ttlOf(await ping('v6route-left', 'fd00:171:2::10', '-6'))).toBe(63);
    });
  } else {
    test('the plan says that IPv6 is not routed on this engine, and no IPv6 rule is written', async () => {
      const plan = await docknet('plan', WITH);
      expect(plan.stdout).toMatch(/note: route v6route-a=v6route-b: both networks have IPv6, but this engine \(Docker [^)]+\) does not manage ip6tables/);
      expectOk(await docknet('apply', WITH, '--yes'));
      expect(ttlOf(await ping('v6route-left', '10.171.2.10'))).toBe(63);
      const json = JSON.parse((await docknet('plan', WITH, '--json')).stdout);
      expect(json.notes[0].message).toContain('writes IPv4 rules only');
    });
  }
});
