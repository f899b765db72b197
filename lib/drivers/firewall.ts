// The firewall of the engine's host, through iptables and ip6tables with argument arrays (never a
// shell string). They run where the engine runs (lib/drivers/engine-host.ts): on this machine for a
// unix socket, on the far host over ssh, through a helper container on a tcp engine when opted in —
// reads and writes always in the same place. docknet's rules live in chains Docker creates and never
// flushes (DOCKER-USER in filter, PREROUTING in raw); each carries the comment
// docknet:<stack>:<route>, which is how docknet knows what it owns.
import { parseOwnerTag } from '../model/owner-tag';
import type { Family } from '../model/types';
import { HostUnavailable, LocalHost, type EngineHost } from './engine-host';

/** A chain of one table of one address family: where a rule lives. */
export interface RulePlace {
  family: Family;
  table: 'filter' | 'raw';
  chain: string;
}

/** A rule as `iptables -S` prints it (without the leading "-A CHAIN"), in its place. */
export interface Rule extends RulePlace {
  spec: string;
}

/** A rule docknet owns, with its owner read from the comment. */
export interface OwnedRule extends Rule {
  stack: string;
  route: string;
}

/** One key per rule, to compare desired and observed rules as sets. */
export function ruleKey(rule: Rule): string {
  return `${rule.family} ${rule.table} ${rule.chain} ${rule.spec}`;
}

/** "raw PREROUTING (IPv4)", for messages. */
export function placeName(place: RulePlace): string {
  return `${place.table === 'filter' ? '' : `${place.table} `}${place.chain} (${place.family === 'ipv4' ? 'IPv4' : 'IPv6'})`;
}

/** Splits an `iptables -S` line into arguments, honouring double quotes. */
export function splitRule(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

function parseComment(args: string[]): { stack: string; route: string } | undefined {
  const i = args.indexOf('--comment');
  const owner = parseOwnerTag(i >= 0 ? args[i + 1] : undefined);
  return owner && { stack: owner.stack, route: owner.id };
}

export class FirewallError extends Error {
  /** unreachable: the engine's host cannot run commands at all (a tcp engine without the helper, ssh refused). */
  constructor(message: string, readonly kind: 'missing-tool' | 'missing-chain' | 'denied' | 'unreachable' | 'failed' = 'failed') {
    super(message);
    this.name = 'FirewallError';
  }
}

/** Seconds iptables may wait for the xtables lock, and the bound on the whole call. */
const LOCK_WAIT_S = 10;
const CALL_TIMEOUT_MS = 30_000;

export class Firewall {
  /** iptables/ip6tables invocations made. */
  calls = 0;
  private readonly binaries: Record<Family, string>;

  /** `host`: where the engine runs (default this machine). DOCKNET_IPTABLES/DOCKNET_IP6TABLES name the binaries on this machine. */
  constructor(readonly host: EngineHost = new LocalHost(), binaries: Partial<Record<Family, string>> = {}) {
    this.binaries = {
      ipv4: binaries.ipv4 ?? (host.local ? process.env.DOCKNET_IPTABLES : undefined) ?? 'iptables',
      ipv6: binaries.ipv6 ?? (host.local ? process.env.DOCKNET_IP6TABLES : undefined) ?? 'ip6tables',
    };
  }

  private async exec(place: RulePlace, args: string[]): Promise<string> {
    this.calls++;
    const binary = this.binaries[place.family];
    const full = ['-w', String(LOCK_WAIT_S), '-t', place.table, ...args];
    const on = this.host.local ? '' : ` on ${this.host.where}`;
    let r;
    try {
      r = await this.host.run([binary, ...full], { timeoutMs: CALL_TIMEOUT_MS });
    } catch (e) {
      if (e instanceof HostUnavailable) throw new FirewallError(e.message, 'unreachable');
      throw e;
    }
    if (r.code === 0) return r.stdout;
    const text = r.stderr.trim();
    if (r.code === 127) throw new FirewallError(`${binary} is not installed${on}: routes need it (Debian: apt-get install iptables)`, 'missing-tool');
    if (r.timedOut) throw new FirewallError(`${binary} ${full.join(' ')}${on}: no answer within ${CALL_TIMEOUT_MS / 1000}s`);
    // iptables-nft says "incompatible" for a chain in a table that does not exist at all.
    if (/No chain|does not exist|incompatible/.test(text)) throw new FirewallError(`${binary}${on}: ${placeName(place)} does not exist`, 'missing-chain');
    if (/Permission denied|you must be root/i.test(text)) throw new FirewallError(`${binary} ${full.join(' ')}${on}: ${text}`, 'denied');
    throw new FirewallError(`${binary} ${full.join(' ')}${on}: ${text}`);
  }

  /** docknet's rules in a chain; undefined when the chain does not exist. */
  async ownedRules(place: RulePlace): Promise<OwnedRule[] | undefined> {
    let out: string;
    try {
      out = await this.exec(place, ['-S', place.chain]);
    } catch (e) {
      if (e instanceof FirewallError && e.kind === 'missing-chain') return undefined;
      throw e;
    }
    const rules: OwnedRule[] = [];
    const head = `-A ${place.chain} `;
    for (const line of out.split('\n')) {
      if (!line.startsWith(head)) continue;
      const spec = line.slice(head.length).trim();
      const owner = parseComment(splitRule(spec));
      if (owner) rules.push({ ...place, spec, ...owner });
    }
    return rules;
  }

  /** Inserts a rule at the top of its chain, ahead of Docker's own. */
  async insert(rule: Rule): Promise<void> {
    await this.exec(rule, ['-I', rule.chain, ...splitRule(rule.spec)]);
  }

  /** Deletes a rule; one that is already gone is what was wanted. */
  async delete(rule: Rule): Promise<void> {
    try {
      await this.exec(rule, ['-D', rule.chain, ...splitRule(rule.spec)]);
    } catch (e) {
      if (!(e instanceof FirewallError && /does a matching rule exist|Bad rule/.test(e.message))) throw e;
    }
  }
}
