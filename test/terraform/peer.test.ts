// docknet beside the Terraform Docker provider users already have (kreuzwerker/docker, built from its Go
// module by scripts/peers.sh, set up by scripts/test.sh): one configuration mixing both, with real
// terraform. The peer's containers attach to a docknet network; a docknet route joins two networks the
// peer made; traffic proves both.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, expectOk, firewallRules, ping, run, ttlOf } from '../helpers';
import { installation, terraformEnv, TERRAFORM } from './terraform';

const MIRROR = process.env.KREUZWERKER_MIRROR;
const VERSION = process.env.KREUZWERKER_VERSION;
// Absent tool: the peer provider could not be built here; the reason is the build's own error.
const suite = MIRROR && VERSION ? describe : describe.skip;
const why = process.env.KREUZWERKER_UNAVAILABLE ?? 'KREUZWERKER_MIRROR is not set: run the suite with npm test, which builds it (scripts/peers.sh kreuzwerker)';

const CONFIG = (version: string) => `terraform {
  required_providers {
    docknet = { source = "local/docknet" }
    docker  = { source = "kreuzwerker/docker", version = "${version}" }
  }
}

provider "docknet" {
  stack = "tf-mixed"
}

# The peer reads DOCKER_HOST, as docknet does.
provider "docker" {}

resource "docker_network" "front" {
  name = "tf-mx-front"
  ipam_config { subnet = "10.125.1.0/24" }
}

resource "docker_network" "back" {
  name = "tf-mx-back"
  ipam_config { subnet = "10.125.2.0/24" }
}

resource "docknet_network" "side" {
  name = "tf-mx-side"
  ipv4 { subnet = "10.125.3.0/24" }
}

resource "docker_container" "a" {
  name    = "tf-mx-a"
  image   = "docknet/busybox:latest"
  command = ["sleep", "3600"]
  networks_advanced {
    name         = docker_network.front.name
    ipv4_address = "10.125.1.10"
  }
  networks_advanced {
    name         = docknet_network.side.name
    ipv4_address = "10.125.3.20"
  }
}

resource "docker_container" "b" {
  name    = "tf-mx-b"
  image   = "docknet/busybox:latest"
  command = ["sleep", "3600"]
  networks_advanced {
    name         = docker_network.back.name
    ipv4_address = "10.125.2.10"
  }
}

resource "docknet_container" "c" {
  name    = "tf-mx-c"
  image   = "docknet/busybox:latest"
  command = ["sleep", "3600"]
  network {
    name = docknet_network.side.name
    ipv4 = "10.125.3.10"
  }
}

resource "docknet_route" "front_back" {
  between = [docker_network.front.name, docker_network.back.name]
}
`;

suite(`a configuration mixing docknet and kreuzwerker/docker${MIRROR ? '' : ` (skipped: the peer provider is absent — ${why})`}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-tf-mixed-'));
  let cliConfig = '';
  const tf = (...args: string[]) => run(TERRAFORM, [`-chdir=${dir}`, ...args, '-no-color'], 300_000, terraformEnv(cliConfig));

  beforeAll(async () => {
    // Both providers from local mirrors: docknet's as `docknet terraform install` makes it, the peer's as built.
    const docknetMirror = join(installation().cliConfig, '..', 'mirror');
    cliConfig = join(dir, 'terraformrc');
    writeFileSync(cliConfig, `provider_installation {
  filesystem_mirror {
    path    = "${docknetMirror}"
    include = ["registry.terraform.io/local/*"]
  }
  filesystem_mirror {
    path    = "${MIRROR}"
    include = ["registry.terraform.io/kreuzwerker/*"]
  }
  direct {
    exclude = ["registry.terraform.io/local/*", "registry.terraform.io/kreuzwerker/*"]
  }
}
`);
    writeFileSync(join(dir, 'main.tf'), CONFIG(VERSION!));
    expectOk(await tf('init', '-input=false'));
  });

  afterAll(async () => {
    await tf('destroy', '-auto-approve', '-input=false');
  });

  test('one apply: the peer\'s container on a docknet network, a docknet route between the peer\'s networks, with traffic', async () => {
    expectOk(await tf('apply', '-auto-approve', '-input=false'));
    // The route docknet wrote joins the peer's two bridges: one routed hop.
    expect(ttlOf(await ping('tf-mx-a', '10.125.2.10'))).toBe(63);
    // The peer's container reaches docknet's on the docknet network: same segment.
    expect(ttlOf(await ping('tf-mx-a', '10.125.3.10'))).toBe(64);
    expect((await tf('plan', '-input=false', '-detailed-exitcode')).code).toBe(0);
  });

  test('destroy by both providers leaves no object and no rule behind', async () => {
    expectOk(await tf('destroy', '-auto-approve', '-input=false'));
    expect((await docker('ps', '-aq', '--filter', 'name=tf-mx-')).stdout.trim()).toBe('');
    expect((await docker('network', 'ls', '-q', '--filter', 'name=tf-mx-')).stdout.trim()).toBe('');
    expect(firewallRules()).not.toContain('docknet:tf-mixed:');
  });
});
