/** procserv: procServ-compatible console server; runs one interactive child on a pty for many clients. */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import type net from 'node:net';
import { resolve } from 'node:path';
import { errnoError, processIo, runMain, type Io, type Strerr } from '@svkit/diag';
import { RLIMIT, setrlimit } from '@svkit/sys';
import { findProgram } from './console-child.js';
import { ConnectionKeys } from './connection-key.js';
import { ConsoleLog } from './console-log.js';
import { ConsoleServer, VERSION } from './console-server.js';
import { TerminalChannel } from './console-terminal.js';
import { describeEndpoint, groupId, listenEndpoint } from './endpoint.js';
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

/** --console-group must name a group we may give our socket files to: root any, others only their own. */
function checkConsoleGroup(group: string, e: Strerr): void {
  let gid: number;
  try {
    gid = groupId(group);
  } catch {
    e.die(111, `unable to use console group ${group}: no such group`);
  }
  const uid = process.geteuid?.() ?? 0;
  if (uid !== 0 && gid !== process.getegid?.() && !(process.getgroups?.() ?? []).includes(gid)) {
    e.die(111, `unable to use console group ${group}: uid ${uid} is not a member (add the user to it, e.g. adduser USER ${group})`);
  }
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
  const childCwd = resolve(serverCwd, o.chdir ?? '.');
  const program = o.exec ?? o.command[0]!;
  // as procServ: a command that cannot run is an error now, not a child that is forever SHUT DOWN
  try {
    if (!statSync(childCwd).isDirectory()) throw errnoError('ENOTDIR', `${childCwd} is not a directory`);
  } catch (err) {
    e.dieSys(`unable to change directory to ${childCwd}`, err);
  }
  try {
    findProgram(program, childCwd, io.env.PATH);
  } catch (err) {
    e.dieSys(`unable to run ${program}`, err);
  }
  if (o.consoleGroup !== undefined) checkConsoleGroup(o.consoleGroup, e);
  let log: ConsoleLog | undefined;
  if (o.logfile !== undefined) {
    try {
      log = new ConsoleLog(o.logfile, { stamp: o.logstamp });
    } catch (err) {
      e.dieSys(`unable to open log file ${o.logfile}`, err);
    }
  }
  const server = new ConsoleServer({
    title: o.name ?? commandLine,
    named: o.name !== undefined,
    commandLine,
    child: { file: program, args: o.command.slice(1), cwd: childCwd, env: io.env },
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
  const keys = new ConnectionKeys();
  const closeListeners = (): void => { for (const l of listeners) l.close(); };
  const described: string[] = [];
  const endpoints = [...o.control.map((ep) => ({ ep, logger: false })), ...o.logPorts.map((ep) => ({ ep, logger: true }))];
  for (const { ep, logger } of endpoints) {
    const telnet = ep.kind === 'tcp';
    try {
      listeners.push(await listenEndpoint(ep, o.allow, (s) => {
        if (!telnet) { server.attach(s, false, logger); return; }
        s.on('error', () => { /* a reset while its key is looked up: 'close' follows */ });
        keys.keyOf(s, (key) => {
          if (s.destroyed) return;
          if (key === undefined) server.refuse(s, '@@@ Too many connections at once, try again later\r\n');
          else server.attach(s, true, logger, false, key);
        });
      }));
    } catch (err) {
      closeListeners();
      e.dieSys(`unable to listen on ${describeEndpoint(ep, o.allow)}`, err);
    }
    described.push(describeEndpoint(ep, o.allow));
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

  // as procServ: the terminal procserv -f runs in is a console client, unless the log goes there
  const terminal = o.logfile !== '-' ? TerminalChannel.open() : undefined;
  if (terminal) server.attach(terminal, false, false, true);
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
