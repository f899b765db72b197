// The host firewall: docknet's forwarding rules live in the DOCKER-USER chain, which Docker creates,
// jumps to first from FORWARD and never flushes. Each rule carries the comment docknet:<stack>:<route>,
// which is how docknet knows what it owns. iptables runs with argument arrays, never a shell.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const CHAIN = 'DOCKER-USER';
export const COMMENT_PREFIX = 'docknet:';

export interface FirewallRule {
  /** The rule as `iptables -S` prints it, without the leading "-A CHAIN". */
  spec: string;
  stack: string;
  route: string;
}

/** Splits an `iptables -S` line into arguments, honouring double quotes. */
export function splitRule(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

export function ruleComment(stack: string, route: string): string {
  return `${COMMENT_PREFIX}${stack}:${route}`;
}

function parseComment(args: string[]): { stack: string; route: string } | undefined {
  const i = args.indexOf('--comment');
  const c = i >= 0 ? args[i + 1] : undefined;
  if (!c?.startsWith(COMMENT_PREFIX)) return undefined;
  const rest = c.slice(COMMENT_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon < 0) return undefined;
  return { stack: rest.slice(0, colon), route: rest.slice(colon + 1) };
}

export class FirewallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FirewallError';
  }
}

export class Firewall {
  /** iptables invocations made. */
  calls = 0;

  constructor(private readonly binary = process.env.DOCKNET_IPTABLES ?? 'iptables') {}

  private async iptables(args: string[]): Promise<string> {
    this.calls++;
    try {
      const { stdout } = await run(this.binary, ['-w', ...args], { maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === 'ENOENT') throw new FirewallError(`${this.binary} is not installed: routes need iptables (Debian: apt-get install iptables)`);
      throw new FirewallError(`${this.binary} ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
    }
  }

  /** The docknet rules in DOCKER-USER; undefined when the chain does not exist (no dockerd with iptables). */
  async listRules(): Promise<FirewallRule[] | undefined> {
    let out: string;
    try {
      out = await this.iptables(['-S', CHAIN]);
    } catch (e) {
      if (e instanceof FirewallError && /No chain|does not exist|not installed/.test(e.message)) return undefined;
      throw e;
    }
    const rules: FirewallRule[] = [];
    for (const line of out.split('\n')) {
      if (!line.startsWith(`-A ${CHAIN} `)) continue;
      const spec = line.slice(`-A ${CHAIN} `.length).trim();
      const owner = parseComment(splitRule(spec));
      if (owner) rules.push({ spec, ...owner });
    }
    return rules;
  }

  /** Inserts a rule at the top of DOCKER-USER, ahead of Docker's RETURN. */
  async insert(spec: string): Promise<void> {
    await this.iptables(['-I', CHAIN, ...splitRule(spec)]);
  }

  async delete(spec: string): Promise<void> {
    await this.iptables(['-D', CHAIN, ...splitRule(spec)]);
  }
}
