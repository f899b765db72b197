// Pulumi resources over the docknet core: the same names and typed props as the core's classes and
// the CDKTF constructs, as pulumi.dynamic.Resources. Inputs accept pulumi.Input values.
import * as pulumi from '@pulumi/pulumi';
import type {
  BridgeNetworkProps,
  BridgeRouteProps,
  ContainerProps,
  IpvlanNetworkProps,
  MacvlanNetworkProps,
  OverlayNetworkProps,
  PluginNetworkProps,
} from '../../lib/model/resources';
import type { Kind } from './handlers';
import { dynamicProvider } from './provider';

/** Arguments every docknet resource takes besides its typed props. */
export interface DocknetResourceArgs {
  /** Docker object name; default: the Pulumi resource name. */
  name?: pulumi.Input<string>;
  /** docknet stack that owns the object (labels io.docknet.stack); default: `<project>-<stack>`. */
  stack?: pulumi.Input<string>;
  /** Docker endpoint in DOCKER_HOST syntax (unix://, tcp://, ssh://); default: provider config docknet:dockerHost, then as the docker CLI resolves it (DOCKER_HOST, DOCKER_CONTEXT, the current context). */
  dockerHost?: pulumi.Input<string>;
}

/** Networks: adopt an existing network (same definition) instead of creating it; never changed or removed. */
export interface AdoptArgs {
  adopt?: pulumi.Input<boolean>;
}

/**
 * Containers: take over a container docknet made elsewhere (the CLI, docknet watch, Terraform) instead
 * of creating it; it must match in what needs a new container, and is changed only in place.
 */
export interface ContainerAdoptArgs {
  adopt?: pulumi.Input<boolean>;
}

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

function defaultStack(): string {
  return `${pulumi.getProject()}-${pulumi.getStack()}`;
}

abstract class DocknetResource extends pulumi.dynamic.Resource {
  protected constructor(kind: Kind, name: string, args: object, outputs: string[], opts?: pulumi.CustomResourceOptions) {
    const given = args as DocknetResourceArgs;
    const inputs: Record<string, unknown> = { ...args, kind, name: given.name ?? name, stack: given.stack ?? defaultStack() };
    for (const o of [...outputs, 'drift']) inputs[o] = undefined;
    super(dynamicProvider(kind), name, inputs, opts);
  }
}

abstract class NetworkBase extends DocknetResource {
  /** Docker's network id. */
  declare readonly networkId: pulumi.Output<string>;
  /** The host bridge interface (bridge networks), e.g. br-0123456789ab. */
  declare readonly bridgeInterface: pulumi.Output<string>;
  /** The IPv4 subnet Docker holds for the network. */
  declare readonly subnet: pulumi.Output<string>;
  /** The Docker network name, for containers and routes to reference. */
  declare readonly name: pulumi.Output<string>;
  protected constructor(kind: Kind, name: string, args: object, opts?: pulumi.CustomResourceOptions) {
    super(kind, name, args, ['networkId', 'bridgeInterface', 'subnet', 'adopted'], opts);
  }
}

/** A user-defined bridge network with typed options. */
export class BridgeNetwork extends NetworkBase {
  constructor(name: string, args: Inputs<BridgeNetworkProps> & DocknetResourceArgs & AdoptArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super('bridge', name, args, opts);
  }
}

/** A macvlan segment; with `vlan`, an 802.1Q VLAN segment on parent.vlan. */
export class MacvlanNetwork extends NetworkBase {
  constructor(name: string, args: Inputs<MacvlanNetworkProps> & DocknetResourceArgs & AdoptArgs, opts?: pulumi.CustomResourceOptions) {
    super('macvlan', name, args, opts);
  }
}

/** An ipvlan segment. */
export class IpvlanNetwork extends NetworkBase {
  constructor(name: string, args: Inputs<IpvlanNetworkProps> & DocknetResourceArgs & AdoptArgs, opts?: pulumi.CustomResourceOptions) {
    super('ipvlan', name, args, opts);
  }
}

/** A swarm overlay network. */
export class OverlayNetwork extends NetworkBase {
  constructor(name: string, args: Inputs<OverlayNetworkProps> & DocknetResourceArgs & AdoptArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super('overlay', name, args, opts);
  }
}

/** A network of any other driver plugin. */
export class PluginNetwork extends NetworkBase {
  constructor(name: string, args: Inputs<PluginNetworkProps> & DocknetResourceArgs & AdoptArgs, opts?: pulumi.CustomResourceOptions) {
    super('plugin', name, args, opts);
  }
}

/** A container with its endpoints and port publishes; networks attach and detach in place. */
export class Container extends DocknetResource {
  /** Ids of the containers (one per replica). */
  declare readonly containerIds: pulumi.Output<string[]>;
  /** IPv4 address of the (first) container on each network. */
  declare readonly addresses: pulumi.Output<Record<string, string>>;
  declare readonly name: pulumi.Output<string>;
  constructor(name: string, args: Inputs<ContainerProps> & DocknetResourceArgs & ContainerAdoptArgs, opts?: pulumi.CustomResourceOptions) {
    super('container', name, args, ['containerIds', 'addresses'], opts);
  }
}

export interface BridgeRouteArgs extends DocknetResourceArgs {
  /** Two bridge networks (names or network resources), forwarding both ways. */
  between?: [pulumi.Input<string> | NetworkBase, pulumi.Input<string> | NetworkBase];
  from?: pulumi.Input<string> | NetworkBase;
  to?: pulumi.Input<string> | NetworkBase;
  /** Filter: "tcp/80", "udp/53", "icmp"; default everything. Changes in place. */
  allow?: pulumi.Input<BridgeRouteProps['allow']>;
}

const ref = (r: pulumi.Input<string> | NetworkBase | undefined) => (r instanceof NetworkBase ? r.name : r);

/** Forwarding between two bridge networks of the host (rules in DOCKER-USER). */
export class BridgeRoute extends DocknetResource {
  /** The route's id inside its stack, as in the rule comments docknet:<stack>:<id>. */
  declare readonly routeId: pulumi.Output<string>;
  constructor(name: string, args: BridgeRouteArgs, opts?: pulumi.CustomResourceOptions) {
    const { between, from, to, ...rest } = args;
    const ends: Record<string, unknown> = between ? { between: [ref(between[0]), ref(between[1])] } : { from: ref(from), to: ref(to) };
    super('route', name, { ...rest, ...ends }, ['routeId'], opts);
  }
}
