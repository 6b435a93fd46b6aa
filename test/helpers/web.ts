/** Helpers for svweb tests: a scan directory under our svscan, an svweb on a free port, HTTP calls. */
import { join } from 'node:path';
import { ours, start, tempDir, waitFor } from './proc.js';

/** PATH with our bin/ first (run scripts call multilog, procserv). */
export const OUR_ENV = { ...process.env, PATH: `${join(ours('svscan'), '..')}:${process.env.PATH}` };

/** A `log/run` that logs to ./main with TAI64N stamps through our multilog. */
export const LOG_RUN = '#!/bin/sh\nexec multilog t ./main\n';

type T = { after(fn: () => Promise<void> | void): void };

/** Runs our svscan on a fresh temp scan dir (services added by `setup` first); stops it and removes the dir after the test. */
export function scanDir(t: T, setup: (scan: string) => void): { scan: string; root: string } {
  const { dir: root, cleanup } = tempDir('svweb-');
  const scan = join(root, 's');
  setup(scan);
  const sv = start(ours('svscan'), [scan], { env: OUR_ENV });
  t.after(async () => {
    await sv.stop();
    cleanup();
  });
  return { scan, root };
}

/** Starts `svweb ARGS` (port 0 unless given); resolves once it listens, with its base URL. */
export async function startWeb(t: T, args: string[], env: NodeJS.ProcessEnv = OUR_ENV): Promise<{ url: string; port: number; pid: number; stderr(): string }> {
  const p = start(ours('svweb'), args.includes('-p') ? args : ['-p', '0', ...args], { env });
  t.after(() => p.stop());
  const m = await waitFor(() => /listening on http:\/\/([^/]+)\//.exec(p.stderr()) ?? (p.child.exitCode !== null ? Promise.reject(new Error(`svweb exited: ${p.stderr()}`)) : null), 20000, 'svweb listening');
  const hostPort = m[1]!;
  return { url: `http://${hostPort}`, port: Number(hostPort.slice(hostPort.lastIndexOf(':') + 1)), pid: p.child.pid!, stderr: p.stderr };
}

/** A control request as the page sends it. */
export function control(url: string, name: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/services/${encodeURIComponent(name)}/control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-svweb-control': '1', ...headers },
    body: JSON.stringify(body),
  });
}

/** GET url as JSON (throws on a non-2xx status). */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<any> {
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}
