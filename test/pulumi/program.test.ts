// The Pulumi program's resource graph under pulumi.runtime.setMocks: names, inputs, dependencies.
// Mocks never call the providers, so this proves wiring only; behaviour is proven by the other tests.
import * as pulumi from '@pulumi/pulumi';

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: { ...args.inputs, bridgeInterface: `br-${args.name}` } };
    },
    call: (args) => args.inputs,
  },
  'docknet-lab',
  'test',
  false,
);

const output = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe('the seed lab program', () => {
  let lab: ReturnType<typeof import('../../stacks/pulumi/lab').declareLab>;
  beforeAll(async () => {
    const { declareLab } = await import('../../stacks/pulumi/lab');
    lab = declareLab({ parent: 'dn-test0', subnetA: '10.1.1.0/24', subnetB: '10.1.2.0/24', subnetIsolated: '10.1.3.0/24', subnetSegment: '192.168.1.0/24' });
    await output(lab.route.urn);
    await output(lab.onSegment.urn);
  });

  test('declares the seed lab: two bridges, the ICC-off bridge, a macvlan segment, containers and the route', () => {
    const names = registered.map((r) => `${r.inputs.kind}:${r.name}`).sort();
    expect(names).toEqual([
      'bridge:pl-a',
      'bridge:pl-b',
      'bridge:pl-isolated',
      'container:pl-client',
      'container:pl-loner-1',
      'container:pl-loner-2',
      'container:pl-segment-host',
      'container:pl-web',
      'macvlan:pl-segment',
      'route:pl-a-to-b',
    ]);
    expect(registered.every((r) => r.type === 'pulumi-nodejs:dynamic:Resource')).toBe(true);
    expect(registered.every((r) => r.inputs.stack === 'docknet-lab-test')).toBe(true);
  });

  test('typed inputs reach the providers as the core expects them', () => {
    const by = (name: string) => registered.find((r) => r.name === name)!.inputs;
    expect(by('pl-isolated')).toMatchObject({ ipv4: { subnet: '10.1.3.0/24' }, bridge: { icc: false, masquerade: false } });
    expect(by('pl-segment')).toMatchObject({ kind: 'macvlan', parent: 'dn-test0', ipv4: { subnet: '192.168.1.0/24' } });
    expect(by('pl-web')).toMatchObject({ publish: ['127.0.0.1:18180:80/tcp'], networks: ['pl-b'] });
    expect(typeof by('pl-a').__provider).toBe('string');
  });

  test('containers and the route depend on the networks they name', async () => {
    // Their inputs are the networks' name outputs, so Pulumi can register them only after the networks.
    const order = (name: string) => registered.findIndex((r) => r.name === name);
    expect(by('pl-a-to-b').between).toEqual(['pl-a', 'pl-b']);
    expect(order('pl-a-to-b')).toBeGreaterThan(Math.max(order('pl-a'), order('pl-b')));
    expect(order('pl-segment-host')).toBeGreaterThan(order('pl-segment'));
    expect(order('pl-loner-1')).toBeGreaterThan(order('pl-isolated'));
    expect(await output(lab.client.name)).toBe('pl-client');
    expect(await output(lab.labA.bridgeInterface)).toBe('br-pl-a');
  });
});

function by(name: string): Record<string, unknown> {
  return registered.find((r) => r.name === name)!.inputs;
}
