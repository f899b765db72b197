// `docknet terraform install`: puts the provider into a local filesystem mirror and writes a CLI
// configuration that points Terraform at it, so `terraform init` works with no registry. The provider
// runs an installed docknet package, never a checkout: from a checkout, the package is packed and
// installed first (once per version and content), so rebuilding or moving the checkout cannot change
// what Terraform runs.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { packageRoot } from '../../lib/package-root';

export interface Installation {
  mirror: string;
  executable: string;
  cliConfig: string;
  /** A terraform wrapper for cdktf (TERRAFORM_BINARY_NAME), see below. */
  terraformWrapper: string;
  version: string;
  /** The installed docknet package the provider runs. */
  package: string;
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

/** Files under `dir`, recursively, in a stable order. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** What the package would ship from this checkout, as a short hash: a rebuild that changes code changes it. */
function contentHash(root: string): string {
  const hash = createHash('sha256');
  for (const file of [join(root, 'package.json'), ...['bin', 'lib', 'providers', 'reconciler'].flatMap((d) => filesUnder(join(root, 'dist', d)))]) {
    hash.update(relative(root, file)).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * The docknet package the provider runs. An installed package (npm install -g, a project's
 * node_modules) is used where it is; a checkout is packed and installed into
 * DOCKNET_PACKAGES (default ~/.docknet/packages)/<version>-<content hash>, once.
 */
function providerPackage(root: string, version: string): string {
  if (!existsSync(join(root, '.git'))) return root;
  const packages = process.env.DOCKNET_PACKAGES ?? join(homedir(), '.docknet', 'packages');
  const target = join(packages, `${version}-${contentHash(root)}`);
  const installed = join(target, 'node_modules', 'docknet');
  if (existsSync(join(installed, 'package.json'))) return installed;
  mkdirSync(packages, { recursive: true });
  const work = mkdtempSync(join(packages, '.install-'));
  try {
    // dist is built (this code runs from it): pack what `npm pack` ships, without building again.
    const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
    const tarball = npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', work], root).trim().split('\n').pop()!;
    npm(['install', '--prefix', join(work, 'root'), join(work, tarball), '--omit=dev', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], work);
    rmSync(target, { recursive: true, force: true });
    renameSync(join(work, 'root'), target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return installed;
}

export function installProvider(dir = join(homedir(), '.docknet', 'terraform')): Installation {
  const root = packageRoot();
  const version: string = require(join(root, 'package.json')).version;
  const pkg = providerPackage(root, version);
  const mirror = resolve(dir, 'mirror');
  const folder = join(mirror, 'registry.terraform.io', 'local', 'docknet', version, platform());
  mkdirSync(folder, { recursive: true });
  const executable = join(folder, `terraform-provider-docknet_v${version}`);
  // exec: a signal from Terraform must reach node itself.
  writeFileSync(executable, `#!/bin/sh\n# docknet ${version} from ${pkg}\nexec "${process.execPath}" "${join(pkg, 'dist', 'providers', 'terraform', 'main.js')}" "$@"\n`);
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
  return { mirror, executable, cliConfig, terraformWrapper, version, package: pkg };
}
