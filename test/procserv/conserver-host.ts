/** Test helper: Debian's conserver run as its packaged user `conservr` (group dialout), on a free port, with a given conserver.cf body. */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runSync, start, waitFor } from '../helpers/proc.js';
import { freePort, Peer, readOr } from './console-peer.js';

/** A running conserver. */
export interface ConserverHost {
  port: number;
  /** conserver's own messages (its stdout/stderr). */
  messages(): string;
  /** The console log conserver keeps for console `name`. */
  log(name: string): string;
  /** `console ARGS` against this conserver (as root). */
  console(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** The shell command line of `console ARGS` for a terminal (tmux). */
  consoleLine(args: string): string;
  stop(): Promise<void>;
}

/** The uid and gid Debian's conserver-server package runs conserver as (`conservr`, group dialout); undefined when there is no such user. */
export function conservrIds(): { uid: number; gid: number } | undefined {
  const r = runSync('id', ['conservr']);
  const m = /uid=(\d+)\S* gid=(\d+)/.exec(r.stdout);
  return m ? { uid: Number(m[1]), gid: Number(m[2]) } : undefined;
}

/**
 * Starts /usr/sbin/conserver as conservr (with its groups) in the foreground, with DIR/conserver.cf =
 * the defaults below + `consoles`, logs in DIR/conserver-logs/NAME.log. DIR must be reachable by conservr.
 */
export async function startConserver(dir: string, consoles: string): Promise<ConserverHost> {
  const ids = conservrIds();
  if (!ids) throw new Error('no user conservr: apt-get install conserver-server');
  const logs = join(dir, 'conserver-logs');
  mkdirSync(logs, { recursive: true });
  chownSync(logs, ids.uid, ids.gid);
  const cf = join(dir, 'conserver.cf');
  writeFileSync(cf, [
    'default full { rw *; }',
    `default * { logfile ${logs}/&.log; timestamp ""; include full; }`,
    consoles,
    'access * { trusted 127.0.0.1; allowed 127.0.0.1; }',
    '',
  ].join('\n'));
  const passwd = join(dir, 'conserver.passwd');
  writeFileSync(passwd, '*any*:\n');
  chmodSync(cf, 0o644);
  chmodSync(passwd, 0o644);
  const port = await freePort();
  const cs = start('setpriv', ['--reuid=conservr', '--regid=dialout', '--init-groups', '--', '/usr/sbin/conserver',
    '-C', cf, '-P', passwd, '-p', String(port), '-M', '127.0.0.1', '-m', '1']);
  await waitFor(() => Peer.connect(port).then((p) => { p.close(); return true; }), 15000, `conserver listening on ${port}: ${cs.stdout()}${cs.stderr()}`);
  return {
    port,
    messages: () => cs.stdout() + cs.stderr(),
    log: (name) => readOr(join(logs, `${name}.log`)),
    console: (args) => run('/usr/bin/console', ['-M', '127.0.0.1', '-p', String(port), ...args]),
    consoleLine: (args) => `console -M 127.0.0.1 -p ${port} ${args}`,
    stop: () => cs.stop(),
  };
}
