// The post-receive hook: a push to the spec repository notifies the running reconciler at once.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function installHook(bareRepo: string, url: string): string {
  const hooks = join(resolve(bareRepo), 'hooks');
  if (!existsSync(hooks)) throw new Error(`${bareRepo} is not a bare git repository (no hooks folder)`);
  const docknet = resolve(__dirname, '..', '..', 'bin', 'docknet');
  const file = join(hooks, 'post-receive');
  writeFileSync(
    file,
    `#!/bin/sh
# Written by docknet hook install: tell the reconciler that new commits arrived.
# It fetches by itself; if it cannot be reached, it still polls.
"${process.execPath}" "${docknet}" hook notify --url "${url}" || true
`,
  );
  chmodSync(file, 0o755);
  return file;
}

export async function notify(url: string): Promise<void> {
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/notify`, { method: 'POST', signal: AbortSignal.timeout(2000) });
    if (!res.ok) process.stderr.write(`docknet: the reconciler at ${url} answered HTTP ${res.status}; it will pick the push up when it polls\n`);
  } catch {
    process.stderr.write(`docknet: the reconciler at ${url} is not reachable; it will pick the push up when it polls\n`);
  }
}
