/**
 * conserver.cf console entries for the procserv consoles of a scan directory. Each service's `run`
 * is read as untrusted input (bounded, non-blocking, no planted link followed in a directory we do
 * not own), and only names and paths made of plain characters reach the generated file, so a
 * service directory's owner cannot inject conserver configuration (an `exec` console, say). A
 * service of another user's reaches only its own directory, and its console name is checked
 * against the others' (console-names.ts).
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { errnoText } from '@svkit/diag';
import { readBounded } from '@svkit/protocol/safe-read';
import { parseProcservArgs } from './procserv-options.js';
import { assignNames, type Claim } from './console-names.js';
import { procservArgs } from './run-script.js';

/** How much of a `run` script is read. */
export const RUN_CAP = 64 * 1024;

/** Who a console belongs to: the owner of its service directory, and whether we trust it (root's or ours). */
export interface Ownership {
  trusted: boolean;
  /** Why it is not trusted: `owned by uid N`, or `writable by others` (root's, but group- or world-writable). */
  why: string;
}

/** One console conserver can reach. */
export type ConsoleEntry = Ownership & (
  | { name: string; service: string; kind: 'uds'; path: string }
  | { name: string; service: string; kind: 'tcp'; host: string; port: number });

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

/**
 * Why a directory or file is not trusted ('' when it is: owned by root or us, not writable by
 * group or others), as it reads after "a service ": `owned by uid N`, `whose run is writable by others`.
 */
function distrust(st: { uid: number; mode: number }, file?: string): string {
  const own = process.geteuid?.() ?? 0;
  const what = file === undefined ? '' : `whose ${file} is `;
  if (st.uid !== 0 && st.uid !== own) return `${what}owned by uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0) return `${what}writable by others`;
  return '';
}

/**
 * Checks that socket `path` of a service of another user's lies in its directory `dir`, reached
 * without a symbolic link (one could lead to root's console socket); throws with the reason.
 */
function checkOwnSocket(dir: string, path: string, why: string): void {
  const rel = relative(dir, path);
  if (rel === '' || rel.startsWith('..') || resolve(dir, rel) !== path) {
    throw new Error(`unable to use ${dir}: socket path ${path} is outside the service directory (a service ${why} may only name a socket inside)`);
  }
  let at = dir;
  for (const part of rel.split(sep)) {
    at = join(at, part);
    let st;
    try {
      st = lstatSync(at);
    } catch {
      return; // not made yet: procserv will make it, in the owner's directory
    }
    if (st.isSymbolicLink()) throw new Error(`unable to use ${dir}: socket path ${path} goes through the symbolic link ${at} (a service ${why} may only name a socket inside)`);
  }
}

/** The console of one service directory, or undefined when its run does not run procserv. Throws with a message for a service that runs procserv but cannot be described. */
export function serviceConsole(scan: string, service: string): ConsoleEntry | undefined {
  const dir = resolve(scan, service);
  const st = statSync(dir);
  if (!st.isDirectory()) return undefined;
  let why = distrust(st);
  let text: string;
  try {
    const r = readBounded(join(dir, 'run'), RUN_CAP, { follow: why === '' });
    text = r.data.toString('latin1');
    if (why === '') why = distrust(r.stat, 'run');
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
  const trusted = why === '';
  const who: Ownership = { trusted, why };
  for (const ep of o.control) {
    if (ep.kind === 'tcp') {
      if (!trusted) throw new Error(`unable to use ${dir}: its console is a TCP port, which no directory owns (a service ${why} may only name a socket inside)`);
      const host = o.allow && ep.host !== undefined && ep.host !== '0.0.0.0' && ep.host !== '::' ? ep.host : '127.0.0.1';
      return { ...who, name, service, kind: 'tcp', host, port: ep.port };
    }
    if (ep.abstract) continue;
    const path = resolve(dir, ep.path);
    if (!PLAIN_PATH.test(path)) throw new Error(`unable to use ${dir}: socket path ${JSON.stringify(path)} has characters conserver.cf would need quoted`);
    if (!trusted) checkOwnSocket(dir, path, why);
    return { ...who, name, service, kind: 'uds', path };
  }
  throw new Error(`unable to use ${dir}: its only console is an abstract socket, which conserver cannot reach`);
}

/**
 * The consoles of every non-dot entry of `scan`, sorted by service name; what cannot be used is
 * left out with a warning (in service name order), console names as console-names.ts decides.
 */
export function scanConsoles(scan: string): ConsoleScan {
  const found: ConsoleEntry[] = [];
  const warnings: { service: string; text: string }[] = [];
  const services = readdirSync(scan).filter((n) => !n.startsWith('.')).sort();
  for (const service of services) {
    if (!PLAIN_PATH.test(service)) {
      warnings.push({ service, text: `unable to use ${JSON.stringify(service)}: a service name conserver.cf would need quoted` });
      continue;
    }
    let entry: ConsoleEntry | undefined;
    try {
      entry = serviceConsole(scan, service);
    } catch (e) {
      warnings.push({ service, text: e instanceof Error && !(e as NodeJS.ErrnoException).code ? e.message : `unable to use ${resolve(scan, service)}: ${errnoText(e)}` });
      continue;
    }
    if (entry) found.push(entry);
  }
  const claims: Claim[] = found.map((e) => ({ name: e.name, service: e.service, ownName: conserverName(undefined, e.service), trusted: e.trusted, why: e.why }));
  const { granted, refused } = assignNames(claims, services.map((s) => conserverName(undefined, s)));
  for (const r of refused) warnings.push({ service: r.service, text: r.reason });
  const kept = new Set(granted.map((c) => c.service));
  warnings.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  return { entries: found.filter((e) => kept.has(e.service)), warnings: warnings.map((w) => w.text) };
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
