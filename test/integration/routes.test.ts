// Seed scenario: two bridges, no route — ping fails; add the route — ttl=63; remove it — fails again.
// Plus: rules restored when deleted by hand, untouched by another stack's apply, one-way filters.
import { readFileSync } from 'node:fs';
import { chainRules, cleanup, deleteStackRule, docknet, engineFiltersRaw, expectOk, firewallRules, ping, stack, tempSpec, ttlOf } from '../helpers';

const WITH_ROUTE = stack('two-bridges.yaml');
const text = readFileSync(WITH_ROUTE, 'utf8');
const WITHOUT_ROUTE = tempSpec('two-bridges.yaml', text.replace(/routes:[\s\S]*$/, ''));
const ONE_WAY = tempSpec('two-bridges.yaml', text.replace(/routes:[\s\S]*$/, 'routes:\n  - from: route-a\n    to: route-b\n    allow: [icmp]\n'));
const OTHER = stack('dns-bridge.yaml');

describe('routing between two bridges', () => {
  beforeAll(() => cleanup(WITH_ROUTE, OTHER));
  afterAll(() => cleanup(WITH_ROUTE, OTHER));

  test('without a route the bridges are isolated', async () => {
    expectOk(await docknet('apply', WITHOUT_ROUTE, '--yes'));
    const r = await ping('route-left', '10.104.2.10');
    expect(r.code).not.toBe(0);
  });

  test('with the route a ping crosses with ttl=63, and a second plan has no changes', async () => {
    expectOk(await docknet('apply', WITH_ROUTE, '--yes'));
    expect(ttlOf(await ping('route-left', '10.104.2.10'))).toBe(63);
    expect(ttlOf(await ping('route-right', '10.104.1.10'))).toBe(63);
    expect((await docknet('plan', WITH_ROUTE, '--detailed-exitcode')).code).toBe(0);
    expect(firewallRules()).toContain('--comment "docknet:two-bridges:route-a=route-b"');
  });

  test('a rule deleted by hand shows as drift and the next apply restores it', async () => {
    await deleteStackRule('two-bridges');
    expect((await ping('route-left', '10.104.2.10')).code).not.toBe(0);
    const status = await docknet('status', WITH_ROUTE);
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/changed +two-bridges\/route route-a=route-b/);
    expectOk(await docknet('apply', WITH_ROUTE, '--yes'));
    expect(ttlOf(await ping('route-left', '10.104.2.10'))).toBe(63);
  });

  test('where Docker drops direct access in the raw table, a deleted exemption is drift that blocks traffic, and apply repairs it', async () => {
    if (!engineFiltersRaw()) {
      // Docker before 28 filters nothing in raw: docknet writes no exemption there.
      expect(chainRules('raw', 'PREROUTING')).not.toContain('docknet:');
      return;
    }
    expect(chainRules('raw', 'PREROUTING')).toContain('-d 10.104.2.0/24 -i br-');
    await deleteStackRule('two-bridges', 'raw', 'PREROUTING');
    expect((await ping('route-left', '10.104.2.10')).code === 0 && (await ping('route-right', '10.104.1.10')).code === 0).toBe(false);
    const status = await docknet('status', WITH_ROUTE);
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/changed +two-bridges\/route route-a=route-b: .*missing raw PREROUTING \(IPv4\): -d 10\.104\.\d\.0\/24 -i br-/);
    expectOk(await docknet('apply', WITH_ROUTE, '--yes'));
    expect(ttlOf(await ping('route-left', '10.104.2.10'))).toBe(63);
    expect(ttlOf(await ping('route-right', '10.104.1.10'))).toBe(63);
  });

  test("another stack's apply and destroy leave the route alone", async () => {
    expectOk(await docknet('apply', OTHER, '--yes'));
    expectOk(await docknet('destroy', OTHER, '--yes'));
    expect(ttlOf(await ping('route-left', '10.104.2.10'))).toBe(63);
  });

  test('a one-way route with a filter lets icmp one way only', async () => {
    const plan = await docknet('plan', ONE_WAY);
    expect(plan.stdout).toContain('route route-a=route-b');
    expect(plan.stdout).toContain('route route-a>route-b');
    expectOk(await docknet('apply', ONE_WAY, '--yes'));
    expect(ttlOf(await ping('route-left', '10.104.2.10'))).toBe(63);
    expect((await ping('route-right', '10.104.1.10')).code).not.toBe(0);
  });

  test('removing the route from the spec removes its rules and isolates the bridges again', async () => {
    expectOk(await docknet('apply', WITHOUT_ROUTE, '--yes'));
    expect(firewallRules()).not.toContain('docknet:two-bridges:');
    expect((await ping('route-left', '10.104.2.10')).code).not.toBe(0);
  });
});
