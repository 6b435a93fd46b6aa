/**
 * A real supervisord (Debian's `supervisor`) on a unix socket in a temp dir, running the same
 * programs as an svkit scan directory, for differential tests: the same supervisorctl command
 * against both, compared. Not a test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, start, waitFor, type RunResult } from '../helpers/proc.js';

export const SUPERVISORD = '/usr/bin/supervisord';
export const SUPERVISORCTL = '/usr/bin/supervisorctl';

type T = { after(fn: () => Promise<void> | void): void };

/** Starts supervisord in `root` with one `[program:NAME]` per entry (command: `/bin/sh -c SCRIPT`, autostart=false); resolves once it answers. */
export async function startSupervisord(t: T, root: string, programs: Record<string, string>): Promise<{ ctl(...args: string[]): Promise<RunResult>; url: string }> {
  const sock = join(root, 'supervisord.sock');
  const conf = join(root, 'supervisord.conf');
  let text = `[unix_http_server]\nfile=${sock}\n\n[supervisord]\nnodaemon=true\nuser=root\nlogfile=${join(root, 'supervisord.log')}\npidfile=${join(root, 'supervisord.pid')}\nchildlogdir=${root}\n\n`
    + '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n'
    + `[supervisorctl]\nserverurl=unix://${sock}\n\n`;
  for (const [name, script] of Object.entries(programs)) {
    const file = join(root, `${name}.sh`);
    writeFileSync(file, `${script}\n`);
    text += `[program:${name}]\ncommand=/bin/sh ${file}\nautostart=false\nredirect_stderr=true\n\n`;
  }
  writeFileSync(conf, text);
  const d = start(SUPERVISORD, ['-c', conf]);
  t.after(() => d.stop());
  const ctl = (...args: string[]): Promise<RunResult> => run(SUPERVISORCTL, ['-c', conf, ...args], { timeoutMs: 120000 });
  await waitFor(async () => (d.child.exitCode !== null ? Promise.reject(new Error(`supervisord exited: ${d.stderr()}`)) : (await ctl('pid')).code === 0), 20000, 'supervisord answering');
  return { ctl, url: `unix://${sock}` };
}

/** Calls `system.multicall(calls)` through Python's xmlrpc.client (supervisorctl's own transport) on `url`; returns the repr of what a Python client gets. */
export async function pyMulticall(url: string, calls: { methodName?: string; params?: unknown[] }[], auth: [string, string] | null = null): Promise<string> {
  const py = 'import sys, json, xmlrpc.client\nfrom supervisor.xmlrpc import SupervisorTransport\n'
    + 'url, user, pw, calls = sys.argv[1], sys.argv[2] or None, sys.argv[3] or None, json.loads(sys.argv[4])\n'
    + "p = xmlrpc.client.ServerProxy('http://127.0.0.1', transport=SupervisorTransport(user, pw, url))\n"
    + 'print(repr(p.system.multicall(calls)))\n';
  const r = await run('python3', ['-c', py, url, auth?.[0] ?? '', auth?.[1] ?? '', JSON.stringify(calls)], { timeoutMs: 60000 });
  if (r.code !== 0) throw new Error(`multicall on ${url} failed: ${r.stderr}`);
  return r.stdout;
}
