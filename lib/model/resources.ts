// Typed resources: the classes the Pulumi and CDKTF front-ends expose under the same names. Each one
// is a piece of a spec document, so a stack built from them goes through exactly the same schema,
// normalization and validation as a YAML file.
import type { BridgeOptionsDoc, ContainerDoc, IpamDoc, NetworkDoc, RouteDoc, SpecDoc } from './schema';

/** Settings every network kind shares. */
export interface NetworkCommonProps {
  /** IPv4 address management: subnet, ipRange, gateway, auxAddresses. Docker picks a subnet when absent. */
  ipv4?: IpamDoc;
  /** IPv6 address management; present ⇒ IPv6 is enabled on the network. */
  ipv6?: IpamDoc;
  /** No route to the outside world. Default false. */
  internal?: boolean;
  /** Extra Docker labels on the network. */
  labels?: Record<string, string>;
}

export interface BridgeNetworkProps extends NetworkCommonProps {
  /** Typed bridge options: host interface name, icc, masquerade, hostBindingIpv4, mtu, ifacePrefix. */
  bridge?: BridgeOptionsDoc;
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
    const { parent, vlan, mode } = this.props;
    return { ...common(this.props), driver: 'macvlan', macvlan: { parent, ...(vlan !== undefined ? { vlan } : {}), ...(mode ? { mode } : {}) } };
  }
}

/** An ipvlan segment on a host interface. */
export class IpvlanNetwork extends NetworkResource {
  constructor(name: string, readonly props: IpvlanNetworkProps) {
    super(name);
  }
  toDoc(): NetworkDoc {
    const { parent, vlan, mode } = this.props;
    return { ...common(this.props), driver: 'ipvlan', ipvlan: { parent, ...(vlan !== undefined ? { vlan } : {}), ...(mode ? { mode } : {}) } };
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

/** A container and its endpoints and port publishes (see the spec format for every field). */
export type ContainerProps = ContainerDoc;

export class Container {
  constructor(readonly name: string, readonly props: ContainerProps) {}
  toDoc(): ContainerDoc {
    return this.props;
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

export type Resource = NetworkResource | Container | BridgeRoute;

/** A spec document holding the given resources, as if written in YAML. */
export function specDocOf(stack: string, resources: Resource[]): SpecDoc {
  const doc: SpecDoc = { version: 1, stack, networks: {}, containers: {}, routes: [] };
  for (const r of resources) {
    if (r instanceof NetworkResource) doc.networks![r.name] = r.toDoc();
    else if (r instanceof Container) doc.containers![r.name] = r.toDoc();
    else doc.routes!.push(r.toDoc());
  }
  return doc;
}
