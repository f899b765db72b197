// Using docknet beside networks declared with @cdktf/provider-docker (the kreuzwerker provider's
// bindings): docknet routes between two docker_network resources and attaches a container to one,
// referring to them by name. Synthesized in tests; deploying it needs the kreuzwerker provider.
import { App, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Network } from '@cdktf/provider-docker/lib/network';
import { BridgeRoute, Container, DocknetProvider } from '../../providers/cdktf';

export class WithDockerProvider extends TerraformStack {
  readonly route: BridgeRoute;
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new DockerProvider(this, 'docker', {});
    new DocknetProvider(this, 'docknet', { stack: 'mixed' });
    const front = new Network(this, 'front', { name: 'front', ipamConfig: [{ subnet: '10.141.1.0/24' }] });
    const back = new Network(this, 'back', { name: 'back', ipamConfig: [{ subnet: '10.141.2.0/24' }] });
    this.route = new BridgeRoute(this, 'front-back', { between: [front, back], allow: ['tcp/5432', 'icmp'] });
    new Container(this, 'probe', { image: 'docknet/busybox:latest', command: ['sleep', '86400'], networks: [front, { network: back, aliases: ['probe'] }] });
  }
}

if (require.main === module) {
  const app = new App();
  new WithDockerProvider(app, 'mixed');
  app.synth();
}
