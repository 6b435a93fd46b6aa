/** Where svconsole connects: a service directory (its `console` socket), a socket path, or a TCP port. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoError } from '@svkit/diag';

/** Name of the console socket in a service directory (procserv ... unix:./console in `run`). */
export const SERVICE_CONSOLE = 'console';

/** A resolved console address. */
export type ConsoleAddress =
  | { kind: 'unix'; path: string }
  | { kind: 'abstract'; name: string }
  | { kind: 'tcp'; host: string; port: number };

/**
 * Resolves `target`: `DIR` (uses DIR/console), `PATH` or `unix:PATH` of a socket, `unix:@NAME` (an
 * abstract socket, as procserv's endpoint), `PORT` or `HOST:PORT`.
 */
export function resolveConsole(target: string): ConsoleAddress {
  if (target.startsWith('unix:@') && target.length > 6) return { kind: 'abstract', name: target.slice(6) };
  if (target.startsWith('unix:')) return { kind: 'unix', path: target.slice(5) };
  const tcp = /^(?:(.+):)?(\d{1,5})$/.exec(target);
  let st;
  try {
    st = statSync(target);
  } catch (e) {
    if (tcp) return { kind: 'tcp', host: tcp[1] ?? '127.0.0.1', port: Number(tcp[2]) };
    throw e;
  }
  if (st.isSocket()) return { kind: 'unix', path: target };
  if (st.isDirectory()) {
    const path = join(target, SERVICE_CONSOLE);
    let s2;
    try {
      s2 = statSync(path);
    } catch (e) {
      throw errnoError((e as NodeJS.ErrnoException).code ?? 'ENOENT', `${path}: no console socket (is procserv running there with unix:./${SERVICE_CONSOLE}?)`);
    }
    if (!s2.isSocket()) throw errnoError('ENOTSOCK', `${path} is not a socket`);
    return { kind: 'unix', path };
  }
  throw errnoError('ENOTSOCK', `${target} is neither a socket nor a service directory`);
}
