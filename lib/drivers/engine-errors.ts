// Docker's common refusals, said in terms a person can act on: which network already holds an
// overlapping range, which container or process holds a host port or an address, what still sits on a
// network that cannot go, which kernel feature is missing. Each explanation names the spec path it is
// about (inside the object's spec), so an apply error points into the file. What is not recognised
// keeps the engine's own words, without the API call's name in front.
import { parseBlock, sameAddress } from '../model/address';
import type { ContainerSpec, EndpointSpec, NetworkSpec, SpecPath } from '../model/types';
import type { ContainerInfo, Engine, NetworkInfo } from './docker';
import type { EngineHost } from './engine-host';
import { overlappingSubnet } from '../plan/observe';
import { madeBy } from '../plan/ownership';
import { featureInError, isMissingKernelFeature, kernelFeature } from './links';

/** What failed: the object of the step, with its desired spec when it has one. */
export interface FailedObject {
  kind: 'network' | 'container' | 'endpoint' | 'route' | 'shim';
  name: string;
  network?: NetworkSpec;
  container?: ContainerSpec;
  /** An endpoint being connected: its network and settings. */
  endpoint?: EndpointSpec;
}

export interface Explanation {
  message: string;
  /** Where in the object's spec the problem is (empty: the object itself). */
  path: SpecPath;
}

/** Where the engine's host is asked questions: the engine, and the host for processes (ss). */
export interface EngineSide {
  engine: Pick<Engine, 'listNetworks' | 'listContainers'>;
  host: EngineHost;
}

/** " (docknet stack lab)", " (docker compose project shop)", or " (not made by docknet)". */
const maker = (labels: Record<string, string> | null | undefined) => ` (${madeBy(labels) ?? 'not made by docknet'})`;

