// PNG by rendering the SVG with rsvg-convert (librsvg), the one outside tool a picture may need.
import { execFile } from 'node:child_process';

/** Doubled resolution: sharp on high-density screens and when a runbook page is zoomed. */
const ZOOM = '2';

export const RSVG_MISSING =
  'writing a PNG needs rsvg-convert, which is not installed here (Debian/Ubuntu: apt-get install librsvg2-bin; ' +
  'Fedora: dnf install librsvg2-tools; macOS: brew install librsvg). .svg, .dot and .mmd need nothing.';

export function writePng(svg: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('rsvg-convert', ['--format', 'png', '--zoom', ZOOM, '--output', file], (err, _stdout, stderr) => {
      if (!err) return resolve();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(RSVG_MISSING));
      reject(new Error(`rsvg-convert failed: ${String(stderr).trim() || err.message}`));
    });
    // Without the program there is no reader: the write fails too, and the callback above tells why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(svg);
  });
}
