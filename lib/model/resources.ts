// Typed resources: the classes the Pulumi and CDKTF front-ends expose under the same names. Each one
// is a piece of a spec document, so a stack built from them goes through exactly the same schema,
// normalization and validation as a YAML file.
import type { ContainerDoc, NetworkDoc, RouteDoc } from './schema';

/** Address management of one IP family. */
export interface IpamProps {
  /** The network in CIDR form, e.g. 172.25.0.0/16; a change recreates the network in one step. */
  subnet?: string;
  /** The part of the subnet Docker allocates container addresses from, e.g. 172.25.100.0/24; a change recreates the network in one step. */
  ipRange?: string;
  /** The gateway address inside the subnet; Docker picks one when absent; a change recreates the network in one step. */
  gateway?: string;
  /** Addresses inside the subnet that Docker must not hand out, by name; a change recreates the network in one step. */
  auxAddresses?: Record<string, string>;
}

/** Typed options of the bridge driver. */
export interface BridgeOptionsProps {
  /** Host bridge interface name (com.docker.network.bridge.name), at most 15 bytes; default br-<id>; a change recreates the network in one step. */
  name?: string;
  /** Inter-container connectivity (com.docker.network.bridge.enable_icc); default true; a change recreates the network in one step. */
  icc?: boolean;
  /** Masquerade outgoing traffic (com.docker.network.bridge.enable_ip_masquerade); default true; a change recreates the network in one step. */
  masquerade?: boolean;
  /** Default host address for publishes (com.docker.network.bridge.host_binding_ipv4); default 0.0.0.0; a change recreates the network in one step. */
  hostBindingIpv4?: string;
  /** MTU of the bridge (com.docker.network.driver.mtu); default 1500; a change recreates the network in one step. */
  mtu?: number;
  /** Prefix of the interface names inside containers (com.docker.network.container_iface_prefix); default eth; a change recreates the network in one step. */
  ifacePrefix?: string;
}

/** Settings every network kind shares. */
export interface NetworkCommonProps {
  /** IPv4 address management: subnet, ipRange, gateway, auxAddresses; Docker picks a subnet when absent; a change recreates the network in one step. */
  ipv4?: IpamProps;
  /** IPv6 address management; present ⇒ IPv6 is enabled on the network; a change recreates the network in one step. */
  ipv6?: IpamProps;
  /** No route to the outside world; default false; a change recreates the network in one step. */
  internal?: boolean;
  /** Extra Docker labels on the network; a change recreates the network in one step. */
  labels?: Record<string, string>;
}

export interface BridgeNetworkProps extends NetworkCommonProps {
  /** Typed options of the bridge driver; a change recreates the network in one step. */
  bridge?: BridgeOptionsProps;
}

export interface SegmentProps extends NetworkCommonProps {
  /** Host interface the segment hangs off, e.g. eth0; a change recreates the network in one step. */
  parent: string;
  /** 802.1Q VLAN id 1–4094: Docker then uses the sub-interface parent.vlan; a change recreates the network in one step. */
  vlan?: number;
}

/** The host's own macvlan link into a segment. */
export interface HostShimProps {
  /** Interface name of the shim on the host, at most 15 bytes, e.g. dn-shim10; changes in place. */
  name: string;
  /** The host's IPv4 address in the segment (as /32), inside ipv4.subnet, not one Docker hands out: outside ipv4.ipRange or reserved in ipv4.auxAddresses; the ipRange (else the subnet) is routed through the shim; changes in place. */
  address: string;
}

export interface MacvlanNetworkProps extends SegmentProps {
  /** Macvlan mode: bridge, vepa, passthru or private; default bridge; a change recreates the network in one step. */
  mode?: 'bridge' | 'vepa' | 'passthru' | 'private';
  /** A macvlan link docknet makes on the engine's host in this segment, so that the host reaches the containers (a macvlan parent cannot): name, address; changes in place. */
  hostShim?: HostShimProps;
}

export interface IpvlanNetworkProps extends SegmentProps {
  /** Ipvlan mode: l2, l3 or l3s; default l2; a change recreates the network in one step. */
  mode?: 'l2' | 'l3' | 'l3s';
}

export interface OverlayNetworkProps extends NetworkCommonProps {
  /** Overlay: standalone containers may attach (not only swarm services); default false; a change recreates the network in one step. */
  attachable?: boolean;
  /** IPsec encryption of the VXLAN data plane; default false; a change recreates the network in one step. */
  encrypted?: boolean;
}

export interface PluginNetworkProps extends NetworkCommonProps {
  /** Bridge (default) | macvlan | ipvlan | overlay | any plugin name; default bridge; a change recreates the network in one step. */
  driver: string;
  /** Raw driver options, passed unchanged (plugin drivers); a change recreates the network in one step. */
  options?: Record<string, string>;
  /** Overlay: standalone containers may attach (not only swarm services); default false; a change recreates the network in one step. */
  attachable?: boolean;
}

