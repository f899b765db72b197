// What real services need, on the real engine: named volumes that outlive a replacement, env files, a
// user, a read-only root with a tmpfs, a host name; a container that waits for its dependency to be
// healthy; replicas that answer DNS under the service's name; and scaling that keeps what runs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerId, docker, docknet, exec, expectOk, run, DOCKNET } from '../helpers';

const dir = mkdtempSync(join(tmpdir(), 'docknet-services-'));
writeFileSync(join(dir, 'db.env'), '# the database\nFROM_FILE=1\nOVERRIDDEN=file\n');
const spec = join(dir, 'svc.yaml');
const write = (dbCommand: string, workers: number, solo: number) =>
  writeFileSync(spec, `version: 1
stack: svc
networks:
  svc-net: { ipv4: { subnet: 10.181.1.0/24 } }
containers:
  svc-db:
    image: docknet/busybox:latest
    command: [sh, -c, "${dbCommand}"]
    networks: [svc-net]
    volumes: [svc-data:/data]
    envFile: [db.env]
    env: { OVERRIDDEN: spec }
    readOnly: true
    tmpfs: [/tmp]
    hostname: dbhost
    healthcheck: { test: [CMD-SHELL, "test -f /tmp/ready"], interval: 1s, retries: 30 }
  svc-worker:
    image: docknet/busybox:latest
    command: [sleep, "3600"]
    replicas: ${workers}
    networks: [svc-net]
    user: "1000"
    dependsOn: { svc-db: { condition: healthy } }
  svc-solo:
    image: docknet/busybox:latest
    command: [sleep, "3600"]
    replicas: ${solo}
    networks: [svc-net]
`);
// Healthy only after a while: the worker must wait for it.
// (The test image links few applets: the shell's own redirection makes the file.)
const DB = 'sleep 3; : > /tmp/ready; exec sleep 3600';

describe('services', () => {
  beforeAll(async () => {
    write(DB, 2, 1);
    await docknet('destroy', spec, '--yes', '--take-over', '--volumes');
    await docker('volume', 'rm', 'svc-data');
  });
  afterAll(async () => {
    await docknet('destroy', spec, '--yes', '--take-over');
    await docker('volume', 'rm', 'svc-data');
  });

  test('a dependency that must be healthy is waited for, and said so', async () => {
    const r = await run(DOCKNET, ['apply', spec, '--yes'], 120_000);
    expectOk(r);
    expect(r.stderr).toMatch(/svc-worker-1 waits for svc-db to be healthy/);
    const healthyAt = (await docker('inspect', '-f', '{{range .State.Health.Log}}{{if eq .ExitCode 0}}{{.End}}|{{end}}{{end}}', 'svc-db')).stdout.split('|')[0];
    const workerStarted = (await docker('inspect', '-f', '{{.State.StartedAt}}', 'svc-worker-1')).stdout.trim();
    expect(Date.parse(workerStarted)).toBeGreaterThanOrEqual(Date.parse(healthyAt.trim()));
  });

  test('runtime settings: env file under env, user, read-only root with a tmpfs, host name, a labelled named volume', async () => {
    expect((await exec('svc-db', 'sh', '-c', 'echo $FROM_FILE $OVERRIDDEN')).stdout.trim()).toBe('1 spec');
    expect((await exec('svc-worker-1', 'busybox', 'id', '-u')).stdout.trim()).toBe('1000');
    expect((await exec('svc-db', 'sh', '-c', ': > /etc/x')).code).not.toBe(0);
    expectOk(await exec('svc-db', 'sh', '-c', ': > /tmp/x'));
    expect((await exec('svc-db', 'hostname')).stdout.trim()).toBe('dbhost');
    expect((await docker('volume', 'inspect', '-f', '{{index .Labels "io.docknet.stack"}}', 'svc-data')).stdout.trim()).toBe('svc');
  });

  test('replicas answer DNS under the service name', async () => {
    const answer = (await exec('svc-solo', 'nslookup', 'svc-worker', '127.0.0.11')).stdout;
    for (const r of ['svc-worker-1', 'svc-worker-2']) {
      const ip = (await docker('inspect', '-f', '{{(index .NetworkSettings.Networks "svc-net").IPAddress}}', r)).stdout.trim();
      expect(answer).toContain(ip);
    }
  });

  test('a named volume keeps its data when the container is replaced', async () => {
    expectOk(await docker('run', '--rm', '-v', 'svc-data:/data', 'docknet/busybox:latest', 'sh', '-c', 'echo kept > /data/f'));
    const before = containerId('svc-db');
    write(`${DB} # replaced`, 2, 1);
    expectOk(await docknet('apply', spec, '--yes'));
    expect(containerId('svc-db')).not.toBe(before);
    expect((await exec('svc-db', 'cat', '/data/f')).stdout.trim()).toBe('kept');
  });

  test('scaling keeps the containers that run: 2 → 1 keeps svc-worker-1, 1 → 3 keeps svc-solo as the first replica', async () => {
    const worker1 = containerId('svc-worker-1');
    const solo = containerId('svc-solo');
    write(`${DB} # replaced`, 1, 3);
    const r = await docknet('apply', spec, '--yes');
    expectOk(r);
    expect(containerId('svc-worker-1')).toBe(worker1);
    expect((await docker('inspect', 'svc-worker-2')).code).not.toBe(0);
    expect(containerId('svc-solo')).toBe(solo);
    for (const name of ['svc-solo-2', 'svc-solo-3']) expect((await docker('inspect', '-f', '{{.State.Running}}', name)).stdout.trim()).toBe('true');
    expect((await docknet('plan', spec, '--detailed-exitcode')).code).toBe(0);
  });
});
