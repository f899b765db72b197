// The Terraform provider: plugin protocol 6 over gRPC with TLS, after hashicorp/go-plugin's handshake.
// Every resource call goes through the core's one-resource API; nothing here talks to Docker itself.
// The core is imported lazily: Terraform starts the provider several times per command, mostly only
// to ask for the schema, so start-up must not pay for what those launches never use.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { decodeValue, encodeValue, UNKNOWN, type ObjectValue, type Value } from './cty';
import { DATA_SOURCES, NETWORK_DATA, PROVIDER, protoBlock, RESOURCES } from './schema';
import { loadRoot, serviceDefinition } from './descriptors';
import type { ResourceType } from './resources';

export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';

type Callback = (err: grpc.ServiceError | null, res?: unknown) => void;
type Call = { request: Record<string, unknown> };
interface Diagnostic {
  severity: 'ERROR' | 'WARNING';
  summary: string;
  detail?: string;
  attribute?: { steps: ({ attribute_name: string } | { element_key_int: number } | { element_key_string: string })[] };
}

// docker_host unset: the engine is resolved as the docker CLI resolves it (DOCKER_HOST, DOCKER_CONTEXT, the current context).
const config = { dockerHost: undefined as string | undefined, stack: 'terraform' };

const core = () => import('../../lib/resource');
const errors = () => import('../../lib/spec/errors');
const desired = () => import('../../lib/plan/desired');
const resources = () => import('./resources');

function dynamic(v: { msgpack?: Buffer } | undefined): Value {
  return decodeValue(v?.msgpack);
}

function error(summary: string, e?: unknown): Diagnostic {
  return { severity: 'ERROR', summary, detail: e instanceof Error ? e.message : e === undefined ? '' : String(e) };
}

function pathSteps(path: (string | number)[]): Diagnostic['attribute'] {
  return { steps: path.map((p) => (typeof p === 'number' ? { element_key_int: p } : { attribute_name: p })) };
}

/** Unknown references become placeholders so the rest of a configuration can still be checked. */
function forValidation(type: ResourceType, v: ObjectValue): ObjectValue {
  const placeholder = (x: Value, fallback: string) => (x === UNKNOWN ? fallback : x);
  const out: ObjectValue = { ...v, name: placeholder(v.name ?? null, 'unknown-name'), image: placeholder(v.image ?? null, 'unknown') };
  if (type === 'docknet_route') {
    out.from = placeholder(v.from ?? null, 'unknown-from');
    out.to = placeholder(v.to ?? null, 'unknown-to');
    if (v.between === UNKNOWN) out.between = ['unknown-a', 'unknown-b'];
    else if (Array.isArray(v.between)) out.between = v.between.map((x, i) => placeholder(x, `unknown-${i}`));
  }
  if (type === 'docknet_container' && Array.isArray(v.network)) {
    out.network = (v.network as ObjectValue[]).map((e, i) => ({ ...e, name: placeholder(e.name, `unknown-${i}`) }));
  }
  if (type !== 'docknet_container') delete out.image;
  return out;
}

/** Whether the value at a path (or on the way to it) is not known yet: nothing to say about it now. */
function unknownAt(v: Value, path: (string | number)[]): boolean {
  let cur: Value | undefined = v;
  for (const step of path) {
    if (cur === UNKNOWN) return true;
    if (cur === null || cur === undefined || typeof cur !== 'object') return false;
    cur = (cur as Record<string | number, Value>)[step];
  }
  return cur === UNKNOWN;
}

async function validate(type: ResourceType, v: ObjectValue): Promise<Diagnostic[]> {
  const { refOf, attributePath } = await resources();
  const { resourceStack } = await core();
  const { SpecError, formatPath } = await errors();
  const checked = forValidation(type, v);
  try {
    resourceStack(refOf(type, checked, config.stack), type);
    return [];
  } catch (e) {
    if (!(e instanceof SpecError)) return [error('invalid configuration', e)];
    return e.issues
      .map((i) => ({ issue: i, path: attributePath(type, checked, i) }))
      .filter(({ path }) => !unknownAt(checked, path))
      .map(({ issue, path }) => ({ severity: 'ERROR', summary: issue.message, detail: `docknet spec path: ${formatPath(issue.path)}`, attribute: pathSteps(path) }));
  }
}

