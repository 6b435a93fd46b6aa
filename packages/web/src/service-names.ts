/**
 * The services of one or more scan directories, by name: what svscan supervises (every non-dot
 * entry that is a directory or a link to one), e.g. svscan's directory and the one pmtr publishes
 * its jobs in. A name from a URL is accepted only when it is such an entry, so no request can
 * reach a path outside the scan directories. When two directories hold the same name, the first
 * directory's service is the one served.
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

/** The services of `scanDirs`, sorted by name (a dot entry, a file, a dangling link are not services). */
export function listServices(scanDirs: readonly string[]): ServiceRef[] {
  const byName = new Map<string, ServiceRef>();
  for (const scanDir of scanDirs) {
    let names: string[];
    try {
      names = readdirSync(scanDir);
    } catch {
      continue; // gone or unreadable for now: its services disappear from the list
    }
    for (const name of names) {
      if (name.startsWith('.') || byName.has(name)) continue;
      const dir = join(scanDir, name);
      try {
        if (!statSync(dir).isDirectory()) continue;
      } catch {
        continue;
      }
      byName.set(name, { name, dir });
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** True when `name` could name an entry of a directory: no slash, no dot first, no NUL, not too long. */
export function plausibleName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME && !name.startsWith('.') && !/[/\0]/.test(name);
}

/** The service `name` of the first of `scanDirs` that has it; throws ENOENT (code) when none does. */
export function resolveService(scanDirs: readonly string[], name: string): ServiceRef {
  if (!plausibleName(name)) throw requestError('ENOENT', `no such service: ${name}`);
  for (const scanDir of scanDirs) {
    const dir = join(scanDir, name);
    try {
      if (statSync(dir).isDirectory()) return { name, dir };
    } catch { /* not in this one */ }
  }
  throw requestError('ENOENT', `no such service: ${name}`);
}
