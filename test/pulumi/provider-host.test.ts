// The serialized providers through @pulumi/pulumi's own dynamic-provider host, driven over gRPC the
// way the Pulumi engine drives it, against the real Docker engine. This is where serialization breaks
// (captured modules, machine paths), so every call here goes through a provider Pulumi serialized.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as pulumi from '@pulumi/pulumi';
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import { dynamicProvider } from '../../providers/pulumi/provider';
import type { Kind } from '../../providers/pulumi/handlers';
import { containerId, docker, docknet, ping, ROOT, tempSpec, ttlOf } from '../helpers';

/* eslint-disable @typescript-eslint/no-require-imports */
const provrpc = require('@pulumi/pulumi/proto/provider_grpc_pb');
const provproto = require('@pulumi/pulumi/proto/provider_pb');

const STACK = 'pulumi-host';
type Props = Record<string, unknown>;

/** Serializes a provider exactly as pulumi.dynamic.Resource does (dynamic/index.js). */
async function serialized(kind: Kind): Promise<string> {
  const provider = dynamicProvider(kind);
  const fn = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return fn.text;
}

function call<T>(client: grpc.Client, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => (client as unknown as Record<string, Function>)[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

const struct = (v: Props) => Struct.fromJavaScript(v as never);

/** Starts the provider host as the engine does and configures it with a Docker endpoint. */
async function startHost(dockerHost: string): Promise<{ host: ChildProcess; client: grpc.Client }> {
  // The host resolves require('docknet/...') from its working directory, as it does in a project.
  const host = spawn(process.execPath, [join(ROOT, 'node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js'), '127.0.0.1:1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    host.stdout!.once('data', (d) => resolve(String(d).trim()));
    host.once('exit', (code) => reject(new Error(`provider host exited ${code}`)));
  });
  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const configure = new provproto.ConfigureRequest();
  configure.setArgs(struct({ 'docknet:dockerHost': dockerHost }));
  await call(client, 'configure', configure);
  return { host, client };
}

describe('serialized providers in the Pulumi dynamic-provider host', () => {
  let host: ChildProcess;
  let client: grpc.Client;
  const providers: Partial<Record<Kind, string>> = {};
  const urn = (kind: string, name: string) => `urn:pulumi:test::docknet-lab::pulumi-nodejs:dynamic:Resource::${kind}-${name}`;
  const cleanupSpec = tempSpec('cleanup.yaml', `version: 1\nstack: ${STACK}\n`);
  const withProvider = (kind: Kind, props: Props) => ({ ...props, kind, stack: STACK, __provider: providers[kind] });

  beforeAll(async () => {
    await docknet('destroy', cleanupSpec, '--yes', '--take-over');
    for (const kind of ['bridge', 'container', 'route'] as Kind[]) providers[kind] = await serialized(kind);
    ({ host, client } = await startHost(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'));
  });

  afterAll(async () => {
    client?.close();
    host?.kill();
    await docknet('destroy', cleanupSpec, '--yes', '--take-over');
  });

  async function check(kind: Kind, news: Props) {
    const req = new provproto.CheckRequest();
    req.setUrn(urn(kind, String(news.name)));
    req.setOlds(struct({}));
    req.setNews(struct(withProvider(kind, news)));
    const res = await call<{ getFailuresList(): { getProperty(): string; getReason(): string }[]; getInputs(): Struct }>(client, 'check', req);
    return { failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })), inputs: res.getInputs().toJavaScript() as Props };
  }

  async function create(kind: Kind, props: Props) {
    const { inputs, failures } = await check(kind, props);
    expect(failures).toEqual([]);
    const req = new provproto.CreateRequest();
    req.setUrn(urn(kind, String(props.name)));
    req.setProperties(struct(inputs));
    const res = await call<{ getId(): string; getProperties(): Struct }>(client, 'create', req);
    return { id: res.getId(), outs: res.getProperties().toJavaScript() as Props };
  }

  async function diff(kind: Kind, id: string, olds: Props, news: Props) {
    const req = new provproto.DiffRequest();
    req.setId(id);
    req.setUrn(urn(kind, String(news.name)));
    req.setOlds(struct(olds));
    req.setNews(struct(withProvider(kind, news)));
    const res = await call<{ getChanges(): number; getReplacesList(): string[]; getDeletebeforereplace(): boolean }>(client, 'diff', req);
    return { changes: res.getChanges(), replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
  }

  async function read(kind: Kind, id: string, props: Props) {
    const req = new provproto.ReadRequest();
    req.setId(id);
    req.setUrn(urn(kind, String(props.name)));
    req.setProperties(struct(props));
    const res = await call<{ getId(): string; getProperties(): Struct }>(client, 'read', req);
    return { id: res.getId(), props: res.getProperties().toJavaScript() as Props };
  }

  async function update(kind: Kind, id: string, olds: Props, news: Props) {
    const req = new provproto.UpdateRequest();
    req.setId(id);
    req.setUrn(urn(kind, String(news.name)));
    req.setOlds(struct(olds));
    req.setNews(struct(withProvider(kind, news)));
    const res = await call<{ getProperties(): Struct }>(client, 'update', req);
    return res.getProperties().toJavaScript() as Props;
  }

  async function remove(kind: Kind, id: string, props: Props) {
    const req = new provproto.DeleteRequest();
    req.setId(id);
    req.setUrn(urn(kind, String(props.name)));
    req.setProperties(struct(props));
    await call(client, 'delete', req);
  }

  test('the serialized provider is small and captures no machine path or module body', () => {
    const text = providers.bridge!;
    expect(text).toContain("require('docknet/dist/providers/pulumi/handlers')");
    expect(text).not.toContain(ROOT);
    expect(text.length).toBeLessThan(6000);
  });

  test('the Docker endpoint comes from Configure, not from anything captured', async () => {
    const other = await startHost('unix:///nonexistent/docker.sock');
    const req = new provproto.CreateRequest();
    req.setUrn(urn('bridge', 'phh-elsewhere'));
    req.setProperties(struct(withProvider('bridge', { name: 'phh-elsewhere' })));
    await expect(call(other.client, 'create', req)).rejects.toThrow(/nonexistent\/docker\.sock/);
    other.client.close();
    other.host.kill();
  });

  test('Check returns core validation failures with property paths', async () => {
    const { failures } = await check('bridge', { name: 'phh-bad', ipv4: { subnet: '10.113.0.0/24', gateway: '10.114.0.1' } });
    expect(failures).toEqual([{ property: 'ipv4.gateway', reason: '10.114.0.1 is outside the subnet 10.113.0.0/24' }]);
  });

  test('Create, Diff, Update in place, Read after drift, Delete — with traffic', async () => {
    const a = await create('bridge', { name: 'phh-a', ipv4: { subnet: '10.113.1.0/24' } });
    const b = await create('bridge', { name: 'phh-b', ipv4: { subnet: '10.113.2.0/24' } });
    expect(a.outs.bridgeInterface).toMatch(/^br-/);
    const left = await create('container', { name: 'phh-left', image: 'docknet/busybox:latest', command: ['sleep', '3600'], networks: ['phh-a'] });
    const right = await create('container', { name: 'phh-right', image: 'docknet/busybox:latest', command: ['sleep', '3600'], networks: { 'phh-b': { ipv4: '10.113.2.10' } } });
    const route = await create('route', { name: 'phh-route', between: ['phh-a', 'phh-b'] });
    expect(ttlOf(await ping('phh-left', '10.113.2.10'))).toBe(63);

    // A filter on the route is an in-place update.
    const filtered = { name: 'phh-route', between: ['phh-a', 'phh-b'], allow: ['tcp/80'] };
    expect(await diff('route', route.id, route.outs, filtered)).toEqual({ changes: 2, replaces: [], deleteBeforeReplace: false });
    const routeOuts = await update('route', route.id, route.outs, filtered);
    expect((await ping('phh-left', '10.113.2.10')).code).not.toBe(0);

    // Attach a second network in place: same container id.
    const before = containerId('phh-left');
    const twoNets = { name: 'phh-left', image: 'docknet/busybox:latest', command: ['sleep', '3600'], networks: ['phh-a', 'phh-b'] };
    expect((await diff('container', left.id, left.outs, twoNets)).replaces).toEqual([]);
    const leftOuts = await update('container', left.id, left.outs, twoNets);
    expect(containerId('phh-left')).toBe(before);
    expect(ttlOf(await ping('phh-left', '10.113.2.10'))).toBe(64);

    // Out-of-band: detach by hand → Read reports drift → Diff wants an update.
    await docker('network', 'disconnect', 'phh-b', 'phh-left');
    const refreshed = await read('container', left.id, leftOuts);
    expect(refreshed.props.drift).toEqual([expect.stringContaining('phh-left → phh-b')]);
    expect((await diff('container', left.id, refreshed.props, twoNets)).changes).toBe(2);

    for (const [kind, r] of [['route', { id: route.id, outs: routeOuts }], ['container', { id: left.id, outs: leftOuts }], ['container', right], ['bridge', a], ['bridge', b]] as const) {
      await remove(kind as Kind, r.id, r.outs);
    }
    expect((await docker('network', 'inspect', 'phh-a')).code).not.toBe(0);
    expect((await read('bridge', b.id, b.outs)).id).toBe('');
  });

  test('a new subnet for a network with a container attached: one Update recreates it, the container is reconnected, the route follows', async () => {
    const c = await create('bridge', { name: 'phh-c', ipv4: { subnet: '10.113.3.0/24' } });
    const d = await create('bridge', { name: 'phh-d', ipv4: { subnet: '10.113.4.0/24' } });
    const left = await create('container', { name: 'phh-c1', image: 'docknet/busybox:latest', command: ['sleep', '3600'], networks: ['phh-c'] });
    const right = await create('container', { name: 'phh-d1', image: 'docknet/busybox:latest', command: ['sleep', '3600'], networks: { 'phh-d': { ipv4: '10.113.4.10' } } });
    const route = await create('route', { name: 'phh-cd', between: ['phh-c', 'phh-d'] });
    expect(ttlOf(await ping('phh-c1', '10.113.4.10'))).toBe(63);
    const id = containerId('phh-c1');

    const moved = { name: 'phh-c', ipv4: { subnet: '10.113.5.0/24' } };
    expect(await diff('bridge', c.id, c.outs, moved)).toEqual({ changes: 2, replaces: [], deleteBeforeReplace: true });
    const outs = await update('bridge', c.id, c.outs, moved);
    expect(outs.networkId).not.toBe(c.outs.networkId);
    expect(outs.subnet).toBe('10.113.5.0/24');
    // The same container, on the new subnet, across the route at once — both ways; nothing left to do.
    expect(containerId('phh-c1')).toBe(id);
    const address = (await docker('inspect', '-f', '{{(index .NetworkSettings.Networks "phh-c").IPAddress}}', 'phh-c1')).stdout.trim();
    expect(address).toMatch(/^10\.113\.5\.\d+$/);
    expect(ttlOf(await ping('phh-c1', '10.113.4.10'))).toBe(63);
    expect(ttlOf(await ping('phh-d1', address))).toBe(63);
    expect((await read('route', route.id, route.outs)).props.drift).toBeUndefined();
    expect((await read('container', left.id, left.outs)).props.drift).toBeUndefined();

    for (const [kind, r] of [['route', route], ['container', left], ['container', right], ['bridge', { id: c.id, outs }], ['bridge', d]] as const) {
      await remove(kind as Kind, r.id, r.outs);
    }
  });
});
