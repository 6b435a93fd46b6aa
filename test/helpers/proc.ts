/** Shared test helpers: temp dirs, running our and the C tools, waiting for conditions. */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from build/tests/...). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Absolute path of our command `name` in bin/. */
export const ours = (name: string): string => join(ROOT, 'bin', name);
/** Absolute path of Debian daemontools' command `name`. */
export const theirs = (name: string): string => `/usr/bin/${name}`;
/** Absolute path of a fixture under test/fixtures. */
export const fixture = (name: string): string => join(ROOT, 'test', 'fixtures', name);

/** True when Debian's daemontools is installed; says so loudly when it is not. */
export function haveDaemontools(): boolean {
  const ok = existsSync('/usr/bin/supervise') && existsSync('/usr/bin/svstat');
  if (!ok) {
    const msg = 'Debian daemontools is NOT installed: compatibility tests are SKIPPED (apt-get install daemontools)';
    process.stderr.write(`\n*** ${msg} ***\n\n`);
    if (process.env.CI) throw new Error(`${msg}; CI must install it`);
  }
  return ok;
}

/** True when `/usr/bin/<name>` (or the given absolute path) exists; warns loudly otherwise. */
export function haveTool(path: string, pkg: string): boolean {
  const ok = existsSync(path);
  if (!ok) {
    const msg = `${path} is NOT installed: tests that need it are SKIPPED (apt-get install ${pkg})`;
    process.stderr.write(`\n*** ${msg} ***\n\n`);
    if (process.env.CI) throw new Error(`${msg}; CI must install it`);
  }
  return ok;
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'svkit-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Result of a finished command. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (asynchronously: the event loop keeps turning). */
export function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string | Buffer; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20000);
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(t);
      res({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs a command synchronously (only for quick commands). */
export function runSync(cmd: string, args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000, ...opts });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Starts a long-running command; the returned handle kills it (and waits) on stop(). */
export function start(cmd: string, args: string[], opts: SpawnOptions = {}): { child: ChildProcess; stderr(): string; stdout(): string; stop(sig?: NodeJS.Signals): Promise<void> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    stdout: () => Buffer.concat(out).toString(),
    stderr: () => Buffer.concat(err).toString(),
    async stop(sig: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      await exited;
      // a leftover grandchild may still hold the pipes: never let it keep the test process alive
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
}

/** Polls `cond` every 20 ms until it returns a truthy value, or throws after `timeoutMs`. */
export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs = 10000, what = 'condition'): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as Exclude<T, false | 0 | '' | null | undefined>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(20);
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True when process `pid` exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
