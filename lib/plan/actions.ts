// A plan is a list of actions, each explaining itself. Front-ends render or execute these.
import type { ContainerSpec, EndpointSpec, NetworkSpec, RouteSpec, Source } from '../model/types';
import type { OwnedRule, Rule } from '../drivers/firewall';
import type { ShimLink } from '../drivers/links';
import type { ObservedHost } from './observe';

export type Op = 'create' | 'replace' | 'update' | 'remove' | 'connect' | 'disconnect' | 'start';

interface Base {
  stack: string;
  op: Op;
  /** Why: every action carries at least one reason a person can read. */
  reasons: string[];
}

export interface NetworkAction extends Base {
  kind: 'network';
  op: 'create' | 'replace' | 'remove';
  name: string;
  desired?: NetworkSpec;
  observedId?: string;
}

export interface ContainerAction extends Base {
  kind: 'container';
  op: 'create' | 'replace' | 'remove' | 'start' | 'update';
  name: string;
  desired?: ContainerSpec;
  observedId?: string;
}

export interface EndpointAction extends Base {
  kind: 'endpoint';
  op: 'connect' | 'disconnect';
  /** "container → network" */
  name: string;
  container: string;
  network: string;
  endpoint?: EndpointSpec;
  /** Where the endpoint is declared (the container's entry for the network), when the spec declares it. */
  source?: Source;
  /**
   * Connect as it was attached before this apply took it off a recreated network (the settings
   * remembered at the disconnect): a container of the stack that the plan does not otherwise manage.
   */
  restore?: boolean;
  /**
   * A container docknet does not own (an endpoints: entry): connecting it writes an endpoint record
   * (its id, for the record's name), disconnecting it removes that record.
   */
  foreign?: { containerId: string; record?: string };
}

export interface RouteAction extends Base {
  kind: 'route';
  op: 'create' | 'replace' | 'remove';
  /** The route id, e.g. "lab-a=lab-b". */
  name: string;
  desired?: RouteSpec;
  /** Rules of this route on the host now, in every chain; those the route no longer needs are removed. */
  existing: OwnedRule[];
  /** The route is not in the plan's spec: its rules move to the new bridge and subnets of this recreated network. */
  follows?: string;
  /** The rules the route has once applied; a network not made yet stands in them as <bridge of NAME>. */
  rules?: Rule[];
}

/** A macvlan network's host shim: a link of the engine's host, made and removed beside the network. */
export interface ShimAction extends Base {
  kind: 'shim';
  op: 'create' | 'replace' | 'remove';
  /** The host link's name. */
  name: string;
  /** The network whose segment it joins. */
  network: string;
  desired?: ShimLink;
  /** Where the shim is declared (the network's hostShim), when the spec declares it. */
  source?: Source;
}

export type Action = NetworkAction | ContainerAction | EndpointAction | RouteAction | ShimAction;

/** Something a person should know about a stack that is not a change (what docknet will not do). */
export interface PlanNote {
  stack: string;
  message: string;
}

export interface Plan {
  stacks: string[];
  actions: Action[];
  notes: PlanNote[];
  /** The host the plan was made from: applying the plan works from it instead of reading it again. */
  observed: ObservedHost;
}

/** Where an action's object is declared, when the spec (still) declares it. */
export function actionSource(a: Action): Source | undefined {
  return a.kind === 'endpoint' || a.kind === 'shim' ? a.source : a.desired?.source;
}
