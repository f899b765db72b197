// The reconciler's HTTP endpoint (loopback by default): health, status, metrics, and the triggers —
// the post-receive hook's notify, git servers' signed webhooks, suspend and resume.
import { createHmac, timingSafeEqual } from 'node:crypto';
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

export interface ServerOptions {
  reconciler: Reconciler;
  metrics: ReconcilerMetrics;
  logger: Logger;
  webhookSecret?: string;
}

export function reconcilerServer(options: ServerOptions): Server {
  const { reconciler, metrics, logger } = options;
  const send = (res: ServerResponse, code: number, value: unknown, type = 'application/json') => {
    res.writeHead(code, { 'content-type': type });
    res.end(type === 'application/json' ? `${JSON.stringify(value, null, 2)}\n` : String(value));
  };
  return createServer((req, res) => {
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    (async () => {
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
          reconciler.suspend();
          return send(res, 200, { suspended: true });
        case 'POST /resume':
          reconciler.resume();
          return send(res, 200, { suspended: false });
        default:
          return send(res, 404, { error: `no route ${route}`, routes: ['GET /healthz', 'GET /status', 'GET /metrics', 'POST /notify', 'POST /webhook', 'POST /suspend', 'POST /resume'] });
      }
    })().catch((e: Error) => send(res, 500, { error: e.message }));
  });
}
