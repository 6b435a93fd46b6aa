/**
 * Where svkit's own commands (bin/NAME, beside package.json) are, seen from this module: in a
 * clone it is the build packages/pmtr/dist/X.js (bin/ is three levels up), in the npm package it
 * is the bundle dist/pmtr.js (bin/ is one level up). The first of those that exists wins.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Candidate locations of bin/, relative to this module, clone first. */
const BIN_DIRS = ['../../../bin/', '../bin/'];

/**
 * The path of svkit's command NAME. Where none of the candidates exists (a broken install) it is
 * the clone's path, so the error that follows names a file.
 */
export function svkitBin(name: string, from: string = import.meta.url): string {
  const paths = BIN_DIRS.map((d) => fileURLToPath(new URL(d + name, from)));
  return paths.find((p) => existsSync(p)) ?? paths[0];
}
