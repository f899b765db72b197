// Swarm overlay across hosts: two engines in their own namespaces (a 28.5 manager, a 20.10 worker) on a
// LAN the test makes (a namespace holding a bridge, each engine joined to it by a veth), a swarm across
// them, an attachable overlay network declared once, in the manager's spec, and containers on both
// hosts — each host's own stack, applied by docknet on that host — reaching each other across it
// (VXLAN between the namespaces).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOk } from '../helpers';
import { SETUP_TIMEOUT_MS, sleeper, TestLab, type TestEngine } from './engines';

jest.setTimeout(180_000);

const MANAGER_IP = '198.19.46.1';
const WORKER_IP = '198.19.46.2';

const work = mkdtempSync(join(tmpdir(), 'docknet-swarm-'));
const spec = (name: string, text: string): string => {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
};
// Declared once: the manager's stack makes the overlay network (only a manager can).
const MANAGER_SPEC = spec(
  'swarm-m.yaml',
  `version: 1
stack: swarm-m
networks:
  sw-ov:
    driver: overlay
    attachable: true
    ipv4: { subnet: 10.242.0.0/24 }
containers:
${sleeper('sw-a', '[sw-ov]')}`,
);
// The worker's stack uses it; the worker gets it from the swarm when its container attaches.
const WORKER_SPEC = spec(
  'swarm-w.yaml',
  `version: 1
stack: swarm-w
networks:
  sw-ov: { external: true }
containers:
${sleeper('sw-b', '[sw-ov]')}`,
);

const lab = new TestLab();
let manager: TestEngine;
let worker: TestEngine;

beforeAll(async () => {
  manager = await lab.engine('dnswarm-m', { engine: '28' });
  worker = await lab.engine('dnswarm-w');
  await lab.switch('dnswarm-lan', [
    [manager, `${MANAGER_IP}/24`],
    [worker, `${WORKER_IP}/24`],
  ]);
  expectOk(await manager.docker('swarm', 'init', '--advertise-addr', MANAGER_IP, '--listen-addr', `${MANAGER_IP}:2377`));
  const token = await manager.docker('swarm', 'join-token', '-q', 'worker');
  expectOk(token);
  expectOk(await worker.docker('swarm', 'join', '--advertise-addr', WORKER_IP, '--token', token.stdout.trim(), `${MANAGER_IP}:2377`));
}, SETUP_TIMEOUT_MS);

// remote-engine.sh down leaves the swarm before it stops each engine.
afterAll(async () => {
  await lab.down();
  rmSync(work, { recursive: true, force: true });
}, SETUP_TIMEOUT_MS);

describe('an attachable overlay network across two hosts of a swarm', () => {
  test('the manager makes the network and its container; the plan names a swarm manager', async () => {
    const r = await manager.docknet('apply', MANAGER_SPEC, '--yes');
    expectOk(r);
    expect(r.stdout).toContain('engine unix:///run/dnswarm-m/docker.sock (Docker 28.5.2+dfsg4 on dnswarm-m, swarm manager, firewall iptables)');
    expect((await manager.docker('network', 'inspect', '-f', '{{.Driver}} {{.Scope}} {{.Attachable}}', 'sw-ov')).stdout.trim()).toBe('overlay swarm true');
  });

  test('the worker, which does not list the network yet, attaches its container to it', async () => {
    expect((await worker.docker('network', 'ls', '--format', '{{.Name}}')).stdout).not.toContain('sw-ov');
    const r = await worker.docknet('apply', WORKER_SPEC, '--yes');
    expectOk(r);
    expect(r.stdout).toContain('on dnswarm-w, swarm worker, firewall iptables)');
    expect(r.stdout).toContain('note: external network sw-ov is not on this engine yet: as a swarm worker it gets a swarm network when a container attaches to it');
    expect(r.stdout).toContain('verified: the host matches the spec');
  });

  test('containers on different hosts reach each other across the overlay, by name and by address', async () => {
    const address = (await manager.docker('inspect', '-f', '{{(index .NetworkSettings.Networks "sw-ov").IPAddress}}', 'sw-a')).stdout.trim();
    expect(address).toMatch(/^10\.242\.0\.\d+$/);
    const fromWorker = await worker.docker('exec', 'sw-b', 'ping', '-c', '2', '-W', '3', 'sw-a');
    expect(fromWorker.stdout).toContain(`bytes from ${address}`);
    const back = (await worker.docker('inspect', '-f', '{{(index .NetworkSettings.Networks "sw-ov").IPAddress}}', 'sw-b')).stdout.trim();
    expect((await manager.docker('exec', 'sw-a', 'ping', '-c', '2', '-W', '3', back)).stdout).toContain(`bytes from ${back}`);
  });

  test('both hosts are in sync afterwards; each host destroys its own stack', async () => {
    expect((await manager.docknet('plan', MANAGER_SPEC, '--detailed-exitcode')).code).toBe(0);
    expect((await worker.docknet('plan', WORKER_SPEC, '--detailed-exitcode')).code).toBe(0);
    expectOk(await worker.docknet('destroy', WORKER_SPEC, '--yes'));
    expectOk(await manager.docknet('destroy', MANAGER_SPEC, '--yes'));
    expect(await worker.owned('swarm-w')).toEqual([]);
    expect(await manager.owned('swarm-m')).toEqual([]);
  });
});
