/**
 * svweb [options] [SCANDIR...]: the web dashboard, JSON API, supervisorctl's XML-RPC and Prometheus
 * metrics for the services of the SCANDIRs (default `.`), through the service directories on disk only.
 */
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { Command, CommanderError, Option } from 'commander';
import { errnoText, type Io, processIo, runMain } from '@svkit/diag';
import { authConfigured, type Account } from './http-auth.js';
import { createWebServer } from './web-server.js';

/** supervisord's [inet_http_server] default port. */
export const DEFAULT_PORT = 9001;

const isLoopback = (h: string): boolean => h === 'localhost' || /^127\./.test(h) || h === '::1';

/** Runs svweb; resolves to the exit code when the server stops (SIGTERM/SIGINT: 0). */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svweb', io, async (err) => {
    const program = new Command('svweb')
      .description('web dashboard, JSON API, supervisorctl XML-RPC (/RPC2) and Prometheus /metrics for a scan directory')
      .argument('[scandir...]', 'scan directories (svscan\'s, pmtr\'s...); the first one wins for a name in two', ['.'])
      .option('-l, --listen <address>', 'address to listen on (other than loopback needs --user)', '127.0.0.1')
      .option('-p, --port <port>', 'TCP port (0: any free port)', String(DEFAULT_PORT))
      .option('-u, --user <name>', 'operator account for HTTP basic auth (as [inet_http_server] username)')
      .addOption(new Option('--password <password>', 'its password, clear or {SHA}hex (prefer --password-file or SVWEB_PASSWORD)'))
      .option('--password-file <file>', 'file whose first line is the password')
      .option('--viewer <user:password>', 'read-only account (page, logs, metrics, read-only consoles)')
      .option('-r, --read-only', 'no control at all: page, logs and metrics only')
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
      .showHelpAfterError(false);
    try {
      program.parse(argv, { from: 'user' });
    } catch (e) {
      if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 100;
      throw e;
    }
    const o = program.opts<{ listen: string; port: string; user?: string; password?: string; passwordFile?: string; viewer?: string; readOnly?: boolean }>();
    const scanDirs = program.processedArgs[0] as string[];
    const port = Number(o.port);
    if (!/^\d{1,5}$/.test(o.port) || port > 65535) err.dieUsage(`bad port: ${o.port}`);
    if (o.listen !== 'localhost' && !isIP(o.listen)) err.dieUsage(`bad listen address: ${o.listen} (give an IP address)`);
    let password = o.password ?? io.env.SVWEB_PASSWORD;
    if (o.passwordFile) {
      try {
        password = readFileSync(o.passwordFile, 'utf8').split('\n', 1)[0]!;
      } catch (e) {
        err.dieSys(`unable to read ${o.passwordFile}`, e);
      }
    }
    let operator: Account | undefined;
    if (o.user !== undefined) {
      if (!password) err.dieUsage('--user needs a password (--password, --password-file or SVWEB_PASSWORD)');
      operator = { user: o.user, password: password! };
    } else if (password) err.dieUsage('a password needs --user');
    let viewer: Account | undefined;
    if (o.viewer !== undefined) {
      const i = o.viewer.indexOf(':');
      if (i <= 0 || i === o.viewer.length - 1) err.dieUsage('--viewer wants USER:PASSWORD');
      viewer = { user: o.viewer.slice(0, i), password: o.viewer.slice(i + 1) };
    }
    const access = { operator, viewer, readOnly: o.readOnly === true };
    if (!isLoopback(o.listen) && !authConfigured(access)) {
      err.die(100, `refusing to listen on ${o.listen} without authentication (give --user and a password, or listen on 127.0.0.1)`);
    }
    for (const scanDir of scanDirs) {
      try {
        if (!statSync(scanDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      } catch (e) {
        err.dieSys(`unable to use scan directory ${scanDir}`, e);
      }
    }

    const web = createWebServer({ scanDirs, ...access, warn: (m) => err.warn(m) });
    await new Promise<void>((resolve, reject) => {
      web.server.once('error', reject);
      web.server.listen(port, o.listen, () => resolve());
    }).catch((e) => err.dieSys(`unable to listen on ${o.listen}:${port}`, e));
    web.server.on('error', (e) => err.warnSys('server error', e));
    const addr = web.server.address();
    const shown = typeof addr === 'object' && addr ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : String(addr);
    io.err(`svweb: listening on http://${shown}/ for ${scanDirs.join(' ')}${access.readOnly ? ' (read-only)' : ''}${authConfigured(access) ? ' (basic auth)' : ''}\n`);

    return new Promise<number>((resolve) => {
      const stop = (): void => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        web.close().then(() => resolve(0), (e) => {
          io.err(`svweb: warning: unable to close cleanly: ${errnoText(e)}\n`);
          resolve(0);
        });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  });
}