async function docknet() {
  const { Docknet } = await core();
  return new Docknet({ dockerHost: config.dockerHost, dockerHostSource: 'docker_host of the provider', manager: 'terraform', command: 'terraform (docknet provider)' });
}

/** Whether the resource was imported and not applied since: its first apply takes its stack over. */
function importedHere(privateData: unknown): boolean {
  try {
    return Buffer.isBuffer(privateData) && privateData.length > 0 && JSON.parse(privateData.toString('utf8')).takeOver === true;
  } catch {
    return false;
  }
}

/** Wraps a handler: exceptions become error diagnostics, never a broken gRPC call. */
function handler(fn: (req: Record<string, unknown>) => Promise<Record<string, unknown>>) {
  return (call: Call, callback: Callback) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (e: unknown) => callback(null, { diagnostics: [error('docknet provider error', e)] }),
    );
  };
}

const providerService = {
  GetMetadata: handler(async () => ({
    server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
    resources: Object.keys(RESOURCES).map((type_name) => ({ type_name })),
    data_sources: Object.keys(DATA_SOURCES).map((type_name) => ({ type_name })),
  })),

  GetProviderSchema: handler(async () => ({
    provider: { version: 0, block: protoBlock(PROVIDER) },
    resource_schemas: Object.fromEntries(Object.entries(RESOURCES).map(([k, b]) => [k, { version: 0, block: protoBlock(b) }])),
    data_source_schemas: Object.fromEntries(Object.entries(DATA_SOURCES).map(([k, b]) => [k, { version: 0, block: protoBlock(b) }])),
    server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
  })),

  ValidateProviderConfig: handler(async () => ({ diagnostics: [] })),

  ConfigureProvider: handler(async (req) => {
    const v = (dynamic(req.config as never) ?? {}) as ObjectValue;
    if (typeof v.docker_host === 'string' && v.docker_host !== '') config.dockerHost = v.docker_host;
    if (typeof v.stack === 'string') config.stack = v.stack;
    return { diagnostics: [] };
  }),

  ValidateResourceConfig: handler(async (req) => {
    const v = dynamic(req.config as never) as ObjectValue;
    return { diagnostics: v ? await validate(req.type_name as ResourceType, v) : [] };
  }),

  ValidateDataResourceConfig: handler(async () => ({ diagnostics: [] })),

  UpgradeResourceState: handler(async (req) => {
    const raw = req.raw_state as { json?: Buffer };
    const block = RESOURCES[req.type_name as string];
    const value = raw?.json && raw.json.length > 0 ? (JSON.parse(raw.json.toString('utf8')) as ObjectValue) : null;
    // States written before `drift` existed: nothing was found different then.
    if (value && value.drift === undefined) value.drift = [];
    return { upgraded_state: { msgpack: encodeValue(value, block) } };
  }),

  ReadResource: handler(async (req) => {
    const type = req.type_name as ResourceType;
    const current = dynamic(req.current_state as never) as ObjectValue | null;
    if (!current) return { new_state: { msgpack: encodeValue(null, RESOURCES[type]) }, private: req.private };
    const { refOf, refreshedState } = await resources();
    const { readResource } = await core();
    const dn = await docknet();
    let next: ObjectValue | null;
    if (current.adopted === true) {
      const host = await dn.observe([]);
      next = host.networks.has(String(current.name)) ? current : null;
    } else {
      next = refreshedState(current, await readResource(dn, refOf(type, current, config.stack), type, { takeOver: importedHere(req.private) }));
    }
    return { new_state: { msgpack: encodeValue(next, RESOURCES[type]) }, private: req.private };
  }),

  PlanResourceChange: handler(async (req) => {
    const type = req.type_name as ResourceType;
    const prior = dynamic(req.prior_state as never) as ObjectValue | null;
    const proposed = dynamic(req.proposed_new_state as never) as ObjectValue | null;
    const configured = dynamic(req.config as never) as ObjectValue | null;
    const { planChange } = await resources();
    const { planned, requiresReplace, recreated } = planChange(type, prior, proposed, configured);
    const diagnostics = proposed ? await validate(type, proposed) : [];
    if (prior?.adopted === true && (requiresReplace.length > 0 || recreated)) {
      diagnostics.push(error(`imported network ${String(prior.name)} cannot be changed by docknet`, `docknet does not own it (no io.docknet.managed label), so it never recreates or removes it. Make the configuration match it, or remove it from the state and let docknet create its own.`));
    } else if (recreated) {
      diagnostics.push({ severity: 'WARNING', summary: `network ${String(proposed?.name)} is recreated by this update`, detail: 'Docker cannot change a network once it exists: docknet removes it and makes it again in one step, reconnecting the containers docknet attached to it with their addresses and moving the routes that use it to the new bridge.' });
    }
    return {
      planned_state: { msgpack: encodeValue(planned, RESOURCES[type]) },
      requires_replace: requiresReplace.map((name) => pathSteps([name])),
      planned_private: req.prior_private,
      diagnostics,
    };
  }),

  ApplyResourceChange: handler(async (req) => {
    const type = req.type_name as ResourceType;
    const block = RESOURCES[type];
    const prior = dynamic(req.prior_state as never) as ObjectValue | null;
    const planned = dynamic(req.planned_state as never) as ObjectValue | null;
    const { refOf, appliedState } = await resources();
    const { applyResource, removeResource } = await core();
    const dn = await docknet();
    try {
      if (planned === null) {
        if (prior && prior.adopted !== true) await removeResource(dn, refOf(type, prior, config.stack), { takeOver: importedHere(req.planned_private) });
        const diagnostics = prior?.adopted === true ? [{ severity: 'WARNING', summary: `network ${String(prior.name)} was imported: docknet leaves it on the host`, detail: 'docknet never removes what it does not own.' }] : [];
        return { new_state: { msgpack: encodeValue(null, block) }, diagnostics };
      }
      const state = await applyResource(dn, refOf(type, planned, config.stack), type, { takeOver: importedHere(req.planned_private) });
      // Applied: the import's take-over is done.
      return { new_state: { msgpack: encodeValue(appliedState(type, planned, state), block) }, private: Buffer.alloc(0) };
    } catch (e) {
      // Terraform keeps the prior state on error; say what went wrong, with the core's words.
      return { new_state: { msgpack: encodeValue(prior, block) }, diagnostics: [error(`docknet could not apply ${type}.${String(planned?.name ?? prior?.name ?? '')}`, e)] };
    }
  }),

  ImportResourceState: handler(async (req) => {
    const type = req.type_name as ResourceType;
    const { importedNetwork, importedContainer, importedRoute } = await resources();
    const { networkDocFromHost, containerFromHost, routeFromHost } = await core();
    const { LABEL } = await desired();
    const dn = await docknet();
    const wanted = String(req.id);
    // Containers and routes become Terraform's at their first apply (the stack's manager changes then).
    const takeOver = Buffer.from(JSON.stringify({ takeOver: true }));
    try {
      if (type === 'docknet_container') {
        const state = importedContainer(await containerFromHost(dn, wanted), config.stack);
        return { imported_resources: [{ type_name: type, state: { msgpack: encodeValue(state, RESOURCES[type]) }, private: takeOver }] };
      }
      if (type === 'docknet_route') {
        const state = importedRoute(await routeFromHost(dn, wanted), config.stack);
        return { imported_resources: [{ type_name: type, state: { msgpack: encodeValue(state, RESOURCES[type]) }, private: takeOver }] };
      }
    } catch (e) {
      return { diagnostics: [error(`cannot import ${type} ${wanted}`, e)] };
    }
    const host = await dn.observe([]);
    const seen = host.networks.get(wanted) ?? [...host.networks.values()].find((n) => n.id === wanted || n.id.startsWith(wanted));
    if (!seen) return { diagnostics: [error(`no network named or with id "${wanted}" on the Docker host`)] };
    // A network docknet made elsewhere is taken over like a container; any other is adopted: read, never changed or removed.
    const stack = seen.labels[LABEL.managed] === 'true' ? seen.labels[LABEL.stack] : undefined;
    const state = importedNetwork(seen.name, seen.id, networkDocFromHost(seen.info), seen.bridgeInterface, stack === undefined ? undefined : stack === config.stack ? null : stack);
    return { imported_resources: [{ type_name: type, state: { msgpack: encodeValue(state, RESOURCES[type]) }, ...(stack !== undefined ? { private: takeOver } : {}) }] };
  }),

  ReadDataSource: handler(async (req) => {
    const v = dynamic(req.config as never) as ObjectValue;
    const host = await (await docknet()).observe([]);
    const seen = host.networks.get(String(v.name));
    if (!seen) return { diagnostics: [error(`network "${String(v.name)}" does not exist on the Docker host`)] };
    const ipv4 = ((seen.info.IPAM?.Config ?? []) as { Subnet?: string; Gateway?: string }[]).find((c) => c.Subnet && !c.Subnet.includes(':'));
    const state: ObjectValue = {
      name: seen.name,
      id: seen.id,
      driver: seen.info.Driver,
      subnet: ipv4?.Subnet ?? null,
      gateway: ipv4?.Gateway ?? null,
      bridge_interface: seen.bridgeInterface ?? null,
      internal: Boolean(seen.info.Internal),
      labels: (seen.info.Labels ?? {}) as ObjectValue,
    };
    return { state: { msgpack: encodeValue(state, NETWORK_DATA) } };
  }),

  GetFunctions: handler(async () => ({ functions: {} })),

  StopProvider: handler(async () => ({ Error: '' })),
};

