// npm run bench (Terraform part): the provider's start-up time (Terraform starts it three times per
// plan) and a no-change `terraform plan` of the seed lab, each beside plain CLI work in the same run;
// then the same lab applied, planned and destroyed by docknet and by kreuzwerker/docker.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { selfSignedCertificate } from '../providers/terraform/server';

const ROOT = resolve(__dirname, '..', '..');
const DOCKNET = join(ROOT, 'bin', 'docknet');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
// The Terraform scripts/peers.sh found or built (npm run bench sets it).
const TERRAFORM = process.env.TERRAFORM_BINARY ?? 'terraform';

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
  const tf = (...args: string[]) => execFileSync(TERRAFORM, [`-chdir=${work}`, ...args], { stdio: 'ignore', env });
  execFileSync('sh', ['-c', 'ip link del dn-tf0 2>/dev/null; ip link add dn-tf0 type veth peer name dn-tf1 && ip link set dn-tf0 up && ip link set dn-tf1 up']);
  try {
    tf('init', '-input=false');
    tf('apply', '-auto-approve', '-input=false');
    const plans = Array.from({ length: Math.min(RUNS, 5) }, () => timedRun(TERRAFORM, [`-chdir=${work}`, 'plan', '-input=false', '-detailed-exitcode'], env));
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
  peerComparison(join(dir, 'mirror'));
}

/** The same lab for both providers: `networks` bridges with a subnet, two containers on each with a static address. */
function sameLab(networks: number): { docknet: string; kreuzwerker: string } {
  const dn: string[] = [];
  const kw: string[] = [];
  for (let n = 1; n <= networks; n++) {
    dn.push(`resource "docknet_network" "n${n}" {\n  name = "bk-dn-${n}"\n  ipv4 { subnet = "10.150.${n}.0/24" }\n}\n`);
    kw.push(`resource "docker_network" "n${n}" {\n  name = "bk-kw-${n}"\n  ipam_config { subnet = "10.151.${n}.0/24" }\n}\n`);
    for (const c of [10, 11]) {
      dn.push(`resource "docknet_container" "c${n}_${c}" {\n  name    = "bk-dn-${n}-${c}"\n  image   = "docknet/busybox:latest"\n  command = ["sleep", "86400"]\n  network {\n    name = docknet_network.n${n}.name\n    ipv4 = "10.150.${n}.${c}"\n  }\n}\n`);
      kw.push(`resource "docker_container" "c${n}_${c}" {\n  name    = "bk-kw-${n}-${c}"\n  image   = "docknet/busybox:latest"\n  command = ["sleep", "86400"]\n  networks_advanced {\n    name         = docker_network.n${n}.name\n    ipv4_address = "10.151.${n}.${c}"\n  }\n}\n`);
    }
  }
  return {
    docknet: `terraform {\n  required_providers {\n    docknet = { source = "local/docknet" }\n  }\n}\nprovider "docknet" {\n  stack = "bench-peer"\n}\n${dn.join('\n')}`,
    kreuzwerker: `terraform {\n  required_providers {\n    docker = { source = "kreuzwerker/docker", version = "${process.env.KREUZWERKER_VERSION}" }\n  }\n}\nprovider "docker" {}\n${kw.join('\n')}`,
  };
}

/** apply, no-change plan and destroy of the same lab through real terraform, by docknet and by kreuzwerker/docker. */
function peerComparison(docknetMirror: string): void {
  const mirror = process.env.KREUZWERKER_MIRROR;
  if (!mirror || !process.env.KREUZWERKER_VERSION) {
    console.log(`vs kreuzwerker     not measured: ${process.env.KREUZWERKER_UNAVAILABLE ?? 'KREUZWERKER_MIRROR is not set (npm run bench sets it up)'}`);
    return;
  }
  const networks = Number(process.env.BENCH_PEER_NETWORKS ?? 10);
  const lab = sameLab(networks);
  const dir = mkdtempSync(join(tmpdir(), 'docknet-bench-peer-'));
  const cliConfig = join(dir, 'terraformrc');
  writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path    = "${docknetMirror}"\n    include = ["registry.terraform.io/local/*"]\n  }\n  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["registry.terraform.io/kreuzwerker/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/local/*", "registry.terraform.io/kreuzwerker/*"]\n  }\n}\n`);
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  const times: Record<'docknet' | 'kreuzwerker', Record<'apply' | 'plan' | 'destroy', number>> = { docknet: { apply: 0, plan: 0, destroy: 0 }, kreuzwerker: { apply: 0, plan: 0, destroy: 0 } };
  for (const provider of ['docknet', 'kreuzwerker'] as const) {
    const work = join(dir, provider);
    mkdirSync(work);
    writeFileSync(join(work, 'main.tf'), lab[provider]);
    const tf = (...args: string[]) => timedRun(TERRAFORM, [`-chdir=${work}`, ...args], env);
    tf('init', '-input=false');
    try {
      times[provider].apply = tf('apply', '-auto-approve', '-input=false');
      times[provider].plan = median(Array.from({ length: 3 }, () => tf('plan', '-input=false', '-detailed-exitcode')));
    } finally {
      times[provider].destroy = tf('destroy', '-auto-approve', '-input=false');
    }
  }
  const d = times.docknet;
  const k = times.kreuzwerker;
  console.log(`vs kreuzwerker/docker ${process.env.KREUZWERKER_VERSION}, same lab (${networks} networks, ${networks * 2} containers with static addresses), real terraform:`);
  for (const what of ['apply', 'plan', 'destroy'] as const) {
    console.log(`  ${(what === 'plan' ? 'no-change plan' : what).padEnd(16)} docknet ${d[what].toFixed(2)} s   kreuzwerker ${k[what].toFixed(2)} s   ratio ${(d[what] / k[what]).toFixed(2)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
