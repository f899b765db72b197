// CDKTF constructs for docknet's Terraform provider (source local/docknet): the core's classes under
// the same names and typed props, each synthesizing one docknet_* resource. Only the construct API
// shared by cdktf and its continuation CDK Terrain is used (TerraformProvider, TerraformResource).
import { TerraformProvider, TerraformResource, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';
import * as core from '../../lib/model/resources';
import type { EndpointProps } from '../../lib/model/resources';
import { containerAttributes, networkAttributes, routeAttributes, snake, type Attributes } from '../terraform/attributes';

export interface DocknetProviderConfig {
  /** Docker endpoint in DOCKER_HOST syntax; default: DOCKER_HOST, else the local unix socket. */
  dockerHost?: string;
  /** docknet stack owning what this app creates; default "terraform". */
  stack?: string;
  /** Provider alias, for several Docker hosts in one app. */
  alias?: string;
}

/** The docknet provider. Install it offline with `docknet terraform install`. */
export class DocknetProvider extends TerraformProvider {
  constructor(scope: Construct, id: string, private readonly config: DocknetProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'docknet',
      // cdktf insists on a version constraint in required_providers.
      terraformGeneratorMetadata: { providerName: 'docknet', providerVersionConstraint: '>= 0.1.0' },
      terraformProviderSource: 'local/docknet',
    });
    this.alias = config.alias;
  }
  protected synthesizeAttributes(): Attributes {
    return { docker_host: this.config.dockerHost, stack: this.config.stack, alias: this.alias };
  }
}

/**
 * A network to refer to: a name, a docknet network construct, or any construct with a `name`
 * (e.g. `Network` or `DataDockerNetwork` of @cdktf/provider-docker).
 */
export type NetworkRef = string | { readonly name: string };
const refName = (r: NetworkRef): string => (typeof r === 'string' ? r : r.name);

/** Settings every docknet construct takes besides its typed props. */
export interface DocknetConstructProps extends TerraformMetaArguments {
  /** Docker object name; default: the construct id. */
  name?: string;
  /** docknet stack owning the object; default: the provider's stack. */
  stack?: string;
}

abstract class DocknetResource extends TerraformResource {
  constructor(scope: Construct, id: string, type: string, private readonly attributes: Attributes, meta: TerraformMetaArguments) {
    super(scope, id, { terraformResourceType: type, terraformGeneratorMetadata: { providerName: 'docknet' }, ...meta });
  }
  protected synthesizeAttributes(): Attributes {
    return this.attributes;
  }
}

function meta(props: DocknetConstructProps): TerraformMetaArguments {
  const { provider, dependsOn, count, lifecycle, provisioners, connection, forEach } = props;
  return { provider, dependsOn, count, lifecycle, provisioners, connection, forEach };
}

abstract class NetworkConstruct extends DocknetResource {
  protected constructor(scope: Construct, id: string, resource: core.NetworkResource, props: DocknetConstructProps) {
    super(scope, id, 'docknet_network', { ...networkAttributes(resource.name, resource.toDoc()), stack: props.stack }, meta(props));
  }
  /** The Docker network name (a reference: depending on it orders the apply). */
  get name(): string {
    return this.getStringAttribute('name');
  }
  /** Docker's network id. */
  get networkId(): string {
    return this.getStringAttribute('id');
  }
  /** The host bridge interface of a bridge network. */
  get bridgeInterface(): string {
    return this.getStringAttribute('bridge_interface');
  }
}

/** A user-defined bridge network with typed options. */
export class BridgeNetwork extends NetworkConstruct {
  constructor(scope: Construct, id: string, props: core.BridgeNetworkProps & DocknetConstructProps = {}) {
    super(scope, id, new core.BridgeNetwork(props.name ?? id, props), props);
  }
}

/** A macvlan segment; with `vlan`, an 802.1Q VLAN segment on parent.vlan. */
export class MacvlanNetwork extends NetworkConstruct {
  constructor(scope: Construct, id: string, props: core.MacvlanNetworkProps & DocknetConstructProps) {
    super(scope, id, new core.MacvlanNetwork(props.name ?? id, props), props);
  }
}

/** An ipvlan segment. */
export class IpvlanNetwork extends NetworkConstruct {
  constructor(scope: Construct, id: string, props: core.IpvlanNetworkProps & DocknetConstructProps) {
    super(scope, id, new core.IpvlanNetwork(props.name ?? id, props), props);
  }
}

/** A swarm overlay network. */
export class OverlayNetwork extends NetworkConstruct {
  constructor(scope: Construct, id: string, props: core.OverlayNetworkProps & DocknetConstructProps = {}) {
    super(scope, id, new core.OverlayNetwork(props.name ?? id, props), props);
  }
}

/** An endpoint given with a network reference instead of a name. */
export interface EndpointRef extends EndpointProps {
  /** The network to attach. */
  network: NetworkRef;
}

// dependsOn is Terraform's own here (construct dependencies): start order comes from it.
export interface ContainerConstructProps extends Omit<core.ContainerProps, 'networks' | 'dependsOn'>, DocknetConstructProps {
  /** Networks to attach (in place): references, or references with endpoint settings. */
  networks?: (NetworkRef | EndpointRef)[];
}

/** A container with its endpoints and port publishes (PortPublish objects or short syntax). */
export class Container extends DocknetResource {
  constructor(scope: Construct, id: string, props: ContainerConstructProps) {
    const { networks, name, stack, provider: _p, dependsOn: _d, count: _c, lifecycle: _l, provisioners: _v, connection: _n, forEach: _f, ...containerProps } = props;
    const attributes = containerAttributes(name ?? id, new core.Container(name ?? id, containerProps).toDoc());
    if (networks) {
      attributes.network = networks.map((n) => {
        if (typeof n === 'string' || !('network' in n)) return { name: refName(n as NetworkRef) };
        const { network, ...settings } = n;
        return { name: refName(network), ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [snake(k), v])) };
      });
    }
    super(scope, id, 'docknet_container', { ...attributes, stack }, meta(props));
  }
  get name(): string {
    return this.getStringAttribute('name');
  }
  /** Ids of the containers, one per replica. */
  get containerIds(): string[] {
    return this.getListAttribute('container_ids');
  }
  /** IPv4 address of the (first) container on each network. */
  get addresses(): { [network: string]: string } {
    return this.getStringMapAttribute('addresses');
  }
}

export interface BridgeRouteProps extends TerraformMetaArguments {
  /** Two bridge networks, forwarding both ways. */
  between?: [NetworkRef, NetworkRef];
  /** One way: the network traffic comes from (replies flow back). */
  from?: NetworkRef;
  /** One way: the network traffic goes to. */
  to?: NetworkRef;
  /** Filter: "tcp/80", "udp/53", "icmp"; default everything. Changes in place. */
  allow?: string[];
  /** docknet stack owning the rules; default: the provider's stack. */
  stack?: string;
}

/** Forwarding between two bridge networks of the host (rules in DOCKER-USER). */
export class BridgeRoute extends DocknetResource {
  constructor(scope: Construct, id: string, props: BridgeRouteProps) {
    const ends = props.between ? { between: [refName(props.between[0]), refName(props.between[1])] as [string, string] } : { from: props.from && refName(props.from), to: props.to && refName(props.to) };
    const doc = new core.BridgeRoute({ ...ends, allow: props.allow }).toDoc();
    super(scope, id, 'docknet_route', { ...routeAttributes(doc), stack: props.stack }, meta(props));
  }
  /** The route id in the rule comments docknet:<stack>:<id>. */
  get routeId(): string {
    return this.getStringAttribute('route_id');
  }
}
