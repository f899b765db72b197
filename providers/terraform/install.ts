// `docknet terraform install`: puts the provider into a local filesystem mirror and writes a CLI
// configuration that points Terraform at it, so `terraform init` works with no registry.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Installation {
  mirror: string;
  executable: string;
  cliConfig: string;
  /** A terraform wrapper for cdktf (TERRAFORM_BINARY_NAME), see below. */
  terraformWrapper: string;
  version: string;
}

/** The terraform on PATH, resolved now, so the wrapper never finds itself. */
function realTerraform(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'terraform');
    if (dir && existsSync(candidate)) return candidate;
  }
  return '/usr/local/bin/terraform';
}

function platform(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return `${process.platform}_${arch}`;
}

export function installProvider(dir = join(homedir(), '.docknet', 'terraform')): Installation {
  const root = resolve(__dirname, '..', '..', '..');
  const version: string = require(join(root, 'package.json')).version;
  const mirror = resolve(dir, 'mirror');
  const folder = join(mirror, 'registry.terraform.io', 'local', 'docknet', version, platform());
  mkdirSync(folder, { recursive: true });
  const executable = join(folder, `terraform-provider-docknet_v${version}`);
  // exec: a signal from Terraform must reach node itself.
  writeFileSync(executable, `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'dist', 'providers', 'terraform', 'main.js')}" "$@"\n`);
  chmodSync(executable, 0o755);
  const cliConfig = resolve(dir, 'terraformrc');
  writeFileSync(
    cliConfig,
    `# Written by docknet terraform install: docknet's provider comes from a local mirror.
provider_installation {
  filesystem_mirror {
    path    = "${mirror}"
    include = ["registry.terraform.io/local/*"]
  }
  direct {
    exclude = ["registry.terraform.io/local/*"]
  }
}
`,
  );
  // cdktf runs `terraform providers lock` when a stack has no lock file, and that command ignores the
  // CLI configuration and asks the registry. The wrapper points it at the mirror instead.
  const terraformWrapper = resolve(dir, 'terraform');
  writeFileSync(
    terraformWrapper,
    `#!/bin/sh
# Written by docknet terraform install: for cdktf (TERRAFORM_BINARY_NAME).
export TF_CLI_CONFIG_FILE="\${TF_CLI_CONFIG_FILE:-${cliConfig}}"
for arg in "$@"; do
  if [ "$arg" = "lock" ]; then exec "${realTerraform()}" "$@" -fs-mirror="${mirror}"; fi
done
exec "${realTerraform()}" "$@"
`,
  );
  chmodSync(terraformWrapper, 0o755);
  return { mirror, executable, cliConfig, terraformWrapper, version };
}
