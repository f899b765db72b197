// docknet as users install it: the npm package packed from this checkout, installed globally into a
// prefix of its own, run from another folder against the real engine; the Terraform provider it
// installs runs that package, not the checkout.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOk, ROOT, run } from '../helpers';

describe('the npm package', () => {
  const work = mkdtempSync(join(tmpdir(), 'docknet-package-'));
  const prefix = join(work, 'global');
  const docknet = join(prefix, 'bin', 'docknet');
  let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

  beforeAll(async () => {
    // dist is built already (npm test builds it); `npm pack` alone would build first (prepack).
    const r = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], 120_000, { ...process.env });
    expectOk(r);
    packed = JSON.parse(r.stdout)[0];
    expectOk(await run('npm', ['install', '--global', '--prefix', prefix, join(work, packed.filename), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], 300_000, { ...process.env }));
  });

  test('ships what runs and nothing else: no tests, benchmarks, stacks, sources or source maps', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/docknet', 'dist/bin/cli.js', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/providers/terraform/protocol.json', 'dist/providers/pulumi/handlers.js', 'dist/providers/cdktf/index.js', 'schema/docknet.schema.json', 'package.json', 'README.md']));
    expect(files.filter((f) => /^(dist\/)?(test|bench|stacks)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts') || f.endsWith('.map'))).toEqual([]);
    console.log(`docknet package: ${packed.files.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
  });

  test('Pulumi and cdktf are optional peers: a global install does not bring them', () => {
    const modules = join(prefix, 'lib', 'node_modules');
    expect(readdirSync(modules)).toEqual(['docknet']);
    expect(readdirSync(join(modules, 'docknet', 'node_modules'))).not.toEqual(expect.arrayContaining(['@pulumi', 'cdktf']));
  });

  test('installed globally, docknet runs from any folder: validate, and plan against the engine', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'docknet-elsewhere-'));
    const inElsewhere = (...args: string[]) => run('sh', ['-c', 'cd "$0" && exec "$@"', cwd, docknet, ...args], 60_000, { ...process.env });
    const valid = await inElsewhere('validate', join(ROOT, 'stacks', 'lab.yaml'));
    expectOk(valid);
    expect(valid.stdout).toContain('lab: valid (2 networks, 2 containers, 1 routes)');
    const plan = await inElsewhere('plan', join(ROOT, 'stacks', 'two-bridges.yaml'));
    expectOk(plan);
    expect(plan.stdout).toMatch(/^engine unix:\/\//m);
  });

  test('the Terraform provider it installs runs the installed package', async () => {
    const r = await run(docknet, ['terraform', 'install', '--dir', join(work, 'tf')], 60_000, { ...process.env });
    expectOk(r);
    const dir = join(work, 'tf', 'mirror', 'registry.terraform.io', 'local', 'docknet');
    const [version] = readdirSync(dir);
    const [platform] = readdirSync(join(dir, version));
    const [exe] = readdirSync(join(dir, version, platform));
    const script = readFileSync(join(dir, version, platform, exe), 'utf8');
    expect(script).toContain(join(prefix, 'lib', 'node_modules', 'docknet', 'dist', 'providers', 'terraform', 'main.js'));
    expect(script).not.toContain(ROOT);
  });
});

describe('docknet terraform install from a checkout', () => {
  test('the provider runs a copy of the package made for this version and content, not the checkout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docknet-tf-checkout-'));
    expectOk(await run(join(ROOT, 'bin', 'docknet'), ['terraform', 'install', '--dir', dir], 120_000, { ...process.env }));
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    const folder = join(dir, 'mirror', 'registry.terraform.io', 'local', 'docknet', version, 'linux_amd64');
    const script = readFileSync(join(folder, readdirSync(folder)[0]), 'utf8');
    expect(script).toMatch(new RegExp(`/\\.docknet/packages/${version.replace(/\./g, '\\.')}-[0-9a-f]{12}/node_modules/docknet/dist/providers/terraform/main\\.js`));
    expect(script).not.toContain(`${ROOT}/dist`);
  });
});