const containerName = (c: ContainerInfo) => (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');

async function poolOverlap(side: EngineSide, n: NetworkSpec): Promise<Explanation> {
  const networks: NetworkInfo[] = await side.engine.listNetworks();
  for (const family of ['ipv4', 'ipv6'] as const) {
    const subnet = n[family]?.subnet;
    const block = subnet ? parseBlock(subnet) : undefined;
    if (!block) continue;
    for (const other of networks) {
      if (other.Name === n.name) continue;
      const held = overlappingSubnet(other, block);
      if (held) return { path: [family, 'subnet'], message: `${subnet} overlaps ${held.text} of network ${other.Name}${maker(other.Labels)}, already on the host: choose a subnet outside it, or remove that network` };
    }
  }
  return { path: [], message: 'Docker says its subnet overlaps the range of another network, and none holds one now (it may have been removed meanwhile): run the command again' };
}

async function nameTaken(side: EngineSide, name: string): Promise<Explanation> {
  const other = (await side.engine.listNetworks()).find((x) => x.Name === name);
  return { path: [], message: `a network named ${name} already exists${other ? maker(other.Labels) : ''}; it appeared after the plan was made: run the command again to plan with it` };
}

async function activeEndpoints(side: EngineSide, network: string): Promise<Explanation> {
  const attached = (await side.engine.listContainers()).filter((c) => Object.keys(c.NetworkSettings?.Networks ?? {}).includes(network)).map(containerName);
  const how = attached.length > 0 ? `docker network disconnect ${network} ${attached[0]}` : `docker network inspect ${network} shows them`;
  return { path: [], message: `containers are still attached to network ${network}${attached.length > 0 ? `: ${attached.join(', ')}` : ''}; disconnect them first (${how})` };
}

/** The publish of a container that asks for a host port, as its index in the spec. */
function publishIndex(c: ContainerSpec | undefined, port: number): number | undefined {
  const i = c?.publish.findIndex((p) => p.hostPort === String(port) || p.hostPort.startsWith(`${port}-`)) ?? -1;
  return i >= 0 ? i : undefined;
}

/** The process listening on a port of the engine's host, from `ss` there ("python3 (pid 567)"). */
async function listener(host: EngineHost, port: number, protocol: string): Promise<string | undefined> {
  try {
    const r = await host.run(['ss', '-Hlnp', protocol === 'udp' ? '-u' : '-t', `sport = :${port}`], { timeoutMs: 10_000 });
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(r.stdout);
    return m ? `${m[1]} (pid ${m[2]})` : undefined;
  } catch {
    return undefined;
  }
}

async function portHeld(side: EngineSide, c: ContainerSpec | undefined, address: string, port: number, byProcess: boolean): Promise<Explanation> {
  const index = publishIndex(c, port);
  const protocol = (index !== undefined && c?.publish[index].protocol) || 'tcp';
  const path = index === undefined ? [] : ['publish', index];
  const what = `host port ${address}:${port}/${protocol}`;
  if (byProcess) {
    const holder = await listener(side.host, port, protocol);
    const where = side.host.local ? "the engine's host" : side.host.where;
    return { path, message: holder ? `${what} is in use by process ${holder} on ${where}: stop it, or publish another port` : `${what} is in use by a process on ${where} (ss -ltnp there shows which): stop it, or publish another port` };
  }
  const holder = (await side.engine.listContainers()).find((x) => (x.Ports ?? []).some((p) => p.PublicPort === port && p.Type === protocol));
  return { path, message: `${what} is already published by ${holder ? `container ${containerName(holder)}${maker(holder.Labels)}` : 'another container'}: publish another port, or remove that container` };
}

async function addressTaken(side: EngineSide, e: EndpointSpec): Promise<Explanation> {
  const family = e.ipv4 ? 'ipv4' : 'ipv6';
  const address = e[family] ?? '';
  const holder = (await side.engine.listContainers()).find((c) => {
    const ep = c.NetworkSettings?.Networks?.[e.network];
    return ep && (sameAddress(ep.IPAddress, address) || sameAddress(ep.GlobalIPv6Address, address));
  });
  return { path: ['networks', e.network, family], message: `${address} on network ${e.network} is already used by ${holder ? `container ${containerName(holder)}${maker(holder.Labels)}` : 'another endpoint'}: choose another address` };
}

/** The engine's refusal in a person's terms; the engine's own words when it is not one of the known ones. */
export async function explainEngineError(side: EngineSide, what: FailedObject, engineMessage: string): Promise<Explanation> {
  const plain: Explanation = { path: [], message: engineMessage };
  try {
    if (/Pool overlaps/i.test(engineMessage) && what.network) return await poolOverlap(side, what.network);
    if (/network with name .* already exists/i.test(engineMessage)) return await nameTaken(side, what.name);
    if (/has active endpoints/i.test(engineMessage)) return await activeEndpoints(side, what.name);
    const port = /(?:Bind for|listen \w+|bind host port for) \[?([0-9a-fA-F.:]*?)\]?:(\d+)(?: failed|:)/.exec(engineMessage);
    if (port && /port is already allocated|address already in use/i.test(engineMessage)) return await portHeld(side, what.container, port[1] || '0.0.0.0', Number(port[2]), /address already in use/i.test(engineMessage));
    if (/Address already in use/.test(engineMessage) && what.endpoint && (what.endpoint.ipv4 || what.endpoint.ipv6)) return await addressTaken(side, what.endpoint);
    const network = what.network;
    const feature = network && isMissingKernelFeature(engineMessage) ? kernelFeature(network) : what.kind === 'container' ? featureInError(engineMessage) : undefined;
    if (feature && network) {
      const link = network.vlan !== undefined ? `sub-interface ${network.parent}` : `a ${network.driver} link on ${network.parent}`;
      return { path: [network.driver, network.vlan !== undefined ? 'vlan' : 'parent'], message: `Docker could not create ${link}: this kernel lacks ${feature} (Docker said: ${engineMessage})` };
    }
    if (feature) return { path: [], message: `Docker could not attach it to its network: this kernel lacks ${feature} (Docker said: ${engineMessage})` };
  } catch {
    // The engine did not answer the follow-up question: its own words will do.
  }
  return plain;
}