function common(p: NetworkCommonProps): NetworkDoc {
  const doc: NetworkDoc = {};
  if (p.ipv4) doc.ipv4 = p.ipv4;
  if (p.ipv6) doc.ipv6 = p.ipv6;
  if (p.internal !== undefined) doc.internal = p.internal;
  if (p.labels) doc.labels = p.labels;
  return doc;
}

/** The parent/vlan/mode section of a macvlan or ipvlan network. */
function segment<M extends string>({ parent, vlan, mode }: SegmentProps & { mode?: M }): { parent: string; vlan?: number; mode?: M } {
  return { parent, ...(vlan !== undefined ? { vlan } : {}), ...(mode ? { mode } : {}) };
}

/** Anything that is a network of a stack. */
export abstract class NetworkResource {
  constructor(readonly name: string) {}
  abstract toDoc(): NetworkDoc;
}

/** A user-defined bridge: embedded DNS, typed bridge options. */
export class BridgeNetwork extends NetworkResource {
  constructor(name: string, readonly props: BridgeNetworkProps = {}) {
    super(name);
  }
  toDoc(): NetworkDoc {
    return { ...common(this.props), driver: 'bridge', ...(this.props.bridge ? { bridge: this.props.bridge } : {}) };
  }
}

/** A macvlan segment on a host interface; with `vlan`, an 802.1Q VLAN segment. */
export class MacvlanNetwork extends NetworkResource {
  constructor(name: string, readonly props: MacvlanNetworkProps) {
    super(name);
  }
  toDoc(): NetworkDoc {
    const { hostShim } = this.props;
    return { ...common(this.props), driver: 'macvlan', macvlan: { ...segment(this.props), ...(hostShim ? { hostShim: { name: hostShim.name, address: hostShim.address } } : {}) } };
  }
}

/** An ipvlan segment on a host interface. */
export class IpvlanNetwork extends NetworkResource {
  constructor(name: string, readonly props: IpvlanNetworkProps) {
    super(name);
  }
  toDoc(): NetworkDoc {
    return { ...common(this.props), driver: 'ipvlan', ipvlan: segment(this.props) };
  }
}

/** A swarm overlay network (the engine must be a swarm manager). */
export class OverlayNetwork extends NetworkResource {
  constructor(name: string, readonly props: OverlayNetworkProps = {}) {
    super(name);
  }
  toDoc(): NetworkDoc {
    const doc: NetworkDoc = { ...common(this.props), driver: 'overlay' };
    if (this.props.attachable !== undefined) doc.attachable = this.props.attachable;
    if (this.props.encrypted !== undefined) doc.overlay = { encrypted: this.props.encrypted };
    return doc;
  }
}

/** A network of any other driver; its options pass through unchanged. */
export class PluginNetwork extends NetworkResource {
  constructor(name: string, readonly props: PluginNetworkProps) {
    super(name);
  }
  toDoc(): NetworkDoc {
    const doc: NetworkDoc = { ...common(this.props), driver: this.props.driver };
    if (this.props.options) doc.options = this.props.options;
    if (this.props.attachable !== undefined) doc.attachable = this.props.attachable;
    return doc;
  }
}

/** How a container is attached to one network. */
export interface EndpointProps {
  /** Static IPv4 address in the network (needs the network's ipv4.subnet); changes in place. */
  ipv4?: string;
  /** Static IPv6 address in the network; changes in place. */
  ipv6?: string;
  /** Extra DNS names of the container on this network; changes in place. */
  aliases?: string[];
  /** MAC address of the container on this network (one network per container on Docker 20.10); a change replaces the container. */
  mac?: string;
}

/** A port publish: a host port (or range) forwarded to a container port. */
export interface PortPublish {
  /** Host address to bind, IPv4 or IPv6; default all addresses; a change replaces the container. */
  hostIp?: string;
  /** Host port, or a range "8000-8010" Docker picks one from; default Docker picks; a change replaces the container. */
  hostPort?: number | string;
  /** Container port or range; a change replaces the container. */
  containerPort: number | string;
  /** Tcp, udp or sctp; default tcp; a change replaces the container. */
  protocol?: 'tcp' | 'udp' | 'sctp';
}

/** Container health check. */
export interface HealthcheckProps {
  /** E.g. [CMD-SHELL, "true"] or [CMD, prog, arg]; a change replaces the container. */
  test: string[];
  /** Time between checks, e.g. 5s; default 30s; a change replaces the container. */
  interval?: string;
  /** Time a check may take, e.g. 2s; default 30s; a change replaces the container. */
  timeout?: string;
  /** Failures in a row before unhealthy; default 3; a change replaces the container. */
  retries?: number;
  /** Grace period after start, e.g. 5s; default 0s; a change replaces the container. */
  startPeriod?: string;
}

