// Routes as DOCKER-USER rules. Docker isolates bridges from each other in DOCKER-ISOLATION-STAGE-*,
// which FORWARD reaches only after DOCKER-USER: an ACCEPT here forwards between two bridges (one routed
// hop, hence ttl=63). A filtered or one-way route also needs the replies let back in by conntrack.
// Rules are written exactly as `iptables -S` prints them, so desired and observed compare as text.
import type { RouteSpec, RouteRule } from '../model/types';
import { ruleComment } from '../drivers/firewall';

function match(rule: RouteRule): string {
  if (!rule.protocol) return '';
  if (rule.protocol === 'icmp') return ' -p icmp';
  const port = rule.port ? ` -m ${rule.protocol} --dport ${rule.port.replace('-', ':')}` : '';
  return ` -p ${rule.protocol}${port}`;
}

export function routeRules(stack: string, route: RouteSpec, fromIf: string, toIf: string): string[] {
  const comment = ` -m comment --comment "${ruleComment(stack, route.id)}" -j ACCEPT`;
  const forward = (i: string, o: string) => (route.allow.length === 0 ? [{}] : route.allow).map((r) => `-i ${i} -o ${o}${match(r)}${comment}`);
  const replies = (i: string, o: string) => `-i ${i} -o ${o} -m conntrack --ctstate RELATED,ESTABLISHED${comment}`;
  const rules = forward(fromIf, toIf);
  if (route.bidirectional) rules.push(...forward(toIf, fromIf));
  if (route.allow.length > 0 || !route.bidirectional) {
    rules.push(replies(toIf, fromIf));
    if (route.bidirectional) rules.push(replies(fromIf, toIf));
  }
  return rules;
}

export function describeRoute(route: RouteSpec): string {
  const arrow = route.bidirectional ? '⇄' : '→';
  const filter = route.allow.length === 0 ? 'all traffic' : route.allow.map((r) => (r.port ? `${r.protocol}/${r.port}` : r.protocol)).join(', ');
  return `${route.from} ${arrow} ${route.to} (${filter})`;
}
