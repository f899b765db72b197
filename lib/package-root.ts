// Where the docknet package lives, found from the running file: the same from dist/ as from the
// one-file bundle (dist/docknet.js), whose __dirname is another folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'docknet') return dir;
    if (dirname(dir) === dir) throw new Error(`no docknet package.json above ${from}`);
  }
}
