// Port publishes: the short syntax "[hostIp:]hostPort[-end]:containerPort[-end][/proto]" and the long
// form, expanded to one Publish per container port.
import type { PublishDoc } from './schema';
import { addressFamily } from './address';
import type { Protocol, Publish } from './types';

interface PortRange {
  start: number;
  end: number;
}

function parseRange(text: string): PortRange | string {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return `"${text}" is not a port or port range`;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || end > 65535 || end < start) return `"${text}" is not within 1–65535 in ascending order`;
  return { start, end };
}

function expand(hostIp: string, hostPort: string, containerPort: string, protocol: Protocol): Publish[] | string {
  if (hostIp !== '' && !addressFamily(hostIp)) return `host address "${hostIp}" is not an IP address`;
  const container = parseRange(containerPort);
  if (typeof container === 'string') return `container port ${container}`;
  const count = container.end - container.start + 1;
  if (hostPort === '') {
    return Array.from({ length: count }, (_, i) => ({ hostIp, hostPort: '', containerPort: container.start + i, protocol }));
  }
  const host = parseRange(hostPort);
  if (typeof host === 'string') return `host port ${host}`;
  const hostCount = host.end - host.start + 1;
  if (count === 1) {
    const text = hostCount === 1 ? String(host.start) : `${host.start}-${host.end}`;
    return [{ hostIp, hostPort: text, containerPort: container.start, protocol }];
  }
  if (hostCount !== count) return `host range ${hostPort} and container range ${containerPort} differ in length`;
  return Array.from({ length: count }, (_, i) => ({
    hostIp,
    hostPort: String(host.start + i),
    containerPort: container.start + i,
    protocol,
  }));
}

/** Expands one publish of a spec; a string result is the reason it is invalid. */
export function parsePublish(doc: PublishDoc): Publish[] | string {
  if (typeof doc !== 'string') {
    return expand(doc.hostIp ?? '', doc.hostPort === undefined ? '' : String(doc.hostPort), String(doc.containerPort), doc.protocol ?? 'tcp');
  }
  let rest = doc.trim();
  let protocol: Protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const proto = rest.slice(slash + 1);
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') return `protocol "${proto}" is not tcp, udp or sctp`;
    protocol = proto;
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') return `"${doc}": an IPv6 host address is written [addr]:hostPort:containerPort`;
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  if (hostIp === '' && parts.length === 3) hostIp = parts.shift()!;
  if (parts.length === 1) return expand(hostIp, '', parts[0], protocol);
  if (parts.length === 2) return expand(hostIp, parts[0], parts[1], protocol);
  return `"${doc}" is not [hostIp:]hostPort:containerPort[/protocol]`;
}

/** The text a person reads for a publish, in the short syntax. */
export function formatPublish(p: Publish): string {
  const ip = p.hostIp === '' ? '' : p.hostIp.includes(':') ? `[${p.hostIp}]:` : `${p.hostIp}:`;
  return `${ip}${p.hostPort}:${p.containerPort}/${p.protocol}`;
}
