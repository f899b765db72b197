// Who owns what. An object belongs to a docknet stack when it carries io.docknet.managed and
// io.docknet.stack; nothing else is ever changed or removed. A stack belongs to one manager (cli,
// terraform, pulumi, watch:<id>): the stack record says which, and where the stack was declared.
// Docker labels cannot change after creation, so the record is a small labelled volume per stack
// (docknet-stack.<name>), which can be replaced when a manager takes a stack over. Objects also carry
// io.docknet.manager from their creation, which stands in when the record is gone. Host shims are
// links, which have no labels: their alias docknet:<stack>:<network> says whose they are.
import type { VolumeInfo } from '../drivers/docker';
import type { HostLink, LinkReading } from '../drivers/links';
import { parseOwnerTag } from '../model/owner-tag';
import type { Stack } from '../model/types';
import type { ObservedHost } from './observe';
import { LABEL } from './desired';

/** The record of a stack on the engine. */
export interface StackRecord {
  stack: string;
  manager: string;
  /** Where the stack was declared when its name came from a file name (else empty). */
  origin: string;
  since: string;
  volume: string;
}

export const RECORD_KIND = 'stack';

export function recordVolumeName(stack: string): string {
  return `docknet-stack.${stack}`;
}

/** What every record volume of a stack carries: docknet's, the stack's, and which kind of record. */
function recordBase(stack: string, kind: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.stack]: stack, [LABEL.record]: kind };
}

export function recordLabels(stack: string, manager: string, origin: string): Record<string, string> {
  return {
    ...recordBase(stack, RECORD_KIND),
    [LABEL.manager]: manager,
    [LABEL.origin]: origin,
    [LABEL.since]: new Date().toISOString(),
  };
}

export const ENDPOINT_RECORD_KIND = 'endpoint';

/**
 * A container docknet does not own that docknet connected to a network: the container takes no labels
 * after creation, so the fact is recorded in a small labelled volume of the stack instead.
 */
export interface EndpointRecord {
  stack: string;
  /** The container's id and its name when it was connected. */
  container: string;
  containerName: string;
  network: string;
  volume: string;
}

/** One record volume per stack, container and network; the name must be a valid volume name. */
export function endpointRecordName(stack: string, containerId: string, network: string): string {
  return `docknet-endpoint.${stack}.${containerId.slice(0, 12)}.${network}`.slice(0, 255);
}

export function endpointRecordLabels(stack: string, containerId: string, containerName: string, network: string): Record<string, string> {
  return {
    ...recordBase(stack, ENDPOINT_RECORD_KIND),
    [LABEL.container]: containerId,
    [LABEL.containerName]: containerName,
    [LABEL.network]: network,
  };
}

export function readEndpointRecords(volumes: VolumeInfo[]): EndpointRecord[] {
  return volumes
    .filter((v) => v.Labels?.[LABEL.record] === ENDPOINT_RECORD_KIND)
    .map((v) => {
      const l = v.Labels ?? {};
      return { stack: l[LABEL.stack] ?? '', container: l[LABEL.container] ?? '', containerName: l[LABEL.containerName] ?? '', network: l[LABEL.network] ?? '', volume: v.Name };
    });
}

/** Stack records among docknet's volumes. */
export function readRecords(volumes: VolumeInfo[]): Map<string, StackRecord> {
  const out = new Map<string, StackRecord>();
  for (const v of volumes) {
    const l = v.Labels ?? {};
    if (l[LABEL.record] !== RECORD_KIND || !l[LABEL.stack]) continue;
    out.set(l[LABEL.stack], { stack: l[LABEL.stack], manager: l[LABEL.manager] ?? '', origin: l[LABEL.origin] ?? '', since: l[LABEL.since] ?? v.CreatedAt ?? '', volume: v.Name });
  }
  return out;
}

export function ownedBy(labels: Record<string, string>): string | undefined {
  return labels[LABEL.managed] === 'true' ? labels[LABEL.stack] : undefined;
}

/** The host shims a stack owns, each with the network it serves. */
export function ownedShims(links: LinkReading | undefined, stack: string): { link: HostLink; network: string }[] {
  return [...(links?.byName.values() ?? [])].flatMap((link) => {
    const owner = parseOwnerTag(link.alias);
    return owner?.stack === stack ? [{ link, network: owner.id }] : [];
  });
}

/** Every stack docknet knows of on the host: by its objects' labels, its rules' comments, its host shims' aliases and its record. */
export function stackNames(host: Pick<ObservedHost, 'records' | 'networks' | 'containers' | 'rules' | 'links'>): string[] {
  const names = new Set<string>(host.records.keys());
  for (const o of [...host.networks.values(), ...host.containers.values()]) {
    const owner = ownedBy(o.labels);
    if (owner) names.add(owner);
  }
  for (const r of host.rules ?? []) names.add(r.stack);
  for (const link of host.links?.byName.values() ?? []) {
    const owner = parseOwnerTag(link.alias);
    if (owner) names.add(owner.stack);
  }
  return [...names].sort();
}

/** Who made an object, as far as its labels tell: "docknet stack lab", "docker compose project shop". */
export function madeBy(labels: Record<string, string> | null | undefined): string | undefined {
  const stack = ownedBy(labels ?? {});
  if (stack) return `docknet stack ${stack}`;
  const project = labels?.['com.docker.compose.project'];
  return project ? `docker compose project ${project}` : undefined;
}

/** Why a same-named object cannot be this stack's, if it cannot. */
export function ownershipProblem(kind: string, name: string, labels: Record<string, string>, stack: string): string | undefined {
  const owner = ownedBy(labels);
  if (owner === stack) return undefined;
  if (owner === undefined) return `a ${kind} named "${name}" already exists and docknet does not own it (no ${LABEL.managed} label); rename one of them or remove the existing ${kind}`;
  return `a ${kind} named "${name}" already exists and belongs to docknet stack "${owner}"`;
}

/** A writer that is not the stack's manager, refused before anything changes. */
export class ManagerConflict extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ManagerConflict';
  }
}

/** The manager of a stack on the host: its record, else the manager label of its objects. */
export function stackManager(stack: string, records: Map<string, StackRecord>, objects: { labels: Record<string, string> }[]): { manager: string; since: string; how: string } | undefined {
  const record = records.get(stack);
  if (record?.manager) return { manager: record.manager, since: record.since, how: `stack record ${record.volume}` };
  const labelled = objects.find((o) => ownedBy(o.labels) === stack && o.labels[LABEL.manager]);
  return labelled ? { manager: labelled.labels[LABEL.manager], since: '', how: `label ${LABEL.manager} of its objects` } : undefined;
}

/** Why this writer may not change a stack (another manager owns it, or another file declared it). */
export function managerProblem(stack: Stack, manager: string, takeOver: boolean, records: Map<string, StackRecord>, objects: { labels: Record<string, string> }[]): string | undefined {
  const current = stackManager(stack.name, records, objects);
  if (current && current.manager !== manager && !takeOver) {
    return (
      `stack ${stack.name} is managed by ${current.manager}${current.since ? ` since ${current.since}` : ''} (${current.how}); ` +
      `${manager} would change it. Change it through ${current.manager}, or take it over with --take-over (docknet then manages it as ${manager})`
    );
  }
  const record = records.get(stack.name);
  if (stack.origin && record?.origin && record.origin !== stack.origin && !takeOver) {
    return (
      `stack ${stack.name} was declared by ${record.origin}, and ${stack.origin} would become the same stack because both files have the same name; ` +
      'give this file a stack: of its own (or the same stack: in both files to make them one stack)'
    );
  }
  return undefined;
}
