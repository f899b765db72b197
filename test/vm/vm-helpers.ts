// Helpers of the tests that run inside the test VM (scripts/vm/run.sh): host links and namespaces the
// tests make, and pings that allow for the slowness of software emulation. Whether the kernel can run
// them at all is test/kernel.ts's to say. Not a test file: jest's VM config only runs *.vm.js.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { DOCKNET, IMAGE, Result, docker, exec, expectOk, ping, run, tempSpec } from '../helpers';

/** A spec file of the test's own, written as YAML from its document. */
export const specFile = (name: string, doc: object) => tempSpec(name, stringify({ version: 1, ...doc }));

/** A macvlan network on parent (parent.vlan with a VLAN id), with a subnet and whatever else it sets. */
export const macvlanOn = (parent: string, vlan: number | undefined, subnet: string, more: { macvlan?: object; ipv4?: object } = {}) => ({
  driver: 'macvlan',
  macvlan: { parent, ...(vlan === undefined ? {} : { vlan }), ...more.macvlan },
  ipv4: { subnet, ...more.ipv4 },
});

/** A container of the test's own: busybox sleeping on one network, at a static address when given. */
export const sleeper = (network: string, ipv4?: string) => ({ image: IMAGE, command: ['sleep', '3600'], networks: ipv4 ? { [network]: { ipv4 } } : [network] });

/** apply/destroy can take minutes under emulation: the same CLI as helpers.docknet, with a longer bound. */
export const docknetSlow = (...args: string[]) => run(DOCKNET, args, 600_000);

export const ip = (...args: string[]) => run('ip', args);

export async function ipOk(...args: string[]): Promise<string> {
  const r = await ip(...args);
  expectOk(r);
  return r.stdout;
}

/** A network namespace, made fresh. */
export async function netns(name: string): Promise<void> {
  await ip('netns', 'del', name);
  await ipOk('netns', 'add', name);
  await ipOk('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
}

export const inNs = (ns: string, ...args: string[]) => ipOk('netns', 'exec', ns, 'ip', ...args);

export async function linkExists(name: string): Promise<boolean> {
  return (await ip('link', 'show', name)).code === 0;
}

export function sysNet(link: string, attribute: string): string {
  return readFileSync(`/sys/class/net/${link}/${attribute}`, 'utf8').trim();
}

export async function networkExists(name: string): Promise<boolean> {
  return (await docker('network', 'ls', '-q', '--filter', `name=^${name}$`)).stdout.trim() !== '';
}

export async function containerExists(name: string): Promise<boolean> {
  return (await docker('ps', '-aq', '--filter', `name=^${name}$`)).stdout.trim() !== '';
}

/**
 * The safety net of beforeAll/afterAll: removes, with the docker CLI (fast to start, unlike node under
 * emulation), whatever containers and networks of these names a failed test left. Each test itself
 * removes what it made with `docknet destroy`.
 */
export async function removeLeftovers(containers: string[], networks: string[]): Promise<void> {
  if (containers.length) await docker('rm', '-f', ...containers);
  if (networks.length) await docker('network', 'rm', ...networks);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pings until a reply comes (a freshly started container may need a moment under emulation). */
export async function pingEventually(from: string, target: string, tries = 5): Promise<Result> {
  let last = await ping(from, target);
  for (let i = 1; i < tries && !last.stdout.includes(`bytes from ${target}`); i++) {
    await sleep(1000);
    last = await ping(from, target);
  }
  return last;
}

/**
 * A ping that must get no answer: two echo requests really sent (not a local error such as "network
 * unreachable"), no reply.
 */
export async function expectNoReply(from: string, target: string): Promise<void> {
  const r = await exec(from, 'ping', '-4', '-c', '2', '-W', '2', target);
  expect(r.stdout).toContain('2 packets transmitted, 0 packets received');
}

/** What `ip link show eth0` says inside a container: its flags and MAC. */
export async function containerLink(container: string): Promise<{ flags: string[]; mac: string }> {
  const r = await exec(container, 'ip', 'link', 'show', 'eth0');
  expectOk(r);
  const flags = /<([^>]*)>/.exec(r.stdout)?.[1].split(',') ?? [];
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(r.stdout)?.[1] ?? '';
  return { flags, mac };
}

/** A ping from the host side (the VM's own network namespace), with busybox's ping as the guest has it. */
export const hostPing = (target: string, count = 2) => run('busybox', ['ping', '-4', '-c', String(count), '-W', '2', target]);
