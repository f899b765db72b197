// The seed lab as Pulumi resources: two bridges and the route between them, the ICC-off bridge,
// a published web server, and a macvlan segment on a configurable parent interface.
import * as pulumi from '@pulumi/pulumi';
import { BridgeNetwork, BridgeRoute, Container, MacvlanNetwork } from '../../providers/pulumi';

export interface LabConfig {
  parent: string;
  subnetA: string;
  subnetB: string;
  subnetIsolated: string;
  subnetSegment: string;
}

export function labConfig(): LabConfig {
  const config = new pulumi.Config();
  return {
    parent: config.get('parent') ?? 'dn-pl0',
    subnetA: config.get('subnetA') ?? '10.111.1.0/24',
    subnetB: config.get('subnetB') ?? '10.111.2.0/24',
    subnetIsolated: config.get('subnetIsolated') ?? '10.111.3.0/24',
    subnetSegment: config.get('subnetSegment') ?? '192.168.171.0/24',
  };
}

const IMAGE = 'docknet/busybox:latest';
const sleeper = { image: IMAGE, command: ['sleep', '86400'] };

export function declareLab(cfg: LabConfig) {
  const labA = new BridgeNetwork('pl-a', { ipv4: { subnet: cfg.subnetA } });
  const labB = new BridgeNetwork('pl-b', { ipv4: { subnet: cfg.subnetB } });
  const isolated = new BridgeNetwork('pl-isolated', { ipv4: { subnet: cfg.subnetIsolated }, bridge: { icc: false, masquerade: false } });
  const segment = new MacvlanNetwork('pl-segment', { parent: cfg.parent, ipv4: { subnet: cfg.subnetSegment } });

  const client = new Container('pl-client', { ...sleeper, networks: pulumi.all([labA.name]).apply(([a]) => [a]) });
  const web = new Container('pl-web', {
    image: IMAGE,
    command: ['sh', '-c', 'echo hello from pl-web > /tmp/index.html && exec httpd -f -p 80 -h /tmp'],
    networks: pulumi.all([labB.name]).apply(([b]) => [b]),
    publish: ['127.0.0.1:18180:80/tcp'],
  });
  const loners = [1, 2].map((i) => new Container(`pl-loner-${i}`, { ...sleeper, networks: isolated.name.apply((n) => [n]) }));
  const onSegment = new Container('pl-segment-host', { ...sleeper, networks: segment.name.apply((n) => [n]) });
  const route = new BridgeRoute('pl-a-to-b', { between: [labA, labB] });

  return { labA, labB, isolated, segment, client, web, loners, onSegment, route };
}