/** A container, its endpoints and its port publishes. */
export interface ContainerProps {
  /** Image reference, e.g. busybox:latest; a change replaces the container. */
  image: string;
  /** Command and arguments; a change replaces the container. */
  command?: string[];
  /** Environment variables; a change replaces the container. */
  env?: Record<string, string | number | boolean>;
  /** N > 1 ⇒ containers name-1 … name-N; default 1; changes in place. */
  replicas?: number;
  /** Networks to attach: a list of names, or a map name → endpoint settings; default [bridge]; changes in place. */
  networks?: string[] | Record<string, EndpointProps | null>;
  /** Host | none — exclusive with networks and publish; a change replaces the container. */
  networkMode?: 'host' | 'none';
  /** Port publishes: "[hostIp:]hostPort[-end]:containerPort[-end][/tcp|udp|sctp]" or long form; a change replaces the container. */
  publish?: (string | PortPublish)[];
  /** Container health check; a change replaces the container. */
  healthcheck?: HealthcheckProps;
  /** Restart policy: no, always, unless-stopped or on-failure; default no; changes in place. */
  restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  /** Extra Docker labels on the container; a change replaces the container. */
  labels?: Record<string, string>;
  /** Run an init (docker-init) as PID 1: it forwards signals and reaps zombies; default false; a change replaces the container. */
  init?: boolean;
  /** How long the container gets to stop after SIGTERM before SIGKILL (also when it is replaced), e.g. 30s; default 10s; a change replaces the container. */
  stopGracePeriod?: string;
  /** Mounts: "name:/path[:ro]" (a named volume, made and labelled by docknet, kept across replacements), "/host/path:/path[:ro]" (a bind mount), or the long form { type, source, target, readOnly }; a change replaces the container. */
  volumes?: (string | { type: 'volume' | 'bind' | 'tmpfs'; source?: string; target: string; readOnly?: boolean })[];
  /** Files of NAME=value lines (relative to the spec file) merged under env; env wins, as in compose; a change replaces the container. */
  envFile?: string[];
  /** User (and group) the command runs as, e.g. 1000:1000 or nobody; a change replaces the container. */
  user?: string;
  /** Working directory of the command; a change replaces the container. */
  workingDir?: string;
  /** The image's entrypoint replaced, e.g. [/bin/sh, -c]; a change replaces the container. */
  entrypoint?: string[];
  /** Linux capabilities added, e.g. [NET_ADMIN]; a change replaces the container. */
  capAdd?: string[];
  /** Linux capabilities dropped, e.g. [ALL]; a change replaces the container. */
  capDrop?: string[];
  /** Namespaced kernel parameters, e.g. { net.ipv4.ip_forward: 1 }; a change replaces the container. */
  sysctls?: Record<string, string | number>;
  /** Tmpfs mounts: "/path" or "/path:size=64m,mode=1777"; a change replaces the container. */
  tmpfs?: string[];
  /** The root filesystem is read-only; default false; a change replaces the container. */
  readOnly?: boolean;
  /** DNS servers of the container (instead of the host's or Docker's embedded one); a change replaces the container. */
  dns?: string[];
  /** Extra /etc/hosts lines: "name:address"; a change replaces the container. */
  extraHosts?: string[];
  /** The container's host name; default its id; a change replaces the container. */
  hostname?: string;
  /** Memory limit: bytes, or with a unit: 512m, 2g; a change replaces the container. */
  memory?: number | string;
  /** CPU limit, in CPUs: 0.5, 2; a change replaces the container. */
  cpus?: number;
  /** Containers of this stack made (and, with a condition, healthy or completed) before this one: a list of names, or a map name → { condition: started | healthy | completed }; changes in place. */
  dependsOn?: string[] | Record<string, { condition: 'started' | 'healthy' | 'completed' }>;
}

export class Container {
  constructor(readonly name: string, readonly props: ContainerProps) {}
  toDoc(): ContainerDoc {
    return this.props as ContainerDoc;
  }
}

type NetworkRef = string | NetworkResource;
const refName = (r: NetworkRef) => (typeof r === 'string' ? r : r.name);

export interface BridgeRouteProps {
  /** Two bridge networks, forwarding both ways; a change replaces the route. */
  between?: [NetworkRef, NetworkRef];
  /** One way: the bridge network traffic comes from (replies flow back); a change replaces the route. */
  from?: NetworkRef;
  /** One way: the bridge network traffic goes to; a change replaces the route. */
  to?: NetworkRef;
  /** Filter: tcp/80, udp/53, icmp, tcp/8000-8080; default everything; changes in place. */
  allow?: string[];
}

/** Forwarding between two bridge networks of the same host (rules in DOCKER-USER). */
export class BridgeRoute {
  constructor(readonly props: BridgeRouteProps) {}
  toDoc(): RouteDoc {
    const p = this.props;
    const doc: RouteDoc = {};
    if (p.between) doc.between = [refName(p.between[0]), refName(p.between[1])];
    if (p.from !== undefined) doc.from = refName(p.from);
    if (p.to !== undefined) doc.to = refName(p.to);
    if (p.allow) doc.allow = p.allow;
    return doc;
  }
}

