// The version of docknet: the one in package.json of the package it runs from (from dist/ or from the
// one-file bundle alike).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root';

export function docknetVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
