/**
 * conserver.cf console entries for the procserv consoles of a scan directory. Each service's `run`
 * is read as untrusted input (bounded, non-blocking, no planted link followed in a directory we do
 * not own), and only names and paths made of plain characters reach the generated file, so a
 * service directory's owner cannot inject conserver configuration (an `exec` console, say).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errnoText } from '@svkit/diag';
import { readBounded } from '@svkit/protocol/safe-read';
import { parseProcservArgs } from './procserv-options.js';
import { procservArgs } from './run-script.js';

/** How much of a `run` script is read. */
export const RUN_CAP = 64 * 1024;

/** One console conserver can reach. */
export type ConsoleEntry =
  | { name: string; service: string; kind: 'uds'; path: string }
  | { name: string; service: string; kind: 'tcp'; host: string; port: number };

/** What a scan found: entries (by service name) and a warning per service that was left out. */
export interface ConsoleScan {
  entries: ConsoleEntry[];
  warnings: string[];
}

/** Characters allowed in what we write into conserver.cf (paths also `/`). */
const PLAIN_NAME = /^[A-Za-z0-9._+-]+$/;
const PLAIN_PATH = /^[A-Za-z0-9._+@:,=/-]+$/;

/** The conserver name for a console: procserv's -n, else the service name; `@` and other characters conserver's client would misread become `-`. */
export function conserverName(name: string | undefined, service: string): string {
  return (name ?? service).replace(/[^A-Za-z0-9._+-]/g, '-');
}

/** The console of one service directory, or undefined when its run does not run procserv. Throws with a message for a service that runs procserv but cannot be described. */
export function serviceConsole(scan: string, service: string): ConsoleEntry | undefined {
  const dir = resolve(scan, service);
  const st = statSync(dir);
  if (!st.isDirectory()) return undefined;
  const own = process.geteuid?.() ?? 0;
  const trusted = st.uid === 0 || st.uid === own;
  let text: string;
  try {
    const r = readBounded(join(dir, 'run'), RUN_CAP, { follow: trusted });
    text = r.data.toString('latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`unable to read ${dir}/run: ${errnoText(e)}`);
  }
  const args = procservArgs(text);
  if (args === undefined) return undefined;
  let o;
  try {
    o = parseProcservArgs(args, {});
  } catch (e) {
    throw new Error(`unable to understand the procserv line of ${dir}/run: ${(e as Error).message}`);
  }
  const name = conserverName(o.name, service);
  if (!PLAIN_NAME.test(name)) throw new Error(`unable to use ${dir}: console name ${JSON.stringify(name)} is empty or not plain`);
  for (const ep of o.control) {
    if (ep.kind === 'tcp') {
      const host = o.allow && ep.host !== undefined && ep.host !== '0.0.0.0' && ep.host !== '::' ? ep.host : '127.0.0.1';
      return { name, service, kind: 'tcp', host, port: ep.port };
    }
    if (ep.abstract) continue;
    const path = resolve(dir, ep.path);
    if (!PLAIN_PATH.test(path)) throw new Error(`unable to use ${dir}: socket path ${JSON.stringify(path)} has characters conserver.cf would need quoted`);
    return { name, service, kind: 'uds', path };
  }
  throw new Error(`unable to use ${dir}: its only console is an abstract socket, which conserver cannot reach`);
}

/** The consoles of every non-dot entry of `scan`, sorted by service name; duplicates of a console name are left out with a warning. */
export function scanConsoles(scan: string): ConsoleScan {
  const entries: ConsoleEntry[] = [];
  const warnings: string[] = [];
  const seen = new Map<string, string>();
  for (const service of readdirSync(scan).filter((n) => !n.startsWith('.')).sort()) {
    if (!PLAIN_PATH.test(service)) {
      warnings.push(`unable to use ${JSON.stringify(service)}: a service name conserver.cf would need quoted`);
      continue;
    }
    let entry: ConsoleEntry | undefined;
    try {
      entry = serviceConsole(scan, service);
    } catch (e) {
      warnings.push(e instanceof Error && !(e as NodeJS.ErrnoException).code ? e.message : `unable to use ${resolve(scan, service)}: ${errnoText(e)}`);
      continue;
    }
    if (!entry) continue;
    const other = seen.get(entry.name);
    if (other !== undefined) {
      warnings.push(`unable to use ${service}: console name ${entry.name} is already used by ${other}`);
      continue;
    }
    seen.set(entry.name, service);
    entries.push(entry);
  }
  return { entries, warnings };
}

/** Where conserver logs a console, and which conserver manages it. */
export interface CfOptions {
  /** Directory of conserver's per-console logs (NAME.log); undefined: no logfile line. */
  logdir: string | undefined;
  master: string;
}

/** The conserver.cf text: one `console` block per entry. */
export function conserverCf(scan: string, entries: ConsoleEntry[], opts: CfOptions): string {
  const lines = [`# conserver.cf console entries for the procserv consoles in ${resolve(scan)} (written by svconserver)`];
  for (const e of entries) {
    const where = e.kind === 'uds' ? `type uds; uds ${e.path};` : `type host; host ${e.host}; port ${e.port}; protocol telnet;`;
    const log = opts.logdir !== undefined ? ` logfile ${join(opts.logdir, `${e.name}.log`)};` : '';
    lines.push(`console ${e.name} { master ${opts.master}; ${where}${log} }`);
  }
  return `${lines.join('\n')}\n`;
}
