// What a plan's actions build, in the spec's own terms: the values an object will have (desired) and,
// where it exists, has now (current). A plan's text shows the desired ones under each create and
// replace, one `key: value` line per spec key written as the spec writes it; its JSON carries both.
import { stringify } from 'yaml';
import type { ContainerDoc, EndpointDoc } from '../model/schema';
import type { ContainerSpec } from '../model/types';
import { ruleKey } from '../drivers/firewall';
import { containerDocFromDefinition, networkDocFromHost } from '../spec/from-host';
import type { Action, ContainerAction, EndpointAction, NetworkAction, RouteAction, ShimAction } from './actions';
import { containerDefinition, definitionOf, networkRequest } from './desired';
import type { ObservedContainer, ObservedHost } from './observe';
import { ruleCommand } from './route-rules';

export interface ActionValues {
  /** What the object will be: a spec document (routes: their rules too). */
  desired?: unknown;
  /** What the object is on the host now, in the same terms. */
  current?: unknown;
}

/** An endpoint as the spec writes it: only the settings it has. */
function endpointDoc(e: { ipv4?: string; ipv6?: string; aliases?: string[]; mac?: string }): EndpointDoc {
  return { ...(e.ipv4 ? { ipv4: e.ipv4 } : {}), ...(e.ipv6 ? { ipv6: e.ipv6 } : {}), ...(e.aliases?.length ? { aliases: e.aliases } : {}), ...(e.mac ? { mac: e.mac } : {}) };
}

function desiredContainer(c: ContainerSpec): ContainerDoc {
  return containerDocFromDefinition(containerDefinition(c), Object.fromEntries(c.endpoints.map((e) => [e.network, endpointDoc(e)])), c.restart);
}

/** An endpoint as the host has it: the addresses it got, the aliases when the container was inspected. */
function observedEndpoint(c: ObservedContainer, network: string): EndpointDoc | undefined {
  const e = c.endpoints.get(network);
  return e && endpointDoc({ ...e, aliases: c.detail?.aliases.get(network) });
}

function currentContainer(c: ObservedContainer): ContainerDoc {
  // An unreadable label: the plan's reasons say so.
  const def = definitionOf(c.labels) ?? {};
  const networks = Object.fromEntries([...c.endpoints.keys()].map((n) => [n, observedEndpoint(c, n)!]));
  return containerDocFromDefinition(def, networks, c.detail?.restart);
}

function networkValues(a: NetworkAction, host: ObservedHost): ActionValues {
  const seen = host.networks.get(a.name);
  return { desired: a.desired && networkDocFromHost(networkRequest(a.desired)), current: seen && networkDocFromHost(seen.info) };
}

function containerValues(a: ContainerAction, host: ObservedHost): ActionValues {
  const seen = host.containers.get(a.name);
  return { desired: a.desired && desiredContainer(a.desired), current: seen && currentContainer(seen) };
}

function endpointValues(a: EndpointAction, host: ObservedHost): ActionValues {
  const seen = host.containers.get(a.container);
  return { desired: a.endpoint && endpointDoc(a.endpoint), current: seen && observedEndpoint(seen, a.network) };
}

function routeValues(a: RouteAction): ActionValues {
  const route = a.desired && (a.desired.bidirectional ? { between: [a.desired.from, a.desired.to] } : { from: a.desired.from, to: a.desired.to });
  const allow = a.desired?.allow.map((r) => (r.port ? `${r.protocol}/${r.port}` : r.protocol));
  return {
    desired: a.rules && { ...route, ...(allow?.length ? { allow } : {}), rules: a.rules },
    current: a.existing.length > 0 ? { rules: a.existing.map(({ family, table, chain, spec }) => ({ family, table, chain, spec })) } : undefined,
  };
}

/** A host shim: its spec values (name, address) and what it hangs off and routes; on the host, the link as `ip` shows it. */
function shimValues(a: ShimAction, host: ObservedHost): ActionValues {
  const seen = host.links?.byName.get(a.name);
  const want = a.desired;
  const routes = (host.links?.routes ?? []).filter((r) => r.dev === a.name).map((r) => r.dst);
  return {
    desired: want && { name: want.name, address: want.address, parent: want.parent, route: want.route },
    current: seen && {
      name: seen.name,
      ...(seen.ipv4.length > 0 ? { address: seen.ipv4.map((x) => x.replace(/\/32$/, '')).join(', ') } : {}),
      ...(seen.parent ? { parent: seen.parent } : {}),
      ...(routes.length > 0 ? { route: routes.join(', ') } : {}),
      ...(seen.kind ? { kind: seen.kind } : {}),
      ...(seen.mode ? { mode: seen.mode } : {}),
      state: seen.up ? 'up' : 'down',
    },
  };
}

/** The desired and current values of an action's object. */
export function actionValues(a: Action, host: ObservedHost): ActionValues {
  if (a.kind === 'network') return networkValues(a, host);
  if (a.kind === 'container') return containerValues(a, host);
  if (a.kind === 'endpoint') return endpointValues(a, host);
  if (a.kind === 'shim') return shimValues(a, host);
  return routeValues(a);
}

/** `key: value` with the value as the spec writes it (YAML flow style, on one line). */
function specLine(key: string, value: unknown): string {
  return `${key}: ${stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd()}`;
}

/**
 * What a plan shows under an action: for a create or replace, every value of the object it builds; for
 * a route, its rules (a replace marks those it adds + and removes -, and leaves out those that stay);
 * for a connect, the endpoint's settings. Other actions say all in their reasons.
 */
export function attributeLines(a: Action, host: ObservedHost): string[] {
  const { desired } = actionValues(a, host);
  if (a.kind === 'route') {
    if (!a.rules) return [];
    if (a.op === 'create') return a.rules.map(ruleCommand);
    const have = new Set(a.existing.map(ruleKey));
    const want = new Set(a.rules.map(ruleKey));
    const added = a.rules.filter((r) => !have.has(ruleKey(r))).map((r) => `+ ${ruleCommand(r)}`);
    const removed = a.existing.filter((r) => !want.has(ruleKey(r))).map((r) => `- ${ruleCommand(r)}`);
    return [...added, ...removed];
  }
  const shows = a.op === 'create' || a.op === 'replace' || a.op === 'connect';
  if (!shows || typeof desired !== 'object' || desired === null) return [];
  const lines = Object.entries(desired).map(([key, value]) => specLine(key, value));
  if (a.kind === 'network' && a.desired?.driver === 'bridge' && a.desired.bridgeName === undefined) lines.push('interface: br-<network id>, named by Docker');
  return lines;
}
