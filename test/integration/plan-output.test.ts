// What `docknet plan` shows against the real engine: the engine, what each create builds (subnets,
// gateway, bridge name and options, image, addresses, publishes), a route's exact rules with the real
// bridge names once the networks exist, and in JSON the desired and current values of a replacement.
import { docknet, engineFiltersRaw, expectOk, tempSpec } from '../helpers';

const text = (command: string, allow: string) => `version: 1
stack: planout
networks:
  po-a: { ipv4: { subnet: 10.221.1.0/24, gateway: 10.221.1.1 }, bridge: { name: br-poa } }
  po-b: { ipv4: { subnet: 10.221.2.0/24 }, bridge: { name: br-pob, icc: false } }
containers:
  po-web:
    image: docknet/busybox:latest
    command: [sleep, "${command}"]
    init: true
    networks: { po-b: { ipv4: 10.221.2.10, aliases: [web] } }
    publish: ["127.0.0.1:18221:80/tcp"]
    restart: unless-stopped
routes:
  - between: [po-a, po-b]
    allow: [${allow}]
`;
const FIRST = tempSpec('planout.yaml', text('3600', 'icmp'));
const NEXT = tempSpec('planout.yaml', text('3601', 'icmp, tcp/80'));
const COMMENT = '-m comment --comment "docknet:planout:po-a=po-b" -j ACCEPT';

describe('plan output against the engine', () => {
  beforeAll(() => docknet('destroy', '--stack', 'planout', '--yes', '--take-over'));
  afterAll(() => docknet('destroy', '--stack', 'planout', '--yes', '--take-over'));

  test('before anything exists: the engine, then every value each create builds, and the rules of the route', async () => {
    const r = await docknet('plan', FIRST);
    expectOk(r);
    const [engine, ...rest] = r.stdout.trimEnd().split('\n');
    expect(engine).toMatch(/^engine unix:\/\/\S+ \(Docker \S+ on \S+, firewall iptables\)$/);
    const raw = engineFiltersRaw()
      ? [`      iptables -t raw -A PREROUTING -d 10.221.2.0/24 -i br-poa ${COMMENT}`, `      iptables -t raw -A PREROUTING -d 10.221.1.0/24 -i br-pob ${COMMENT}`]
      : [];
    expect(rest).toEqual([
      'stack planout: 4 to create',
      '  + network po-a',
      '      network po-a does not exist',
      '      driver: bridge',
      '      ipv4: { subnet: 10.221.1.0/24, gateway: 10.221.1.1 }',
      '      bridge: { name: br-poa }',
      '  + network po-b',
      '      network po-b does not exist',
      '      driver: bridge',
      '      ipv4: { subnet: 10.221.2.0/24 }',
      '      bridge: { name: br-pob, icc: false }',
      '  + container po-web',
      '      container po-web does not exist',
      '      image: docknet/busybox:latest',
      '      command: [ sleep, "3600" ]',
      '      networks: { po-b: { ipv4: 10.221.2.10, aliases: [ web ] } }',
      '      publish: [ 127.0.0.1:18221:80/tcp ]',
      '      restart: unless-stopped',
      '      init: true',
      '  + route po-a=po-b',
      '      po-a ⇄ po-b (icmp): network po-a is new',
      `      iptables -t filter -A DOCKER-USER -i br-poa -o br-pob -p icmp ${COMMENT}`,
      `      iptables -t filter -A DOCKER-USER -i br-pob -o br-poa -p icmp ${COMMENT}`,
      `      iptables -t filter -A DOCKER-USER -i br-pob -o br-poa -m conntrack --ctstate RELATED,ESTABLISHED ${COMMENT}`,
      `      iptables -t filter -A DOCKER-USER -i br-poa -o br-pob -m conntrack --ctstate RELATED,ESTABLISHED ${COMMENT}`,
      ...raw,
      'plan: 4 to create',
    ]);
  });

  test('once applied, a change shows the replacement and only the rules that come and go', async () => {
    expectOk(await docknet('apply', FIRST, '--yes'));
    const r = await docknet('plan', NEXT);
    expectOk(r);
    expect(r.stdout.trimEnd().split('\n').slice(1)).toEqual([
      'stack planout: 2 to replace',
      '-/+ container po-web (replace)',
      '      command ["sleep","3600"] → ["sleep","3601"] cannot change in place',
      '      image: docknet/busybox:latest',
      '      command: [ sleep, "3601" ]',
      '      networks: { po-b: { ipv4: 10.221.2.10, aliases: [ web ] } }',
      '      publish: [ 127.0.0.1:18221:80/tcp ]',
      '      restart: unless-stopped',
      '      init: true',
      '-/+ route po-a=po-b (replace)',
      `      po-a ⇄ po-b (icmp, tcp/80): missing DOCKER-USER (IPv4): -i br-poa -o br-pob -p tcp -m tcp --dport 80 -j ACCEPT; missing DOCKER-USER (IPv4): -i br-pob -o br-poa -p tcp -m tcp --dport 80 -j ACCEPT`,
      `      + iptables -t filter -A DOCKER-USER -i br-poa -o br-pob -p tcp -m tcp --dport 80 ${COMMENT}`,
      `      + iptables -t filter -A DOCKER-USER -i br-pob -o br-poa -p tcp -m tcp --dport 80 ${COMMENT}`,
      'plan: 2 to replace',
    ]);
  });

  test('JSON: the desired and current values of the replaced container, read from the engine', async () => {
    const plan = JSON.parse((await docknet('plan', NEXT, '--json')).stdout) as { actions: { kind: string; desired: unknown; current: unknown }[] };
    const container = plan.actions.find((a) => a.kind === 'container')!;
    const common = { image: 'docknet/busybox:latest', publish: ['127.0.0.1:18221:80/tcp'], restart: 'unless-stopped', init: true };
    expect(container.desired).toEqual({ ...common, command: ['sleep', '3601'], networks: { 'po-b': { ipv4: '10.221.2.10', aliases: ['web'] } } });
    expect(container.current).toMatchObject({ ...common, command: ['sleep', '3600'], networks: { 'po-b': { ipv4: '10.221.2.10', aliases: ['web'] } } });
    const route = plan.actions.find((a) => a.kind === 'route')!;
    expect((route.current as { rules: unknown[] }).rules).toHaveLength(engineFiltersRaw() ? 6 : 4);
    expect((route.desired as { between: string[]; allow: string[] })).toMatchObject({ between: ['po-a', 'po-b'], allow: ['icmp', 'tcp/80'] });
  });
});