/** A self-signed certificate for localhost, made at start with the openssl CLI (fast, EC P-256). */
export function selfSignedCertificate(): { cert: Buffer; key: Buffer; der: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-tf-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    const cert = readFileSync(join(dir, 'cert.pem'));
    const key = readFileSync(join(dir, 'key.pem'));
    const der = Buffer.from(cert.toString('utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    return { cert, key, der };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Serves the provider; prints the go-plugin handshake line on stdout, the only thing ever printed there. */
export async function serve(): Promise<void> {
  if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    process.stderr.write('This is the docknet Terraform provider, a plugin that Terraform starts itself.\nInstall it with `docknet terraform install` and run terraform; do not run it by hand.\n');
    process.exit(1);
  }
  process.on('SIGINT', () => undefined); // Terraform sends StopProvider instead
  const root = loadRoot();
  const server = new grpc.Server();
  server.addService(serviceDefinition(root, 'tfplugin6.Provider'), providerService as never);
  server.addService(serviceDefinition(root, 'plugin.GRPCController'), {
    Shutdown: (_call: Call, callback: Callback) => {
      callback(null, {});
      setImmediate(() => server.tryShutdown(() => process.exit(0)));
    },
  } as never);
  const clientCert = process.env.PLUGIN_CLIENT_CERT;
  let credentials = grpc.ServerCredentials.createInsecure();
  let der: Buffer = Buffer.alloc(0);
  if (clientCert && process.env.TF_DISABLE_PLUGIN_TLS !== '1') {
    const tls = selfSignedCertificate();
    credentials = grpc.ServerCredentials.createSsl(Buffer.from(clientCert), [{ cert_chain: tls.cert, private_key: tls.key }], true);
    der = tls.der;
  }
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))));
  process.stdout.write(`1|6|tcp|127.0.0.1:${port}|grpc|${der.toString('base64').replace(/=+$/, '')}\n`);
}
