// Checks that need the whole desired state: references, addresses, overlaps, ports, names.
// Everything here runs before the host is touched; host-aware checks live in the planner.
import type { Block } from '../model/address';
import { addressFamily, addressValue, blockContains, blockInside, blocksOverlap, canonicalAddress, MAC_PATTERN, parseBlock, sameAddress } from '../model/address';
import { dockerNameProblem, interfaceNameProblem } from '../model/names';
import type { ContainerSpec, Family, Ipam, NetworkSpec, Publish, Source, Stack } from '../model/types';
import { IssueList } from './errors';

const SEGMENT_DRIVERS = new Set(['macvlan', 'ipvlan']);

/** The subnets of a network, parsed; invalid ones are reported once. */
function checkIpam(net: NetworkSpec, family: Family, ipam: Ipam, issues: IssueList): Block | undefined {
  const at = (...p: string[]) => [family, ...p];
  const label = family === 'ipv4' ? 'IPv4' : 'IPv6';
  let subnet: Block | undefined;
  if (ipam.subnet === undefined) {
    for (const key of ['ipRange', 'gateway', 'auxAddresses'] as const) {
      if (ipam[key] !== undefined) issues.add(net.source, at(key), `needs ${family}.subnet`);
    }
    return undefined;
  }
  subnet = parseBlock(ipam.subnet);
  if (!subnet || subnet.family !== family) {
    issues.add(net.source, at('subnet'), `"${ipam.subnet}" is not an ${label} CIDR block (address/prefix with a zero host part)`);
    return undefined;
  }
  if (ipam.ipRange !== undefined) {
    const range = parseBlock(ipam.ipRange);
    if (!range || range.family !== family) issues.add(net.source, at('ipRange'), `"${ipam.ipRange}" is not an ${label} CIDR block`);
    else if (!blockInside(range, subnet)) issues.add(net.source, at('ipRange'), `${ipam.ipRange} is outside the subnet ${ipam.subnet}`);
  }
  const inside = (path: string[], address: string) => {
    if (addressFamily(address) !== family) issues.add(net.source, path, `"${address}" is not an ${label} address`);
    else if (!blockContains(subnet!, address)) issues.add(net.source, path, `${address} is outside the subnet ${ipam.subnet}`);
  };
  if (ipam.gateway !== undefined) inside(at('gateway'), ipam.gateway);
  for (const [name, address] of Object.entries(ipam.auxAddresses ?? {})) inside(at('auxAddresses', name), address);
  return subnet;
}

function checkNetwork(net: NetworkSpec, issues: IssueList): void {
  const nameProblem = dockerNameProblem(net.name);
  if (nameProblem) issues.add(net.source, [], `network name "${net.name}" ${nameProblem}`);
  const o = net.options;
  if (net.bridgeName !== undefined) {
    const p = interfaceNameProblem(net.bridgeName);
    if (p) issues.add(net.source, ['bridge', 'name'], `bridge name "${net.bridgeName}" ${p}`);
  }
  const prefix = o['com.docker.network.container_iface_prefix'];
  if (prefix !== undefined) {
    const p = interfaceNameProblem(`${prefix}0`);
    if (p || Buffer.byteLength(prefix) > 13) issues.add(net.source, ['bridge', 'ifacePrefix'], `interface prefix "${prefix}" ${p ?? 'leaves no room for the index: at most 13 bytes'}`);
  }
  const hbi = o['com.docker.network.bridge.host_binding_ipv4'];
  if (hbi !== undefined && addressFamily(hbi) !== 'ipv4') issues.add(net.source, ['bridge', 'hostBindingIpv4'], `"${hbi}" is not an IPv4 address`);
  if (SEGMENT_DRIVERS.has(net.driver)) {
    const section = net.driver;
    if (net.parent === undefined) issues.add(net.source, [section, 'parent'], `a ${section} network needs a parent interface`);
    else {
      const p = interfaceNameProblem(net.parent);
      if (p) issues.add(net.source, [section, net.vlan === undefined ? 'parent' : 'vlan'], `parent interface "${net.parent}" ${p}`);
    }
    if (net.vlan !== undefined && (net.vlan < 1 || net.vlan > 4094)) issues.add(net.source, [section, 'vlan'], `VLAN id ${net.vlan} is outside 1–4094`);
  }
}

