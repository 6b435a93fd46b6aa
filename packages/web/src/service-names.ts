/**
 * The services of a scan directory, by name: what svscan supervises (every non-dot entry that is
 * a directory or a link to one). A name from a URL is accepted only when it is such an entry, so
 * no request can reach a path outside the scan directory.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requestError } from './request-error.js';

/** Longest service name accepted from a request. */
export const MAX_NAME = 255;

/** A service of the scan directory. */
export interface ServiceRef {
  name: string;
  dir: string;
}

/** The scan directory's services, sorted by name (a dot entry, a file, a dangling link are not services). */
export function listServices(scanDir: string): ServiceRef[] {
  const out: ServiceRef[] = [];
  for (const name of readdirSync(scanDir).sort()) {
    if (name.startsWith('.')) continue;
    const dir = join(scanDir, name);
    try {
      if (!statSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    out.push({ name, dir });
  }
  return out;
}

/** True when `name` could name an entry of a directory: no slash, no dot first, no NUL, not too long. */
export function plausibleName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME && !name.startsWith('.') && !/[/\0]/.test(name);
}

/** The service `name` of `scanDir`; throws ENOENT (code) when it is not one. */
export function resolveService(scanDir: string, name: string): ServiceRef {
  if (!plausibleName(name)) throw requestError('ENOENT', `no such service: ${name}`);
  const dir = join(scanDir, name);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
  } catch {
    throw requestError('ENOENT', `no such service: ${name}`);
  }
  return { name, dir };
}
