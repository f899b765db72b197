// The reconciler's HTTP endpoint (loopback by default). Reading is open: /healthz, /status, /metrics.
// Everything that changes what the reconciler does is closed: /notify, /suspend, /resume and
// /allow-prune need `Authorization: Bearer <token>` (the --token-file's token, or the webhook secret),
// compared in constant time; /webhook needs its X-Hub-Signature-256 HMAC.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ReconcilerMetrics } from './metrics';
import type { Reconciler } from './reconciler';

const MAX_BODY = 5 * 1024 * 1024;

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** GitHub/Gitea/Forgejo style: X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>, compared in constant time. */
export function validSignature(secret: string, payload: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', secret).update(payload).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Reads a token (or secret) file: its first line, trimmed; an empty file is an error. */
export function readToken(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${what} ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const token = text.split('\n')[0].trim();
  if (!token) throw new Error(`${what} ${file} is empty`);
  return token;
}

/** Whether `given` equals one of the accepted tokens; every candidate is compared, in constant time. */
export function tokenMatches(given: string, accepted: string[]): boolean {
  const digest = (t: string) => createHash('sha256').update(t).digest();
  const g = digest(given);
  let ok = false;
  for (const a of accepted) ok = timingSafeEqual(g, digest(a)) || ok;
  return ok;
}

export interface ServerOptions {
  reconciler: Reconciler;
  metrics: ReconcilerMetrics;
  logger: Logger;
  webhookSecret?: string;
  /** A file holding the token for state-changing calls; read at each call, so a new token counts at once. */
  tokenFile?: string;
}

const ROUTES = ['GET /healthz', 'GET /status', 'GET /metrics', 'POST /notify', 'POST /webhook', 'POST /suspend', 'POST /resume', 'POST /allow-prune'];

export function reconcilerServer(options: ServerOptions): Server {
  const { reconciler, metrics, logger } = options;
  const send = (res: ServerResponse, code: number, value: unknown, type = 'application/json', headers: Record<string, string> = {}) => {
    res.writeHead(code, { 'content-type': type, ...headers });
    res.end(type === 'application/json' ? `${JSON.stringify(value, null, 2)}\n` : String(value));
  };

  /** Why a state-changing call is refused, or undefined when its bearer token is right. */
  const refusal = (req: IncomingMessage): string | undefined => {
    const accepted: string[] = [];
    if (options.webhookSecret) accepted.push(options.webhookSecret);
    if (options.tokenFile) {
      try {
        accepted.push(readToken(options.tokenFile, '--token-file'));
      } catch (e) {
        logger.error({ event: 'token-file-unreadable', error: (e as Error).message }, 'the token file cannot be read: state-changing calls are refused');
      }
    }
    if (accepted.length === 0) return 'state-changing calls need a token: start docknet watch with --token-file FILE (or --webhook-secret-file FILE) and send Authorization: Bearer <token>';
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !tokenMatches(m[1], accepted)) return 'missing or wrong Authorization: Bearer <token> (the token of --token-file, or the webhook secret)';
    return undefined;
  };

  return createServer((req, res) => {
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    (async () => {
      if (ROUTES.includes(route) && req.method === 'POST' && route !== 'POST /webhook') {
        const why = refusal(req);
        if (why) {
          await body(req).catch(() => undefined);
          logger.warn({ event: 'unauthorized', route, remote: req.socket.remoteAddress }, `${route} refused: ${why}`);
          return send(res, 401, { error: why }, 'application/json', { 'www-authenticate': 'Bearer realm="docknet watch"' });
        }
      }
      switch (route) {
        case 'GET /healthz':
          return send(res, 200, 'ok\n', 'text/plain');
        case 'GET /status':
          return send(res, 200, reconciler.status);
        case 'GET /metrics':
          return send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
        case 'POST /notify':
          await body(req);
          reconciler.trigger('push');
          return send(res, 202, { accepted: true });
        case 'POST /webhook': {
          const payload = await body(req);
          if (!options.webhookSecret || !validSignature(options.webhookSecret, payload, req.headers['x-hub-signature-256'] as string | undefined)) {
            logger.warn({ event: 'webhook-rejected', remote: req.socket.remoteAddress }, 'webhook without a valid signature');
            return send(res, 401, { error: options.webhookSecret ? 'invalid or missing X-Hub-Signature-256' : 'webhooks need --webhook-secret-file' });
          }
          reconciler.trigger('webhook');
          return send(res, 202, { accepted: true });
        }
        case 'POST /suspend':
          await body(req);
          reconciler.suspend();
          return send(res, 200, { suspended: true });
        case 'POST /resume':
          await body(req);
          reconciler.resume();
          return send(res, 200, { suspended: false });
        case 'POST /allow-prune': {
          const text = (await body(req)).toString('utf8');
          let commit: unknown;
          try {
            commit = text.trim() ? (JSON.parse(text) as { commit?: unknown }).commit : new URL(req.url ?? '/', 'http://x').searchParams.get('commit');
          } catch {
            return send(res, 400, { error: 'the body must be JSON: {"commit": "<the held commit>"}' });
          }
          if (typeof commit !== 'string' || !commit) return send(res, 400, { error: 'name the held commit: {"commit": "<id>"}' });
          const answer = reconciler.allowPrune(commit);
          if ('refused' in answer) return send(res, 409, { error: answer.refused, pruneHold: reconciler.status.pruneHold });
          return send(res, 202, { allowed: answer.allowed.commit, stacks: answer.allowed.stacks });
        }
        default:
          return send(res, 404, { error: `no route ${route}`, routes: ROUTES });
      }
    })().catch((e: Error) => send(res, 500, { error: e.message }));
  });
}
