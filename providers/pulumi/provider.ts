// The dynamic providers Pulumi serializes into every resource's state. They hold nothing but their
// kind and load the handlers by package name at run time, so the serialized text is small, has no
// machine-specific path, and stays the same across docknet versions (destroy and refresh run the
// provider stored in state).
import type * as pulumi from '@pulumi/pulumi';
import type { Kind } from './handlers';

type Handlers = typeof import('./handlers');

interface DocknetProvider extends pulumi.dynamic.ResourceProvider {
  kind: Kind;
  dockerHost?: string;
}

export function dynamicProvider(kind: Kind): pulumi.dynamic.ResourceProvider {
  const provider: DocknetProvider = {
    kind,
    async configure(req) {
      // Provider configuration, e.g. `pulumi config set docknet:dockerHost unix:///var/run/docker.sock`.
      this.dockerHost = req.config.get('docknet:dockerHost');
    },
    async check(_olds, news) {
      const h: Handlers = require('docknet/dist/providers/pulumi/handlers');
      return { inputs: news, failures: h.check(news) };
    },
    async diff(_id, olds, news) {
      const h: Handlers = require('docknet/dist/providers/pulumi/handlers');
      return h.diff(olds, news);
    },
    async create(inputs) {
      const h: Handlers = require('docknet/dist/providers/pulumi/handlers');
      return h.create(inputs, this.dockerHost);
    },
    async read(id, props) {
      const h: Handlers = require('docknet/dist/providers/pulumi/handlers');
      return h.read(id, props, this.dockerHost);
    },
    async update(_id, olds, news) {
      const h: Handlers = require('docknet/dist/providers/pulumi/handlers');
      return h.update(olds, news, this.dockerHost);
    },
    async delete(_id, props) {
      const h: Handlers = require('docknet/dist/providers/pulumi/handlers');
      await h.remove(props, this.dockerHost);
    },
  };
  return provider;
}
