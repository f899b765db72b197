// CDKTF constructs by synthesis: the Terraform JSON they generate, including references to networks
// declared with @cdktf/provider-docker (whose provider cannot be installed here).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { WithDockerProvider } from '../../stacks/cdktf/with-docker-provider';
import { SeedLab } from '../../stacks/cdktf/main';

function synth(make: (app: App) => void, stack: string): Record<string, any> {
  const outdir = mkdtempSync(join(tmpdir(), 'docknet-synth-'));
  const app = new App({ outdir });
  make(app);
  app.synth();
  return JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
}

describe('CDKTF constructs', () => {
  test('routes and endpoints refer to docker_network resources of @cdktf/provider-docker by name', () => {
    const json = synth((app) => new WithDockerProvider(app, 'mixed'), 'mixed');
    expect(json.terraform.required_providers).toEqual({
      docker: expect.objectContaining({ source: 'kreuzwerker/docker' }),
      docknet: { source: 'local/docknet', version: '>= 0.1.0' },
    });
    expect(json.resource.docknet_route['front-back']).toMatchObject({ between: ['${docker_network.front.name}', '${docker_network.back.name}'], allow: ['tcp/5432', 'icmp'] });
    expect(json.resource.docknet_container.probe.network).toEqual([{ name: '${docker_network.front.name}' }, { name: '${docker_network.back.name}', aliases: ['probe'] }]);
  });

  test('the seed lab synthesizes typed props into the provider\'s snake_case attributes and blocks', () => {
    const json = synth((app) => new SeedLab(app, 'lab'), 'lab');
    const nets = json.resource.docknet_network;
    expect(nets['cd-isolated']).toMatchObject({ name: 'cd-isolated', driver: 'bridge', ipv4: { subnet: '10.131.3.0/24' }, bridge: { icc: false, masquerade: false } });
    expect(nets['cd-segment']).toMatchObject({ driver: 'macvlan', macvlan: { parent: expect.any(String) } });
    expect(json.resource.docknet_container['cd-web']).toMatchObject({ publish: ['127.0.0.1:18380:80/tcp'], network: [{ name: '${docknet_network.cd-lab-b.name}', ipv4: '10.131.2.10' }] });
    expect(json.resource.docknet_route['cd-a-b'].between).toEqual(['${docknet_network.cd-lab-a.name}', '${docknet_network.cd-lab-b.name}']);
  });
});
