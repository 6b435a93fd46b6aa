/** procserv: procServ-compatible console server; runs one interactive child on a pty for many clients. */
import { spawn } from 'node:child_process';
import type net from 'node:net';
import { resolve } from 'node:path';
import { processIo, runMain, type Io, type Strerr } from '@svkit/diag';
import { RLIMIT, setrlimit } from '@svkit/sys';
import { ConsoleLog } from './console-log.js';
import { ConsoleServer, VERSION } from './console-server.js';
import { describeEndpoint, listenEndpoint } from './endpoint.js';
import { writeInstanceFiles } from './instance-files.js';
import { HELP, parseProcservArgs, USAGE, UsageError, type ProcservOptions } from './procserv-options.js';

/** Runs procserv with `argv` (without node and script). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('procserv', io, async (e) => {
    let o: ProcservOptions;
    try {
      o = parseProcservArgs(argv, io.env);
    } catch (err) {
      if (err instanceof UsageError) e.dieUsage(`${err.message}\nusage: ${USAGE}`);
      throw err;
    }
    if (o.show === 'version') { io.out(`${VERSION} (procServ 2.7 compatible)\n`); return 0; }
    if (o.show === 'help') { io.out(`${HELP}\n`); return 0; }
    if (!o.foreground) return daemonize(argv);
    if (o.coresize !== undefined) {
      try { setrlimit(RLIMIT.CORE, o.coresize, o.coresize); } catch (err) { e.dieSys('unable to set core size limit', err); }
    }
    return serve(o, io, e);
  });
}

/** procServ without -f forks a daemon; we start ourselves again, detached, with -f. */
function daemonize(argv: string[]): number {
  const child = spawn(process.execPath, [process.argv[1]!, '-f', ...argv], { detached: true, stdio: 'ignore' });
  child.unref();
  return 0;
}

async function serve(o: ProcservOptions, io: Io, e: Strerr): Promise<number> {
  const serverCwd = process.cwd();
  const commandLine = o.command.join(' ');
  let quit!: (code: number) => void;
  const quitting = new Promise<number>((r) => { quit = r; });
  let server!: ConsoleServer;
  let log: ConsoleLog | undefined;
  if (o.logfile !== undefined) {
    try {
      log = new ConsoleLog(o.logfile, { stamp: o.logstamp, onPressure: (hold) => server?.setLogPressure(hold) });
    } catch (err) {
      e.dieSys(`unable to open log file ${o.logfile}`, err);
    }
  }
  server = new ConsoleServer({
    title: o.name ?? commandLine,
    named: o.name !== undefined,
    commandLine,
    child: { file: o.exec ?? o.command[0]!, args: o.command.slice(1), cwd: resolve(serverCwd, o.chdir ?? '.'), env: io.env },
    serverCwd,
    killCmd: o.killCmd,
    toggleCmd: o.toggleCmd,
    logoutCmd: o.logoutCmd,
    ignore: new Set(o.ignore),
    killSignal: o.killSignal,
    holdoff: o.holdoff,
    autoRestart: o.autoRestart,
    oneshot: o.oneshot,
    wait: o.wait,
    timefmt: o.timefmt,
    scrollbackBytes: o.scrollback,
    clientQueue: o.clientBuffer,
    log,
    onQuit: (code) => quit(code),
  });

  const listeners: net.Server[] = [];
  const closeListeners = (): void => { for (const l of listeners) l.close(); };
  const described: string[] = [];
  try {
    for (const ep of o.control) {
      const telnet = ep.kind === 'tcp';
      listeners.push(await listenEndpoint(ep, o.allow, (s) => server.attach(s, telnet, false)));
      described.push(describeEndpoint(ep, o.allow));
    }
    for (const ep of o.logPorts) {
      const telnet = ep.kind === 'tcp';
      listeners.push(await listenEndpoint(ep, o.allow, (s) => server.attach(s, telnet, true)));
      described.push(describeEndpoint(ep, o.allow));
    }
  } catch (err) {
    closeListeners();
    e.dieSys(`unable to listen on ${o.control.concat(o.logPorts).map((x) => describeEndpoint(x, o.allow)).join(', ')}`, err);
  }
  let removeFiles = (): void => {};
  try {
    removeFiles = writeInstanceFiles(o.pidFile, o.infoFile, described);
  } catch (err) {
    closeListeners();
    e.dieSys('unable to write pid/info file', err);
  }

  const onHup = (): void => {
    try { log?.reopen(); } catch (err) { e.warnSys(`unable to reopen log file ${o.logfile}`, err); }
  };
  const onTerm = (): void => quit(0);
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onTerm);
  process.on('SIGQUIT', onTerm);

  server.start();
  const code = await quitting;

  process.off('SIGHUP', onHup);
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onTerm);
  process.off('SIGQUIT', onTerm);
  closeListeners();
  removeFiles();
  await server.shutdown();
  await log?.close();
  return code;
}