/** Why a host shim's address will not do: it must be in the segment, and no container may ever get it. */
function shimAddressProblem(net: NetworkSpec, address: string, subnet: Block | undefined): string | undefined {
  const ipv4 = net.ipv4;
  if (addressFamily(address) !== 'ipv4') return `"${address}" is not an IPv4 address`;
  if (!ipv4?.subnet) return `a host shim needs networks.${net.name}.ipv4.subnet`;
  if (!subnet) return undefined; // an invalid subnet is reported by checkIpam
  if (!blockContains(subnet, address)) return `${address} is outside the subnet ${subnet.text}`;
  const value = addressValue(address);
  if (subnet.prefix < 31 && (value === subnet.first || value === subnet.last)) return `${address} is the ${value === subnet.first ? 'network' : 'broadcast'} address of the subnet ${subnet.text}`;
  if (sameAddress(ipv4.gateway, address)) return `${address} is the gateway of network ${net.name}`;
  const reserved = Object.values(ipv4.auxAddresses ?? {}).some((aux) => sameAddress(aux, address));
  const pool = ipv4.ipRange ? parseBlock(ipv4.ipRange) : subnet;
  if (reserved || !pool || !blockContains(pool, address)) return undefined;
  const where = ipv4.ipRange ? `ipv4.ipRange ${ipv4.ipRange}` : 'the subnet (no ipv4.ipRange)';
  return `Docker may hand ${address} to a container: it is inside ${where}; keep it outside ipv4.ipRange or reserve it in ipv4.auxAddresses`;
}

/** A host shim: an interface name, in a network whose macvlan mode lets the host reach the containers (bridge). */
function checkHostShim(net: NetworkSpec, subnet: Block | undefined, issues: IssueList): void {
  const shim = net.hostShim;
  if (!shim) return;
  const at = (...p: string[]) => ['macvlan', 'hostShim', ...p];
  const nameProblem = interfaceNameProblem(shim.name);
  if (nameProblem) issues.add(net.source, at('name'), `interface name "${shim.name}" ${nameProblem}`);
  const mode = net.options.macvlan_mode ?? 'bridge';
  if (mode !== 'bridge') issues.add(net.source, at(), `a host shim reaches the containers only in macvlan mode bridge; this network's mode is ${mode}`);
  const addressProblem = shimAddressProblem(net, shim.address, subnet);
  if (addressProblem) issues.add(net.source, at('address'), addressProblem);
}

/**
 * One macvlan or ipvlan network per parent interface (Docker refuses a second one of the same driver,
 * the kernel one of the other), and host shim names used once and not as a bridge's.
 */
function checkSegmentLinks(networks: NetworkSpec[], issues: IssueList): void {
  const parents = new Map<string, NetworkSpec>();
  const names = new Map<string, string>();
  for (const net of networks) if (net.bridgeName) names.set(net.bridgeName, `the bridge of network ${net.name}`);
  for (const net of networks) {
    if (SEGMENT_DRIVERS.has(net.driver) && net.parent !== undefined) {
      const first = parents.get(net.parent);
      if (first) issues.add(net.source, [net.driver, net.vlan === undefined ? 'parent' : 'vlan'], `parent interface ${net.parent} is also the parent of ${first.driver} network ${first.name}: one macvlan or ipvlan network per parent interface`);
      else parents.set(net.parent, net);
    }
    const shim = net.hostShim?.name;
    if (shim === undefined) continue;
    const taken = names.get(shim);
    if (taken) issues.add(net.source, ['macvlan', 'hostShim', 'name'], `interface ${shim} is also ${taken}`);
    else names.set(shim, `the host shim of network ${net.name}`);
  }
}

function checkRoutes(stack: Stack, issues: IssueList, options: ValidateOptions): void {
  const nets = new Map(stack.networks.map((n) => [n.name, n]));
  const externals = new Set(stack.externals.map((n) => n.name));
  const seen = new Map<string, Source>();
  for (const route of stack.routes) {
    for (const end of [route.from, route.to]) {
      const key = route.bidirectional ? 'between' : end === route.from ? 'from' : 'to';
      const net = nets.get(end);
      // An external network's driver is known only on the host: the planner checks it there.
      if (!net) {
        if (!options.partial && !externals.has(end)) issues.add(route.source, [key], unknownNetwork(end, stack));
      } else if (net.driver !== 'bridge') issues.add(route.source, [key], `network "${end}" has driver ${net.driver}; routes join bridge networks only`);
    }
    if (route.from === route.to) issues.add(route.source, [], `a route joins two different networks; both ends are "${route.from}"`);
    route.allow.forEach((rule, i) => {
      const [a, b] = (rule.port ?? '1').split('-').map(Number);
      if (a < 1 || a > 65535 || (b !== undefined && (b > 65535 || b < a))) issues.add(route.source, ['allow', i], `port ${rule.port} is not within 1–65535`);
    });
    const reverse = route.bidirectional ? `${route.to}=${route.from}` : undefined;
    const dup = seen.get(route.id) ?? (reverse ? seen.get(reverse) : undefined);
    if (dup) issues.add(route.source, [], `the same route is declared at ${dup.file}: ${dup.path.join('.')}`);
    seen.set(route.id, route.source);
  }
}

