/**
 * pmtr [-v] [-c FILE] [-p PIDFILE] [-F] [-t] [-I] [-h]: runs the jobs of one config file
 * (default /etc/pmtr.conf) under svkit's supervisor, each visible as a service directory in
 * --state-dir (default /run/pmtr) for svstat/svc/svok; reloads on a save of the file or of a
 * `depends` file, and on SIGHUP; TERM/INT/QUIT/USR1 stop every job and exit when they are gone.
 * `-t` checks the file: every error with its line, exit 100 when there is one.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import chokidar, { type FSWatcher } from 'chokidar';
import { errnoText, EXIT_USAGE, processIo, runMain, type Io } from '@svkit/diag';
import { startReaping } from '@svkit/sys';
import type { ParseResult } from './config-parse.js';
import { loadConfig } from './config-file.js';
import { tokenDumpLine } from './config-tokens.js';
import { resolveReportInterfaces } from './report-iface.js';
import { dependencyPaths, JobSet, unlinkQuiet } from './job-set.js';
import { DEV_LOG, PmtrLog } from './pmtr-log.js';
import { UdpControl } from './udp-control.js';
import { svkitBin } from './svkit-bin.js';

/** Default config file. */
export const DEFAULT_CONFIG = '/etc/pmtr.conf';
/** Default state directory (one service directory per job). */
export const DEFAULT_STATE_DIR = '/run/pmtr';
/** How often a missing dependency file is looked for (besides its watch). */
const DEPENDS_CHECK_MS = 5000;
/** A burst of file events makes one reload. */
const SETTLE_MS = 50;

interface Options {
  verbose: number;
  config: string;
  pidfile?: string;
  foreground?: boolean;
  test?: boolean;
  stateDir: string;
  syslog: string;
  grace: number;
  /** The config file's identity when first read (see fileStamp). */
  stamp?: string;
}

/** Inode, size and mtime of `path` ('' when it cannot be read): a save changes it. */
function fileStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

function seconds(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw new InvalidArgumentError('not a number of seconds');
  return n;
}

