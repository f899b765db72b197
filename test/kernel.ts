// What this kernel can do for segment networks, tried for real: the tests that need 802.1Q VLAN
// sub-interfaces or ipvlan links run where it can (the test VM, scripts/vm/run.sh) and report a skip
// with the reason where it cannot (these machines' own kernel), never a pass.
import { execFileSync } from 'node:child_process';

export type KernelNeed = 'vlan' | 'ipvlan';

export interface KernelSupport {
  vlan: boolean;
  ipvlan: boolean;
  /** What is missing, when something is. */
  missing?: string;
}

const FEATURE: Record<KernelNeed, string> = {
  vlan: '802.1Q VLAN sub-interfaces (kernel module 8021q)',
  ipvlan: 'ipvlan links (kernel module ipvlan)',
};

function ipSync(args: string[]): boolean {
  try {
    execFileSync('ip', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let probed: KernelSupport | undefined;

/**
 * Whether this kernel can make VLAN sub-interfaces and ipvlan links: tried on a veth pair made for the
 * probe and removed again. Synchronous, so that a test file can choose test or test.skip when it loads.
 */
export function probeKernel(): KernelSupport {
  if (probed) return probed;
  ipSync(['link', 'del', 'dnprobe0']);
  if (!ipSync(['link', 'add', 'dnprobe0', 'type', 'veth', 'peer', 'name', 'dnprobe1'])) {
    return (probed = { vlan: false, ipvlan: false, missing: 'a veth pair to probe with (needs root and iproute2)' });
  }
  const vlan = ipSync(['link', 'add', 'link', 'dnprobe0', 'name', 'dnprobe0.9', 'type', 'vlan', 'id', '9']);
  const ipvlan = ipSync(['link', 'add', 'link', 'dnprobe0', 'name', 'dnprobei', 'type', 'ipvlan', 'mode', 'l2']);
  ipSync(['link', 'del', 'dnprobe0']); // takes its VLAN and ipvlan children with it
  const missing = [!vlan && FEATURE.vlan, !ipvlan && FEATURE.ipvlan].filter(Boolean).join(' and ');
  return (probed = { vlan, ipvlan, ...(missing ? { missing } : {}) });
}

/** Why a test that needs the feature cannot run here; undefined when it can. */
export function lacking(need: KernelNeed): string | undefined {
  return probeKernel()[need] ? undefined : `this kernel lacks ${FEATURE[need]}; proven in the test VM (npm run test:vm)`;
}

/** A test that needs the feature: run, or skipped with the reason in its name (jest lists skips by name). */
export function testWithKernel(need: KernelNeed, name: string, body: () => Promise<void>, timeout?: number): void {
  const why = lacking(need);
  if (why) test.skip(`${name} — skipped: ${why}`, body);
  else test(name, body, timeout);
}

/** A test of what happens without the feature: run where the kernel lacks it, skipped where it has it. */
export function testWithoutKernel(need: KernelNeed, name: string, body: () => Promise<void>): void {
  if (lacking(need)) test(name, body);
  else test.skip(`${name} — skipped: this kernel has ${FEATURE[need]}, so the failure cannot happen here`, body);
}

/** describe, or describe.skip with the reason in the suite's name. */
export function describeWithKernel(need: KernelNeed, name: string, body: () => void): void {
  const why = lacking(need);
  if (why) describe.skip(`${name} — skipped: ${why}`, body);
  else describe(name, body);
}