interface Taken {
  container: ContainerSpec;
  path: (string | number)[];
}

/** A network that is neither declared nor external, said with what to do. */
function unknownNetwork(name: string, stack: Stack): string {
  return `unknown network "${name}": declare it under networks in stack ${stack.name} (with external: true when it is made elsewhere)`;
}

function checkContainers(stack: Stack, subnets: Map<string, { v4?: Block; v6?: Block }>, issues: IssueList, options: ValidateOptions): void {
  const nets = new Map(stack.networks.map((n) => [n.name, n]));
  const externals = new Set(stack.externals.map((n) => n.name));
  const addresses = new Map<string, Taken>();
  const macs = new Map<string, Taken>();
  for (const c of stack.containers) {
    const nameProblem = dockerNameProblem(c.name);
    if (nameProblem) issues.add(c.source, [], `container name "${c.name}" ${nameProblem}`);
    if (c.networkMode && c.endpoints.length > 0) issues.add(c.source, ['networkMode'], `networkMode ${c.networkMode} cannot be combined with networks`);
    if (c.networkMode && c.publish.length > 0) issues.add(c.source, ['networkMode'], `networkMode ${c.networkMode} cannot be combined with publish`);
    for (const key of Object.keys(c.env)) if (key === '' || key.includes('=')) issues.add(c.source, ['env', key], 'an environment name cannot be empty or hold "="');
    const withMac = c.endpoints.filter((e) => e.mac !== undefined);
    if (withMac.length > 1) issues.add(c.source, ['networks', withMac[1].network, 'mac'], 'only one network of a container can set mac (Docker applies it when the container is created)');
    for (const e of c.endpoints) {
      const at = (...p: string[]) => ['networks', e.network, ...p];
      const net = nets.get(e.network);
      if (!net) {
        if (!options.partial && !externals.has(e.network)) issues.add(c.source, at(), unknownNetwork(e.network, stack));
        continue;
      }
      for (const family of ['ipv4', 'ipv6'] as const) {
        const address = e[family];
        if (address === undefined) continue;
        const block = family === 'ipv4' ? subnets.get(net.name)?.v4 : subnets.get(net.name)?.v6;
        if (addressFamily(address) !== family) issues.add(c.source, at(family), `"${address}" is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
        else if (!block) issues.add(c.source, at(family), `a static address needs networks.${net.name}.${family}.subnet`);
        else if (!blockContains(block, address)) issues.add(c.source, at(family), `${address} is outside the subnet ${block.text} of network ${net.name}`);
        else {
          const key = `${net.name}/${canonicalAddress(address)}`;
          // A gateway that is no address of this family was reported by checkIpam (and may not even parse).
          const gateway = net[family]?.gateway;
          const other = addresses.get(key);
          if (other) {
            const who = other.container.service === c.service ? `replica ${other.container.name}` : `container ${other.container.name}`;
            issues.add(c.source, at(family), `${address} is taken twice: also by ${who}${c.name !== c.service ? ' (a static address cannot serve replicas)' : ''}`);
          } else if (sameAddress(gateway, address)) {
            issues.add(c.source, at(family), `${address} is the gateway of network ${net.name}`);
          } else if (net.hostShim && sameAddress(net.hostShim.address, address)) {
            issues.add(c.source, at(family), `${address} is the address of the host shim ${net.hostShim.name} of network ${net.name}`);
          } else addresses.set(key, { container: c, path: at(family) });
        }
      }
      if (e.mac !== undefined) {
        if (!MAC_PATTERN.test(e.mac)) issues.add(c.source, at('mac'), `"${e.mac}" is not a MAC address (six hex pairs separated by ":")`);
        else if (macs.has(e.mac)) issues.add(c.source, at('mac'), `MAC ${e.mac} is taken twice: also by container ${macs.get(e.mac)!.container.name}`);
        else macs.set(e.mac, { container: c, path: at('mac') });
      }
      e.aliases.forEach((a, i) => {
        if (!/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/.test(a)) issues.add(c.source, at('aliases', String(i)), `alias "${a}" is not a DNS name`);
      });
    }
  }
}

function checkPorts(stacks: Stack[], issues: IssueList): void {
  // Only fixed host ports can clash, so publishes are indexed by protocol and port, and a range of
  // 65535 ports or many replicas stay linear. A publish that clashes with an earlier one on the same
  // (or a wildcard) address stays out of the index: whatever clashes with it clashes with that one first.
  const wild = (ip: string) => ip === '' || ip === '0.0.0.0' || ip === '::';
  const byPort = new Map<string, { c: ContainerSpec; p: Publish }[]>();
  // Each container's clashes, one per container it clashes with however many ports: (first port, count).
  const clashes = new Map<ContainerSpec, Map<ContainerSpec, { p: Publish; more: number }>>();
  // Replicas share one list of publishes: its fixed ports are found once, and from the third replica on
  // the clashes are those of the second (the index only grows behind what it found).
  const shared = new Map<Publish[], { ports: { key: string; p: Publish }[]; users: number; last?: Map<ContainerSpec, { p: Publish; more: number }> }>();
  for (const c of stacks.flatMap((s) => s.containers)) {
    let list = shared.get(c.publish);
    if (!list) {
      const ports = c.publish.flatMap((p) => {
        // A range lets Docker pick one free port in it, so only fixed ports are taken for sure.
        const [first, last = first] = /^\d+(-\d+)?$/.test(p.hostPort) ? p.hostPort.split('-').map(Number) : [];
        return first !== undefined && first === last ? [{ key: `${p.protocol}/${first}`, p }] : [];
      });
      shared.set(c.publish, (list = { ports, users: 0 }));
    }
    if (list.users++ >= 2) {
      if (list.last) clashes.set(c, list.last);
      continue;
    }
    for (const { key, p } of list.ports) {
      const earlier = byPort.get(key) ?? byPort.set(key, []).get(key)!;
      const o = earlier.find((e) => e.p.hostIp === p.hostIp || wild(e.p.hostIp) || wild(p.hostIp));
      if (!o || (o.p.hostIp !== p.hostIp && !wild(o.p.hostIp))) earlier.push({ c, p });
      if (o) {
        const mine = clashes.get(c) ?? clashes.set(c, new Map()).get(c)!;
        const seen = mine.get(o.c);
        if (seen) seen.more++;
        else mine.set(o.c, { p, more: 0 });
      }
    }
    list.last = clashes.get(c);
  }
  for (const [c, others] of clashes) {
    for (const [o, { p, more }] of others) {
      const who = o.name === c.name ? 'this container' : `container ${o.name}`;
      issues.add(c.source, ['publish'], `host port ${p.hostPort}/${p.protocol}${more > 0 ? ` (and ${more} more)` : ''} is published twice: also by ${who}${c.service === o.service && c.name !== o.name ? ' (a fixed host port cannot serve replicas)' : ''}`);
    }
  }
}

function checkUnique<T extends { name: string; source: Source }>(items: T[], kind: string, issues: IssueList): void {
  const seen = new Map<string, T>();
  for (const item of items) {
    const first = seen.get(item.name);
    if (first) issues.add(item.source, [], `${kind} "${item.name}" is declared twice: also at ${first.source.file}: ${first.source.path.join('.')}`);
    else seen.set(item.name, item);
  }
}

/** An external network has a valid name and is not also declared by the stack that refers to it. */
function checkExternals(stack: Stack, issues: IssueList): void {
  for (const ext of stack.externals) {
    const problem = dockerNameProblem(ext.name);
    if (problem) issues.add(ext.source, [], `network name "${ext.name}" ${problem}`);
    const declared = stack.networks.find((n) => n.name === ext.name);
    if (declared) issues.add(ext.source, ['external'], `network "${ext.name}" is declared by stack ${stack.name} at ${declared.source.file}: ${declared.source.path.join('.')}; a stack does not both own a network and refer to it as external`);
  }
}

/** Dependencies name services of the stack, never themselves, never in a circle; healthy needs a healthcheck. */
function checkDependencies(stack: Stack, issues: IssueList, options: ValidateOptions): void {
  const services = new Map(stack.containers.map((c) => [c.service, c]));
  const edges = new Map<string, string[]>();
  for (const c of stack.containers) {
    if (edges.has(c.service)) continue;
    edges.set(c.service, c.dependsOn.map((d) => d.service));
    for (const d of c.dependsOn) {
      const at = ['dependsOn', d.service];
      const target = services.get(d.service);
      if (d.service === c.service) issues.add(c.source, at, 'a container cannot wait for itself');
      else if (!target) {
        if (!options.partial) issues.add(c.source, at, `unknown container "${d.service}": declare it under containers in stack ${stack.name}`);
      } else if (d.condition === 'healthy' && !target.healthcheck) issues.add(c.source, at, `condition healthy needs a healthcheck on ${d.service}`);
    }
  }
  // A circle would wait forever: report it once, at the first of its members.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (service: string, path: string[]): void => {
    if (state.get(service) === 'done') return;
    if (state.get(service) === 'visiting') {
      const circle = [...path.slice(path.indexOf(service)), service];
      const c = services.get(circle[0])!;
      issues.add(c.source, ['dependsOn'], `dependencies go in a circle: ${circle.join(' → ')}`);
      return;
    }
    state.set(service, 'visiting');
    for (const next of edges.get(service) ?? []) if (services.has(next)) visit(next, [...path, service]);
    state.set(service, 'done');
  };
  for (const service of edges.keys()) visit(service, []);
}

/** Endpoints of containers docknet does not own: their network is the stack's or external, their addresses inside it. */
function checkForeignEndpoints(stack: Stack, subnets: Map<string, { v4?: Block; v6?: Block }>, issues: IssueList, options: ValidateOptions): void {
  const declared = new Set(stack.networks.map((n) => n.name));
  const externals = new Set(stack.externals.map((n) => n.name));
  const owned = new Set(stack.containers.map((c) => c.name));
  const seen = new Map<string, Source>();
  for (const e of stack.endpoints) {
    if (!declared.has(e.network) && !externals.has(e.network) && !options.partial) issues.add(e.source, ['network'], unknownNetwork(e.network, stack));
    if (e.container !== undefined && owned.has(e.container)) issues.add(e.source, ['container'], `${e.container} is a container of this stack: attach it under containers.${e.container}.networks`);
    for (const family of ['ipv4', 'ipv6'] as const) {
      const address = e[family];
      if (address === undefined) continue;
      const block = family === 'ipv4' ? subnets.get(e.network)?.v4 : subnets.get(e.network)?.v6;
      if (addressFamily(address) !== family) issues.add(e.source, [family], `"${address}" is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
      else if (block && !blockContains(block, address)) issues.add(e.source, [family], `${address} is outside the subnet ${block.text} of network ${e.network}`);
    }
    const key = `${e.container ?? JSON.stringify(e.selector)}@${e.network}`;
    const dup = seen.get(key);
    if (dup) issues.add(e.source, [], `the same endpoint is declared at ${dup.file}: ${dup.path.join('.')}`);
    seen.set(key, e.source);
  }
}

/** Validates the desired state of all stacks together; throws SpecError listing every problem. */
export interface ValidateOptions {
  /**
   * The documents hold some resources of a stack, not all (a front-end validating one resource):
   * networks they reference may be declared elsewhere, and are checked against the host at apply.
   */
  partial?: boolean;
}

export function validateStacks(stacks: Stack[], issues = new IssueList(), options: ValidateOptions = {}): void {
  const networks = stacks.flatMap((s) => s.networks);
  checkUnique(networks, 'network', issues);
  checkUnique(stacks.flatMap((s) => s.containers), 'container', issues);
  const subnets = new Map<string, { v4?: Block; v6?: Block }>();
  const blocks: { net: NetworkSpec; family: Family; block: Block }[] = [];
  for (const net of networks) {
    checkNetwork(net, issues);
    const v4 = net.ipv4 ? checkIpam(net, 'ipv4', net.ipv4, issues) : undefined;
    const v6 = net.ipv6 ? checkIpam(net, 'ipv6', net.ipv6, issues) : undefined;
    subnets.set(net.name, { v4, v6 });
    checkHostShim(net, v4, issues);
    for (const [family, block] of [['ipv4', v4], ['ipv6', v6]] as const) {
      if (!block) continue;
      const clash = blocks.find((b) => blocksOverlap(b.block, block));
      if (clash) issues.add(net.source, [family, 'subnet'], `${block.text} overlaps ${clash.block.text} of network ${clash.net.name} (${clash.net.source.file})`);
      blocks.push({ net, family, block });
    }
  }
  checkSegmentLinks(networks, issues);
  for (const stack of stacks) {
    checkExternals(stack, issues);
    checkContainers(stack, subnets, issues, options);
    checkDependencies(stack, issues, options);
    checkForeignEndpoints(stack, subnets, issues, options);
    checkRoutes(stack, issues, options);
  }
  checkPorts(stacks, issues);
  issues.throwIfAny();
}
