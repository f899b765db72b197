// The command line before and around the engine: the version, help that is cut short by a closed
// pipe, environment values refused before anything runs, Ctrl-C while reading. The engine here is a
// unix socket that accepts connections and never answers, so "nothing ran" and "it was waiting on the
// engine" can both be observed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKNET, ROOT, run, stack } from '../helpers';

/** An engine that never answers, counting the connections made to it. */
async function silentEngine(): Promise<{ host: string; connections: () => number; close: () => void }> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'docknet-silent-')), 'docker.sock');
  const open: Socket[] = [];
  const server: Server = createServer((s) => open.push(s));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    host: `unix://${socketPath}`,
    connections: () => open.length,
    close: () => {
      for (const s of open) s.destroy();
      server.close();
    },
  };
}

const env = (extra: Record<string, string>) => ({ ...process.env, ...extra });

describe('the command line', () => {
  test('--version and -V print the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) expect(await run(DOCKNET, [flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('help piped into head -1: the first line, nothing on stderr, exit 0', async () => {
    const r = await run('bash', ['-c', `"${DOCKNET}" --help | head -1; exit "\${PIPESTATUS[0]}"`]);
    expect(r).toEqual({ code: 0, stdout: 'Usage: docknet [options] [command]\n', stderr: '' });
  });

  test('plan --help explains every symbol and the exit codes', async () => {
    const r = await run(DOCKNET, ['plan', '--help']);
    expect(r.stdout).toContain(
      [
        '  +    create a network, container or route; connect a container to a network',
        '  -    remove it; disconnect a container from a network',
        '  -/+  replace: Docker cannot change it in place, so it is made anew (a container\'s predecessor',
        '       keeps serving until it runs, see Safety in the README)',
        '  ~    update in place (a container\'s restart policy)',
        '  >    start a container that is stopped',
      ].join('\n'),
    );
    expect(r.stdout).toContain('Exit codes: 0 the plan was made (with --detailed-exitcode: 0 nothing to do, 2 changes);\n1 an error: an invalid spec, a conflict with the host, the engine out of reach.');
  });

  test('bad DOCKNET_* values are refused with their meaning, before the engine is contacted', async () => {
    const engine = await silentEngine();
    try {
      const r = await run(DOCKNET, ['plan', stack('lab.yaml')], 20_000, env({ DOCKER_HOST: engine.host, DOCKNET_CONCURRENCY: 'abc', DOCKNET_LOCK_WAIT: '-1', DOCKNET_CONNECT_TIMEOUT: '0', DOCKNET_SSH_MULTIPLEX: 'yes' }));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        [
          'error: DOCKNET_CONCURRENCY="abc": expected a whole number, 1 or more — steps run at once inside a phase of an apply (4 when unset)',
          'error: DOCKNET_LOCK_WAIT="-1": expected a whole number, 0 or more — seconds a writer waits for another docknet to finish with the engine (120 when unset)',
          'error: DOCKNET_CONNECT_TIMEOUT="0": expected a whole number, 1 or more — seconds to wait for a connection to the engine (tcp, TLS, ssh) (10 when unset)',
          'error: DOCKNET_SSH_MULTIPLEX="yes": expected 1 or 0 — whether to share one ssh connection per engine host (1 when unset)',
          'error: nothing was run: set them right, or unset them',
          '',
        ].join('\n'),
      );
      expect(engine.connections()).toBe(0);
    } finally {
      engine.close();
    }
  });

  test.each([['plan'], ['status'], ['ls'], ['export']])('Ctrl-C while %s waits on the engine: it quits at once, saying nothing was changed (exit 130)', async (command) => {
    const engine = await silentEngine();
    try {
      const args = command === 'ls' ? ['ls'] : command === 'export' ? ['export', 'lab-a'] : [command, stack('lab.yaml')];
      const child = spawn(DOCKNET, args, { env: env({ DOCKER_HOST: engine.host }) });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      for (let i = 0; i < 100 && engine.connections() === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(engine.connections()).toBeGreaterThan(0);
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect({ code, stderr }).toEqual({ code: 130, stderr: '\ninterrupted: nothing was changed\n' });
    } finally {
      engine.close();
    }
  });

  test('destroy needs spec paths or --stack, and a stack name docknet could have made', async () => {
    expect(await run(DOCKNET, ['destroy'])).toEqual({ code: 1, stdout: '', stderr: 'error: name what to destroy: spec paths, or --stack NAME (docknet ls lists the stacks)\n' });
    expect(await run(DOCKNET, ['destroy', '--stack', 'no/such'])).toEqual({ code: 1, stdout: '', stderr: 'error: --stack no/such: a stack name is letters, digits, _ . - (start with a letter or digit, at most 63)\n' });
  });
});
