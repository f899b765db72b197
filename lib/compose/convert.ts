// A compose project (its files merged, in long syntax) as one docknet spec: the stack is the project,
// networks and containers are named as compose names them. With --lenient what docknet cannot carry is
// left out — a refused network takes the services attached to it along — and each omission is warned about.
import type { ContainerDoc, NetworkDoc, SpecDoc } from '../model/schema';
import type { SpecPath } from '../model/types';
import type { Lookup } from './interpolate';
import type { ComposeIssues } from './issues';
import { convertNetwork, networkName } from './networks';
import { isTree, type Tree } from './read';
import { convertService, type ComposeService } from './services';
import { composeVolumes } from './volumes';

export interface ProjectOptions {
  /** The project name: docknet's stack. */
  project: string;
  /** The folder of the first file: relative paths are its. */
  projectDir: string;
  lookup: Lookup;
  lenient: boolean;
}

export interface Conversion {
  spec: SpecDoc;
  /** The compose path each docknet object comes from ("containers.<key>" → services.<name>). */
  origins: Map<string, SpecPath>;
}

const TOP_LEVEL = new Set(['version', 'name', 'services', 'networks', 'volumes', 'secrets', 'configs', 'include', 'models']);

function checkTopLevel(project: Tree, issues: ComposeIssues): void {
  for (const key of Object.keys(project)) {
    if (!TOP_LEVEL.has(key) && !key.startsWith('x-')) issues.error([key], 'is not a top-level key of a compose file');
  }
  // secrets, configs and models are refused where a service uses them; unused, compose ignores them too.
  if (project.include !== undefined && project.include !== null) issues.error(['include'], 'docknet import does not follow include: name the included files after the others on the command line');
}

export function convertProject(project: Tree, options: ProjectOptions, issues: ComposeIssues): Conversion {
  checkTopLevel(project, issues);
  const services = isTree(project.services) ? project.services : {};
  const networkDefs: Tree = { ...(isTree(project.networks) ? project.networks : {}) };
  // The network compose gives services that name none.
  if (!Object.hasOwn(networkDefs, 'default')) networkDefs.default = null;
  const names = new Map(Object.entries(networkDefs).map(([key, def]) => [key, networkName(key, def, options.project)]));
  const volumes = composeVolumes(project.volumes ?? null, options.project, issues);
  const profiles = new Set((options.lookup('COMPOSE_PROFILES') ?? '').split(',').map((p) => p.trim()).filter(Boolean));
  const keyOf = (name: string) => {
    const s = services[name];
    return isTree(s) && typeof s.container_name === 'string' && s.container_name !== '' ? s.container_name : `${options.project}-${name}`;
  };
  const ctx = { ...options, profiles, networks: names, volumes, services, issues };
  const converted = Object.entries(services)
    .map(([name, def]) => convertService(name, def, ctx, keyOf))
    .filter((s): s is ComposeService => s !== undefined);
  // As compose: only networks some service uses are made (and only their definitions matter).
  const wanted = new Set(converted.flatMap((s) => s.networks));
  const networks = new Map([...wanted].map((key) => [key, convertNetwork(key, networkDefs[key] ?? null, issues)]));

  const spec: SpecDoc = { version: 1, stack: options.project };
  const origins = new Map<string, SpecPath>();
  const refusals = issues.list.filter((i) => i.level === 'refusal');
  // Without --lenient a refusal is an error: no spec is written, so there is nothing more to say.
  if (refusals.length > 0 && !options.lenient) return { spec, origins };
  const refused = (kind: 'service' | 'network') => new Set(refusals.filter((i) => i.subject?.kind === kind).map((i) => i.subject!.name));
  const leftNetworks = refused('network');
  const leftServices = refused('service');
  for (const issue of refusals) {
    issue.level = 'warning';
    issue.message = `${issue.message} — ${issue.subject!.kind} ${issue.subject!.name} left out (--lenient)`;
  }
  for (const s of converted) {
    const lost = s.networks.find((n) => leftNetworks.has(n));
    if (lost !== undefined && !leftServices.has(s.name)) {
      leftServices.add(s.name);
      issues.warn(['services', s.name, 'networks', lost], `service ${s.name} left out: its network ${lost} was left out`);
    }
  }
  const kept = converted.filter((s) => !leftServices.has(s.name));
  const keptKeys = new Set(kept.map((s) => s.key));
  for (const s of kept) {
    for (const dep of Object.keys(s.doc.dependsOn ?? {})) {
      if (keptKeys.has(dep)) continue;
      delete (s.doc.dependsOn as Record<string, unknown>)[dep];
      const service = Object.keys(services).find((n) => keyOf(n) === dep) ?? dep;
      issues.warn(['services', s.name, 'depends_on', service], `not carried: ${service} was left out`);
    }
    if (s.doc.dependsOn && Object.keys(s.doc.dependsOn).length === 0) delete s.doc.dependsOn;
  }

  const used = new Set(kept.flatMap((s) => s.networks));
  const specNetworks: Record<string, NetworkDoc> = {};
  for (const [key, name] of names) {
    if (used.has(key)) {
      specNetworks[name] = networks.get(key)!;
      origins.set(`networks.${name}`, ['networks', key]);
    } else if (!leftNetworks.has(key) && (key !== 'default' || wanted.has(key))) {
      issues.warn(['networks', key], wanted.has(key) ? 'left out: the services that use it were left out' : 'left out: no service uses it (compose does not make it either)');
    }
  }
  const containers: Record<string, ContainerDoc> = {};
  for (const s of kept) {
    containers[s.key] = s.doc;
    origins.set(`containers.${s.key}`, ['services', s.name]);
  }
  if (Object.keys(specNetworks).length > 0) spec.networks = specNetworks;
  if (Object.keys(containers).length > 0) spec.containers = containers;
  return { spec, origins };
}
