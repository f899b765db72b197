// The seed lab as a CDKTF app over docknet's provider: two bridges and the route between them, the
// ICC-off bridge, a published web server, a macvlan segment on a test parent interface.
//   npm run build && cd stacks/cdktf && npx cdktf deploy lab
// Settings from the environment: DOCKNET_PARENT (macvlan parent, default dn-cd0),
// DOCKNET_LAB_ATTACH=1 (the client also joins the segment: an in-place change), DOCKNET_LAB_SUBNET_A
// (another subnet for cd-lab-a: the network is recreated in one update, its containers reconnected).
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { BridgeNetwork, BridgeRoute, Container, DocknetProvider, MacvlanNetwork } from '../../providers/cdktf';

const IMAGE = 'docknet/busybox:latest';
const sleeper = { image: IMAGE, command: ['sleep', '86400'] };

export class SeedLab extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new LocalBackend(this, { path: process.env.DOCKNET_TF_STATE ?? `terraform.${id}.tfstate` });
    new DocknetProvider(this, 'docknet', { stack: 'cdktf-lab' });

    const labA = new BridgeNetwork(this, 'cd-lab-a', { ipv4: { subnet: process.env.DOCKNET_LAB_SUBNET_A ?? '10.131.1.0/24' } });
    const labB = new BridgeNetwork(this, 'cd-lab-b', { ipv4: { subnet: '10.131.2.0/24' } });
    const isolated = new BridgeNetwork(this, 'cd-isolated', { ipv4: { subnet: '10.131.3.0/24' }, bridge: { icc: false, masquerade: false } });
    const segment = new MacvlanNetwork(this, 'cd-segment', { parent: process.env.DOCKNET_PARENT ?? 'dn-cd0', ipv4: { subnet: '192.168.191.0/24' } });

    new Container(this, 'cd-client', { ...sleeper, networks: process.env.DOCKNET_LAB_ATTACH === '1' ? [labA, segment] : [labA] });
    const web = new Container(this, 'cd-web', {
      image: IMAGE,
      command: ['sh', '-c', 'echo hello from cd-web > /tmp/index.html && exec httpd -f -p 80 -h /tmp'],
      networks: [{ network: labB, ipv4: '10.131.2.10' }],
      publish: [{ hostIp: '127.0.0.1', hostPort: 18380, containerPort: 80, protocol: 'tcp' }],
    });
    new Container(this, 'cd-loner', { ...sleeper, replicas: 2, networks: [isolated] });
    new Container(this, 'cd-segment-host', { ...sleeper, networks: [{ network: segment, ipv4: '192.168.191.10' }] });
    new BridgeRoute(this, 'cd-a-b', { between: [labA, labB] });

    new TerraformOutput(this, 'bridge_a', { value: labA.bridgeInterface });
    new TerraformOutput(this, 'web_addresses', { value: web.addresses });
  }
}

if (require.main === module) {
  const app = new App();
  new SeedLab(app, 'lab');
  app.synth();
}
