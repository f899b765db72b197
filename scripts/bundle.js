// Bundles the command line into one file (dist/docknet.js) for a fast start: one file instead of
// about 400 modules, and dockerode's BuildKit session (gRPC) and docker-modem's ssh2 transport — which
// docknet never uses on the hot path (ssh engines go through the system ssh client) — loaded only if
// something calls them. `npm run build` runs it; bin/docknet prefers the bundle when it exists.
const { build } = require('esbuild');
const { resolve } = require('node:path');

const root = resolve(__dirname, '..');
const lazy = { 'dockerode/lib/session.js': './session', 'docker-modem/lib/ssh.js': './ssh' };

/** Replaces a module with a function that loads the real one at its first call. */
const deferHeavy = {
  name: 'defer-heavy',
  setup(b) {
    b.onResolve({ filter: /^\.\/(session|ssh)$/ }, (args) => {
      const target = Object.keys(lazy).find((k) => lazy[k] === args.path && args.importer.includes(`/node_modules/${k.split('/')[0]}/`));
      if (!target) return undefined;
      return { path: require.resolve(target, { paths: [root] }), namespace: 'deferred' };
    });
    b.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => ({
      contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

build({
  entryPoints: [resolve(root, 'dist/bin/cli.js')],
  outfile: resolve(root, 'dist/docknet.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // Native add-ons and what only the Terraform provider, Pulumi or the reconciler load stay outside.
  external: ['cpu-features', '*.node', '@pulumi/*', 'cdktf', 'constructs'],
  plugins: [deferHeavy],
  logLevel: 'warning',
}).catch(() => process.exit(1));
