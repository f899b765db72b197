// Typed resources: the classes the Pulumi and CDKTF front-ends expose under the same names. Each one
// is a piece of a spec document, so a stack built from them goes through exactly the same schema,
// normalization and validation as a YAML file.
import type { ContainerDoc, NetworkDoc, RouteDoc } from './schema';

/** Address management of one IP family. */
export interface IpamProps {
  /** The network in CIDR form, e.g. 172.25.0.0/16. Docker picks one when absent. */
  subnet?: string;
  /** The part of the subnet Docker allocates container addresses from, e.g. 172.25.100.0/24. */
  ipRange?: string;
  /** The gateway address inside the subnet; Docker picks one when absent. */
  gateway?: string;
  /** Addresses inside the subnet that Docker must not hand out, by name. */
  auxAddresses?: Record<string, string>;
}

/** Typed options of the bridge driver. */
export interface BridgeOptionsProps {
  /** Host bridge interface name (com.docker.network.bridge.name), at most 15 bytes. */
  name?: string;
  /** Inter-container connectivity (com.docker.network.bridge.enable_icc). Default true. */
  icc?: boolean;
  /** Masquerade outgoing traffic (com.docker.network.bridge.enable_ip_masquerade). Default true. */
  masquerade?: boolean;
  /** Default host address for publishes (com.docker.network.bridge.host_binding_ipv4). */
  hostBindingIpv4?: string;
  /** MTU of the bridge (com.docker.network.driver.mtu). */
  mtu?: number;
  /** Prefix of the interface names inside containers (com.docker.network.container_iface_prefix). */
  ifacePrefix?: string;
}

/** Settings every network kind shares. */
export interface NetworkCommonProps {
  /** IPv4 address management: subnet, ipRange, gateway, auxAddresses. Docker picks a subnet when absent. */
  ipv4?: IpamProps;
  /** IPv6 address management; present ⇒ IPv6 is enabled on the network. */
  ipv6?: IpamProps;
  /** No route to the outside world. Default false. */
  internal?: boolean;
  /** Extra Docker labels on the network. */
  labels?: Record<string, string>;
}

export interface BridgeNetworkProps extends NetworkCommonProps {
  /** Typed bridge options: host interface name, icc, masquerade, hostBindingIpv4, mtu, ifacePrefix. */
  bridge?: BridgeOptionsProps;
}

export interface SegmentProps extends NetworkCommonProps {
  /** Host interface the segment hangs off, e.g. eth0. */
  parent: string;
  /** 802.1Q VLAN id (1–4094): Docker then uses the sub-interface parent.vlan. */
  vlan?: number;
}

export interface MacvlanNetworkProps extends SegmentProps {
  /** macvlan mode; default bridge. */
  mode?: 'bridge' | 'vepa' | 'passthru' | 'private';
}

export interface IpvlanNetworkProps extends SegmentProps {
  /** ipvlan mode; default l2. */
  mode?: 'l2' | 'l3' | 'l3s';
}

export interface OverlayNetworkProps extends NetworkCommonProps {
  /** Standalone containers may attach (not only swarm services). Default false. */
  attachable?: boolean;
  /** Encrypt the VXLAN data plane with IPsec. Default false. */
  encrypted?: boolean;
}

export interface PluginNetworkProps extends NetworkCommonProps {
  /** The network driver plugin's name. */
  driver: string;
  /** Driver options, passed unchanged. */
  options?: Record<string, string>;
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
    return { ...common(this.props), driver: 'macvlan', macvlan: segment(this.props) };
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
  /** Static IPv4 address in the network (needs the network's ipv4.subnet). */
  ipv4?: string;
  /** Static IPv6 address in the network. */
  ipv6?: string;
  /** Extra DNS names of the container on this network. */
  aliases?: string[];
  /** MAC address on this network; set when the container is created (one network per container). */
  mac?: string;
}

/** A port publish: a host port (or range) forwarded to a container port. */
export interface PortPublish {
  /** Host address to bind, IPv4 or IPv6; default all. */
  hostIp?: string;
  /** Host port, or a range "8000-8010" Docker picks from; default: Docker picks. */
  hostPort?: number | string;
  /** Container port or range. */
  containerPort: number | string;
  /** tcp (default), udp or sctp. */
  protocol?: 'tcp' | 'udp' | 'sctp';
}

/** Container health check. */
export interface HealthcheckProps {
  /** e.g. ["CMD-SHELL", "true"] or ["CMD", "prog", "arg"]. */
  test: string[];
  /** Time between checks, e.g. 5s. */
  interval?: string;
  /** Time a check may take, e.g. 2s. */
  timeout?: string;
  /** Failures in a row before unhealthy. */
  retries?: number;
  /** Grace period after start, e.g. 5s. */
  startPeriod?: string;
}

/** A container, its endpoints and its port publishes. */
export interface ContainerProps {
  /** Image reference, e.g. busybox:latest. A change replaces the container. */
  image: string;
  /** Command and arguments. */
  command?: string[];
  /** Environment variables. */
  env?: Record<string, string | number | boolean>;
  /** N > 1 ⇒ containers name-1 … name-N. Changes in place. */
  replicas?: number;
  /** Networks to attach: a list of names, or a map name → endpoint settings. Attach/detach in place. */
  networks?: string[] | Record<string, EndpointProps | null>;
  /** host | none — exclusive with networks and publish. */
  networkMode?: 'host' | 'none';
  /** Port publishes: "[hostIp:]hostPort:containerPort[/proto]" or PortPublish objects. */
  publish?: (string | PortPublish)[];
  /** Health check. */
  healthcheck?: HealthcheckProps;
  /** Restart policy; default no. Changes in place. */
  restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  /** Extra Docker labels. */
  labels?: Record<string, string>;
  /** Run an init (docker-init) as PID 1: it forwards signals and reaps zombies. Default false. */
  init?: boolean;
  /** Time the container gets to stop after SIGTERM before SIGKILL, also when replaced, e.g. 30s. Default 10s. */
  stopGracePeriod?: string;
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
  /** Two bridge networks, forwarding both ways. */
  between?: [NetworkRef, NetworkRef];
  /** One-way: the network traffic comes from (replies flow back). */
  from?: NetworkRef;
  /** One-way: the network traffic goes to. */
  to?: NetworkRef;
  /** Filter: "tcp/80", "udp/53", "icmp", "tcp/8000-8080"; default everything. */
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

