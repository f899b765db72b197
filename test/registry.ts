// A Docker registry of one image, on loopback, for tests of image pulls (no registry is reachable
// from these machines). The image is the test image plus a layer of random bytes, so that the engine
// downloads something; blobs are sent slowly, so that the engine reports progress as it goes.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IMAGE } from './helpers';

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface TestRegistry {
  /** host:port, to put in front of an image name. */
  address: string;
  /** The one image it serves, by name:tag. */
  image: string;
  /** Compressed sizes of its layers, as the engine reports them while downloading. */
  layerSizes: number[];
  close(): Promise<void>;
}

/** Builds the image from the local test image and serves it at 127.0.0.1 (port chosen by the kernel). */
export async function startRegistry(repository: string, tag: string, options: { extraBytes: number; chunk: number; pauseMs: number }): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-registry-'));
  try {
    execFileSync('sh', ['-c', `docker save ${IMAGE} | tar -x -C ${dir}`]);
    const [saved] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[];
    writeFileSync(join(dir, 'extra.bin'), randomBytes(options.extraBytes));
    execFileSync('tar', ['-cf', join(dir, 'extra.tar'), '-C', dir, 'extra.bin']);
    const tars = [...saved.Layers.map((l) => readFileSync(join(dir, l))), readFileSync(join(dir, 'extra.tar'))];
    const config = JSON.parse(readFileSync(join(dir, saved.Config), 'utf8'));
    config.rootfs.diff_ids = tars.map(sha256);
    config.history = [...(config.history ?? []), { created: new Date().toISOString(), created_by: 'docknet test: random bytes' }];
    const configBlob = Buffer.from(JSON.stringify(config));
    const layers = tars.map((t) => gzipSync(t));
    const blobs = new Map<string, Buffer>([[sha256(configBlob), configBlob], ...layers.map((l) => [sha256(l), l] as [string, Buffer])]);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: configBlob.length, digest: sha256(configBlob) },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.length, digest: sha256(l) })),
    }));
    const server: Server = createServer((req, res) => {
      const url = req.url ?? '';
      const blob = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]+)$/.exec(url);
      const wanted = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url);
      if (url === '/v2/' || url === '/v2') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      if (wanted && wanted[1] === repository && (wanted[2] === tag || wanted[2] === sha256(manifest))) {
        res.writeHead(200, { 'Content-Type': MANIFEST_TYPE, 'Docker-Content-Digest': sha256(manifest), 'Content-Length': manifest.length });
        return void res.end(req.method === 'HEAD' ? undefined : manifest);
      }
      if (blob && blobs.has(blob[2])) {
        const data = blobs.get(blob[2])!;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length, 'Docker-Content-Digest': blob[2] });
        if (req.method === 'HEAD') return void res.end();
        // Slowly, so that the engine reports progress while it downloads.
        let sent = 0;
        const next = () => {
          if (res.destroyed) return;
          const end = Math.min(sent + options.chunk, data.length);
          res.write(data.subarray(sent, end));
          sent = end;
          if (sent < data.length) setTimeout(next, options.pauseMs);
          else res.end();
        };
        return next();
      }
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: wanted ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN', message: wanted ? 'manifest unknown' : 'blob unknown' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      address,
      image: `${address}/${repository}:${tag}`,
      layerSizes: layers.map((l) => l.length),
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
