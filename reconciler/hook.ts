// The post-receive hook: a push to the spec repository notifies the running reconciler at once.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readToken } from './server';
import { packageRoot } from '../lib/package-root';

/** A shell word: single-quoted, with embedded quotes escaped. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes the hook. It notifies every reconciler in `urls` (a fleet: one per host following the
 * repository). With a token file, the hook sends its token; the file is read at each push (by the
 * user the git server runs as), and the token itself is never written into the hook.
 */
export function installHook(bareRepo: string, urls: string[], tokenFile?: string): string {
  const hooks = join(resolve(bareRepo), 'hooks');
  if (!existsSync(hooks)) throw new Error(`${bareRepo} is not a bare git repository (no hooks folder)`);
  if (tokenFile) readToken(resolve(tokenFile), '--token-file'); // fail now rather than at every push
  const docknet = join(packageRoot(), 'bin', 'docknet');
  const file = join(hooks, 'post-receive');
  writeFileSync(
    file,
    `#!/bin/sh
# Written by docknet hook install: tell the reconciler that new commits arrived.
# It fetches by itself; if it cannot be reached, it still polls.
${quote(process.execPath)} ${quote(docknet)} hook notify${urls.map((u) => ` --url ${quote(u)}`).join('')}${tokenFile ? ` --token-file ${quote(resolve(tokenFile))}` : ''} || true
`,
  );
  chmodSync(file, 0o755);
  return file;
}

/** A state-changing call to a running reconciler, with its token. */
export async function callReconciler(url: string, path: string, tokenFile: string | undefined, body?: unknown, timeoutMs = 10_000): Promise<Response> {
  const headers: Record<string, string> = {};
  if (tokenFile) headers.authorization = `Bearer ${readToken(tokenFile, '--token-file')}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${url.replace(/\/$/, '')}${path}`, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
}

/** Tells each reconciler that commits arrived; one that cannot be reached still polls. */
export async function notifyAll(urls: string[], tokenFile?: string): Promise<void> {
  await Promise.all(urls.map((url) => notify(url, tokenFile)));
}

async function notify(url: string, tokenFile?: string): Promise<void> {
  try {
    const res = await callReconciler(url, '/notify', tokenFile, undefined, 2000);
    if (res.status === 401) process.stderr.write(`docknet: the reconciler at ${url} refused the notification (HTTP 401: ${tokenFile ? 'wrong token' : 'it needs a token: docknet hook install … --token-file FILE'}); it will pick the push up when it polls\n`);
    else if (!res.ok) process.stderr.write(`docknet: the reconciler at ${url} answered HTTP ${res.status}; it will pick the push up when it polls\n`);
  } catch (e) {
    process.stderr.write(`docknet: the reconciler at ${url} is not reachable (${(e as Error).message}); it will pick the push up when it polls\n`);
  }
}
