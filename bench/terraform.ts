// npm run bench (Terraform part): the provider's start-up time (Terraform starts it three times per
// plan) and a no-change `terraform plan` of the seed lab, each beside plain CLI work in the same run.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { selfSignedCertificate } from '../providers/terraform/server';

const ROOT = resolve(__dirname, '..', '..');
const DOCKNET = join(ROOT, 'bin', 'docknet');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

function timedRun(cmd: string, args: string[], env?: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  execFileSync(cmd, args, { stdio: 'ignore', env });
  return seconds(start);
}

/** Time from spawning the provider to its handshake line, as Terraform sees it. */
function providerStart(executable: string, clientCert: string): Promise<number> {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const p = spawn(executable, [], {
      env: { ...process.env, TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2', PLUGIN_PROTOCOL_VERSIONS: '5,6', PLUGIN_CLIENT_CERT: clientCert },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    p.stdout.once('data', () => {
      done(seconds(start));
      p.kill();
    });
    p.once('error', fail);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-bench-tf-'));
  const out = execFileSync(DOCKNET, ['terraform', 'install', '--dir', dir]).toString();
  const cliConfig = /export TF_CLI_CONFIG_FILE=(\S+)/.exec(out)![1];
  const executable = execFileSync('sh', ['-c', `ls ${dir}/mirror/registry.terraform.io/local/docknet/*/*/terraform-provider-docknet_*`]).toString().trim();
  // Terraform's side of the handshake: any certificate will do as the client's.
  const clientCert = selfSignedCertificate().cert.toString('utf8');

  const starts: number[] = [];
  for (let i = 0; i < RUNS; i++) starts.push(await providerStart(executable, clientCert));
  const bareNode = Array.from({ length: RUNS }, () => timedRun(process.execPath, ['-e', '0']));
  const dockerCli = Array.from({ length: RUNS }, () => timedRun('docker', ['version']));
  console.log(`provider start-up  ${(median(starts) * 1000).toFixed(0)} ms median of ${RUNS}   ratio ${(median(starts) / median(bareNode)).toFixed(2)} × bare \`node -e 0\`, ${(median(starts) / median(dockerCli)).toFixed(2)} × \`docker version\``);

  const work = join(dir, 'lab');
  cpSync(join(ROOT, 'stacks', 'terraform'), work, { recursive: true });
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  const tf = (...args: string[]) => execFileSync('terraform', [`-chdir=${work}`, ...args], { stdio: 'ignore', env });
  execFileSync('sh', ['-c', 'ip link del dn-tf0 2>/dev/null; ip link add dn-tf0 type veth peer name dn-tf1 && ip link set dn-tf0 up && ip link set dn-tf1 up']);
  try {
    tf('init', '-input=false');
    tf('apply', '-auto-approve', '-input=false');
    const plans = Array.from({ length: Math.min(RUNS, 5) }, () => timedRun('terraform', [`-chdir=${work}`, 'plan', '-input=false', '-detailed-exitcode'], env));
    const objects = ['tf-lab-a', 'tf-lab-b', 'tf-isolated', 'tf-segment'].map((n) => ['network', 'inspect', n]).concat(['tf-client', 'tf-web', 'tf-loner-1', 'tf-loner-2', 'tf-segment-host'].map((n) => ['container', 'inspect', n]));
    const cliChecks = Array.from({ length: Math.min(RUNS, 5) }, () => {
      const start = process.hrtime.bigint();
      for (const args of objects) execFileSync('docker', args, { stdio: 'ignore' });
      return seconds(start);
    });
    console.log(`no-change plan     ${median(plans).toFixed(2)} s median   ratio ${(median(plans) / median(cliChecks)).toFixed(2)} × the Docker CLI inspecting the lab's ${objects.length} objects one by one`);
  } finally {
    tf('destroy', '-auto-approve', '-input=false');
    execFileSync('sh', ['-c', 'ip link del dn-tf0 2>/dev/null || true']);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
