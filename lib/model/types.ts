// The normalized desired state: what a spec (or a front-end's typed resources) means once defaults are
// filled in and short forms expanded. Planner and drivers work only with these.

export type SpecPath = (string | number)[];

/** Where a resource was declared: a spec file (or front-end) and the path of the resource inside it. */
export interface Source {
  file: string;
  path: SpecPath;
  /** "line:column" of a path inside the file, when known. */
  position?: (path: SpecPath) => string | undefined;
}

export type Family = 'ipv4' | 'ipv6';

export interface Ipam {
  subnet?: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
}

/** A macvlan link on the engine's host in a macvlan network's segment, so the host reaches the containers. */
export interface HostShim {
  /** The host interface name. */
  name: string;
  /** The host's IPv4 address in the segment, held as a /32. */
  address: string;
}

export interface NetworkSpec {
  name: string;
  source: Source;
  driver: string;
  ipv4?: Ipam;
  ipv6?: Ipam;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  /** Driver options as Docker stores them (typed options already translated). */
  options: Record<string, string>;
  /** For macvlan/ipvlan: the host link Docker hangs the segment off (parent or parent.vlan). */
  parent?: string;
  /** The VLAN id when the parent is an 802.1Q sub-interface. */
  vlan?: number;
  /** For bridges: the host bridge interface name when fixed by the spec. */
  bridgeName?: string;
  /** For macvlan: the host's own link into the segment (not part of the Docker network's definition). */
  hostShim?: HostShim;
}

export interface EndpointSpec {
  network: string;
  ipv4?: string;
  ipv6?: string;
  aliases: string[];
  mac?: string;
}

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** One container port published on the host. A host port range lets Docker pick one port of it. */
export interface Publish {
  hostIp: string;
  /** '' (Docker picks), '8080', or '8000-8010'. */
  hostPort: string;
  containerPort: number;
  protocol: Protocol;
}

export interface Healthcheck {
  test: string[];
  intervalNs?: number;
  timeoutNs?: number;
  retries?: number;
  startPeriodNs?: number;
}

export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** A mount: a named volume (docknet makes it, labelled, when missing), a host path, or a tmpfs. */
export interface Mount {
  type: 'volume' | 'bind' | 'tmpfs';
  /** Volume name or absolute host path; none for tmpfs. */
  source?: string;
  target: string;
  readOnly: boolean;
}

/** What a container runs with beyond image and command; Docker fixes all of it at creation. */
export interface RuntimeSpec {
  mounts: Mount[];
  user?: string;
  workingDir?: string;
  entrypoint?: string[];
  capAdd: string[];
  capDrop: string[];
  sysctls: Record<string, string>;
  /** tmpfs mounts: path → options ("" for none). */
  tmpfs: Record<string, string>;
  readOnly: boolean;
  dns: string[];
  extraHosts: string[];
  hostname?: string;
  memoryBytes?: number;
  nanoCpus?: number;
}

export type DependencyCondition = 'started' | 'healthy' | 'completed';

/** Another container service of the stack that must be there (and, with a condition, healthy or done) first. */
export interface Dependency {
  service: string;
  condition: DependencyCondition;
}

export interface ContainerSpec {
  /** The Docker container name (with -N suffix for replicas). */
  name: string;
  source: Source;
  /** The name in the spec; replicas share it. */
  service: string;
  image: string;
  command?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  endpoints: EndpointSpec[];
  networkMode?: 'host' | 'none';
  publish: Publish[];
  healthcheck?: Healthcheck;
  restart: RestartPolicy;
  /** docker-init as PID 1. */
  init?: boolean;
  /** Seconds between SIGTERM and SIGKILL when the container is stopped (Docker's StopTimeout). */
  stopTimeout?: number;
  /** The env files it was given (their values are in env already). */
  envFiles: string[];
  runtime: RuntimeSpec;
  dependsOn: Dependency[];
}

export interface RouteRule {
  protocol?: 'tcp' | 'udp' | 'sctp' | 'icmp';
  /** '80' or '8000-8080' */
  port?: string;
}

export interface RouteSpec {
  source: Source;
  /** Stable identity within the stack, used in the firewall rule comment. */
  id: string;
  from: string;
  to: string;
  bidirectional: boolean;
  /** Empty means everything. */
  allow: RouteRule[];
}

export interface Stack {
  name: string;
  files: string[];
  /** Set when the name came from a file name (no stack: in it): that file, as its reader knows it. */
  origin?: string;
  networks: NetworkSpec[];
  /** Networks made elsewhere (external: true): used, never created, changed or removed. */
  externals: ExternalNetwork[];
  containers: ContainerSpec[];
  /** Containers docknet does not own, connected to its networks in place. */
  endpoints: ForeignEndpointSpec[];
  routes: RouteSpec[];
}

export interface ExternalNetwork {
  name: string;
  source: Source;
}

/** A container docknet does not own (by name, or every one whose labels match) on a network. */
export interface ForeignEndpointSpec {
  source: Source;
  container?: string;
  selector?: Record<string, string>;
  network: string;
  ipv4?: string;
  ipv6?: string;
  aliases: string[];
}