/** The command line (commander), writing through `io`. */
function program(io: Io): Command {
  return new Command('pmtr')
    .description('run the jobs of a pmtr.conf under svkit supervision')
    .option('-v, --verbose', 'verbose (repeat for more)', (_v: string, prev: number) => prev + 1, 0)
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('-p, --pidfile <file>', 'write the pid to this file')
    .option('-F, --foreground', 'stay in the foreground')
    .option('-t, --test', 'check the config file and exit (100 on errors)')
    .option('-I', 'accepted for compatibility (does nothing)')
    .option('--state-dir <dir>', 'directory of the jobs\' service directories', DEFAULT_STATE_DIR)
    .option('--syslog <socket>', 'syslog socket for logs', DEV_LOG)
    .option('--grace <seconds>', 'time between SIGTERM and SIGKILL when stopping a job', seconds, 10)
    .allowExcessArguments(true)
    .exitOverride()
    .showHelpAfterError('pmtr: usage: pmtr [-v] [-c FILE] [-p PIDFILE] [-F] [-t] [-I] [-h] (pmtr --help for more)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s), outputError: (s, write) => write(`pmtr: ${s}`) });
}

/** Prints warnings and errors of a parse as `FILE line N: message`; true when there are errors. */
function report(res: ParseResult, file: string, say: (m: string) => void, warn: (m: string) => void): boolean {
  for (const w of res.warnings) warn(`${file} line ${w.line}: ${w.message}`);
  for (const e of res.errors) say(`${file} line ${e.line}: ${e.message}`);
  return res.errors.length > 0;
}

/** Reads and parses the config file, and looks up its report interfaces (their errors join the parse's). */
function load(file: string): ParseResult {
  const res = loadConfig(file);
  const more = resolveReportInterfaces(res.config);
  if (more.length) res.errors = [...res.errors, ...more].sort((a, b) => a.line - b.line);
  return res;
}

/** `-v -v`: every token of the file on stdout, at each parse, as pmtr prints them. */
function dumpTokens(res: ParseResult, io: Io): void {
  if (res.tokens.length) io.out(`${res.tokens.map(tokenDumpLine).join('\n')}\n`);
}

/** Entry point of `pmtr`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('pmtr', io, async (e) => {
    let opts: Options;
    try {
      opts = program(io).parse(argv, { from: 'user' }).opts<Options>();
    } catch (err) {
      if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
      throw err;
    }
    const file = opts.config;
    let first: ParseResult | undefined;
    opts.stamp = fileStamp(resolvePath(file));
    try {
      first = load(file);
    } catch (err) {
      e.dieSys(`unable to read ${file}`, err);
    }
    if (!first) return 111;
    if (opts.verbose >= 2) dumpTokens(first, io);
    if (report(first, file, (m) => io.err(`pmtr: ${m}\n`), (m) => e.warn(m))) {
      e.die(EXIT_USAGE, `${first.errors.length} error${first.errors.length > 1 ? 's' : ''} in ${file}`);
    }
    if (opts.test) return 0;
    if (!opts.foreground && process.pid !== 1) return daemonize(argv, e);
    if (opts.pidfile) {
      try {
        writeFileSync(opts.pidfile, `${process.pid}\n`, { mode: 0o644 });
      } catch (err) {
        e.dieSys(`unable to write ${opts.pidfile}`, err);
      }
    }
    try {
      mkdirSync(opts.stateDir, { recursive: true, mode: 0o755 });
    } catch (err) {
      if (opts.pidfile) unlinkQuiet(opts.pidfile);
      e.dieSys(`unable to create ${opts.stateDir}`, err);
    }
    return run(opts, first, io);
  });
}

/** Starts a copy of ourselves in the foreground in a new session, and leaves (pmtr's fork). */
function daemonize(argv: string[], e: { dieSys(m: string, err: unknown): never }): number {
  try {
    const bin = svkitBin('pmtr');
    // a missing launcher would make the child die unseen, after we exit 0
    statSync(bin);
    const child = spawn(process.execPath, [bin, ...argv, '-F'], { detached: true, stdio: 'ignore' });
    child.unref();
  } catch (err) {
    e.dieSys('unable to start in the background', err);
  }
  return 0;
}

/** Runs the jobs until a stop signal; resolves with the exit code. */
function run(opts: Options, first: ParseResult, io: Io): Promise<number> {
  const file = opts.config;
  const log = new PmtrLog(io, opts.syslog);
  return new Promise<number>((resolveExit) => {
    // our children's exits, and orphans as PID 1 (logged as pmtr does)
    startReaping((pid) => log.info(`sigchld for unknown pid ${pid}`));
    let watcher: FSWatcher | undefined;
    let watched = new Set<string>();
    let udp: UdpControl | undefined;
    const base = process.cwd();
    const firstStamp = opts.stamp;
    const jobs = new JobSet({
      stateDir: opts.stateDir,
      log,
      io,
      base,
      graceMs: opts.grace * 1000,
      onIdle: () => {
        if (opts.pidfile) unlinkQuiet(opts.pidfile);
        log.close();
        resolveExit(0);
      },
    });
    const applyUdp = (res: ParseResult): void => {
      udp?.close();
      udp = new UdpControl(res.config, { log, verbose: opts.verbose, jobs });
    };
    // the config through its directory (a watch on the file itself ends when the file is deleted or
    // replaced); the dependency files each by path
    const confAbs = resolvePath(file);
    const confDir = dirname(confAbs);
    const confWatcher = chokidar.watch(confDir, { ignoreInitial: true, atomic: true, depth: 0, ignored: (p: string) => p !== confDir && p !== confAbs });
    confWatcher.on('all', () => queueReload());
    // a save made while the watch was being set up: compare with the file as first read
    confWatcher.once('ready', () => {
      if (fileStamp(confAbs) !== firstStamp) queueReload();
    });
    confWatcher.on('error', (err) => log.warn(`unable to watch ${file}: ${errnoText(err)}`));
    const watchDeps = (res: ParseResult): void => {
      const want = new Set(dependencyPaths(res.config, base));
      if (!watcher) {
        watcher = chokidar.watch([...want], { ignoreInitial: true, atomic: true, persistent: true });
        watcher.on('all', () => queueReload());
        watcher.on('error', (err) => log.warn(`unable to watch a dependency: ${errnoText(err)}`));
      } else {
        const add = [...want].filter((p) => !watched.has(p));
        const drop = [...watched].filter((p) => !want.has(p));
        if (add.length) watcher.add(add);
        if (drop.length) watcher.unwatch(drop);
      }
      watched = want;
    };
    let timer: NodeJS.Timeout | undefined;
    let stopping = false;
    const queueReload = (): void => {
      if (stopping || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        reload();
      }, SETTLE_MS);
    };
    const reload = (): void => {
      if (stopping) return;
      let res: ParseResult;
      try {
        res = load(file);
      } catch (err) {
        log.warn(`unable to read ${file}: ${errnoText(err)}: using the previous job config`);
        return;
      }
      if (opts.verbose >= 2) dumpTokens(res, io);
      if (report(res, file, (m) => log.warn(m), (m) => log.warn(m))) {
        log.warn(`FAILED to parse ${file}: using the previous job config`);
        return;
      }
      log.info('rescanning job configuration');
      void jobs.apply(res.config);
      watchDeps(res);
      applyUdp(res);
    };
    const down = (sig: NodeJS.Signals, num: number): void => {
      if (stopping) return;
      stopping = true;
      log.info(`exiting on signal ${num}`);
      if (timer) clearTimeout(timer);
      void watcher?.close();
      void confWatcher.close();
      clearInterval(depCheck);
      udp?.close();
      process.off('SIGHUP', onHup);
      jobs.shutdown();
      void sig;
    };
    // safety net under the watches (a file created while its watch was being set up): a missing
    // dependency that exists now reloads
    const depCheck = setInterval(() => {
      if (jobs.missingDependencies().some((p) => existsSync(p))) queueReload();
    }, DEPENDS_CHECK_MS);
    const onHup = (): void => queueReload();
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', () => down('SIGTERM', 15));
    process.on('SIGINT', () => down('SIGINT', 2));
    process.on('SIGQUIT', () => down('SIGQUIT', 3));
    process.on('SIGUSR1', () => down('SIGUSR1', 10));
    process.on('uncaughtException', (err) => log.warn(`internal error, going on: ${errnoText(err)}`));
    log.info('starting');
    void jobs.apply(first.config);
    watchDeps(first);
    applyUdp(first);
  });
}
