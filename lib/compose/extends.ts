// extends: a service that starts from another — of the same file, or of another file whose relative
// paths are that file's folder's — with its own keys merged over it as compose merges files
// (compose-go's ApplyExtends). Done per file, before the files of the project merge.
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ComposeIssues } from './issues';
import { extendService } from './merge';
import { isTree, type ComposeFile, type Tree, type Value } from './read';

/** Another compose file read as the project's are (its variables replaced, long syntax); undefined when it cannot be read. */
export type LoadFile = (path: string) => Pick<ComposeFile, 'file' | 'tree' | 'replaced'> | undefined;
type Source = Pick<ComposeFile, 'file' | 'replaced'>;

/** A host path of a service of a file in folder `dir`, made absolute (compose: "~" and absolute paths stay). */
const rebased = (path: string, dir: string) => (isAbsolute(path) || path.startsWith('~') ? path : resolve(dir, path));

/** The relative paths (bind mounts, env files) of a service brought from another file, made that file's. */
function rebase(service: Tree, dir: string): Tree {
  const out: Tree = { ...service };
  if (Array.isArray(service.volumes)) {
    out.volumes = service.volumes.map((m) => (isTree(m) && m.type === 'bind' && typeof m.source === 'string' ? { ...m, source: rebased(m.source, dir) } : m));
  }
  if (Array.isArray(service.env_file)) {
    out.env_file = service.env_file.map((e) => (isTree(e) && typeof e.path === 'string' ? { ...e, path: rebased(e.path, dir) } : e));
  }
  return out;
}

/** A file's services with every extends followed; errors (a missing service, a circle) are reported. */
export function applyExtends(file: Pick<ComposeFile, 'file' | 'tree' | 'replaced'>, load: LoadFile, issues: ComposeIssues): Tree {
  const tree = file.tree;
  if (!isTree(tree.services)) return tree;
  const resolveService = (name: string, services: Tree, from: Source, chain: string[]): Value => {
    const service = services[name];
    if (!isTree(service) || !isTree(service.extends)) return service;
    const at = ['services', name, 'extends'];
    const id = `${name} in ${from.file}`;
    if (chain.includes(id)) {
      issues.error(at, `extends goes in a circle: ${[...chain, id].join(' → ')}`, from.file);
      return service;
    }
    const ref = String(service.extends.service ?? '');
    const otherPath = typeof service.extends.file === 'string' ? resolve(dirname(from.file), service.extends.file) : undefined;
    const other = otherPath === undefined ? undefined : load(otherPath);
    const baseServices = otherPath === undefined ? services : other?.tree.services;
    if (!isTree(baseServices) || !isTree(baseServices[ref])) {
      if (otherPath === undefined || other !== undefined) issues.error(at, `cannot extend service ${ref}${otherPath ? ` of ${otherPath}` : ''}: there is no such service`, from.file);
      return service;
    }
    const base = resolveService(ref, baseServices, other ?? from, [...chain, id]);
    if (!isTree(base)) return service;
    const merged = extendService(other ? rebase(base, dirname(other.file)) : base, service, name, from, issues);
    delete merged.extends;
    // Later services extending this one start from the result.
    services[name] = merged;
    return merged;
  };
  const services = { ...tree.services };
  for (const name of Object.keys(services)) services[name] = resolveService(name, services, file, []);
  return { ...tree, services };
}
