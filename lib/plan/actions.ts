// A plan is a list of actions, each explaining itself. Front-ends render or execute these.
import type { ContainerSpec, EndpointSpec, NetworkSpec, RouteSpec } from '../model/types';
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
}

export interface RouteAction extends Base {
  kind: 'route';
  op: 'create' | 'replace' | 'remove';
  /** The route id, e.g. "lab-a=lab-b". */
  name: string;
  desired?: RouteSpec;
  /** Rules of this route now in DOCKER-USER, removed before the new ones go in. */
  existingRules: string[];
}

export type Action = NetworkAction | ContainerAction | EndpointAction | RouteAction;

export interface Plan {
  stacks: string[];
  actions: Action[];
  /** The host the plan was made from: applying the plan works from it instead of reading it again. */
  observed: ObservedHost;
}
