/**
 * The browser console: a WebSocket attached to a service's procserv console socket (`./console`,
 * a UNIX socket). Output goes to the browser as binary frames; typing goes to the console unless
 * the client is read-only (a viewer, a read-only server, or `?readonly=1`): then procserv is also
 * asked to drop its input (attach request `readonly`). The last lines of scrollback are replayed.
 */
import { lstatSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { CONSOLE_SOCKET } from './service-view.js';

/** Scrollback lines replayed to a new browser console. */
export const REPLAY_LINES = 500;
/** Output queued for a slow browser before the console socket is paused. */
const HIGH_WATER = 1024 * 1024;

/** The console socket of DIR; throws ENOENT when there is none (a plain file or a link is not one). */
export function consoleSocket(dir: string): string {
  const p = join(dir, CONSOLE_SOCKET);
  if (!lstatSync(p).isSocket()) throw Object.assign(new Error(`${p} is not a socket`), { code: 'ENOENT' });
  return p;
}

/** Joins `ws` to the console at `path`. */
export function bridgeConsole(ws: WebSocket, path: string, readOnly: boolean): void {
  const sock = connect(path);
  let open = true;
  const close = (code: number, why: string): void => {
    if (!open) return;
    open = false;
    sock.destroy();
    try {
      ws.close(code, why);
    } catch { /* gone */ }
  };
  sock.on('connect', () => {
    sock.write(`\0svconsole replay=${REPLAY_LINES}${readOnly ? ' readonly' : ''}\n`);
    ws.send(JSON.stringify({ type: 'attached', readOnly }));
  });
  sock.on('data', (d: Buffer) => {
    ws.send(d, { binary: true });
    if (ws.bufferedAmount > HIGH_WATER) {
      sock.pause();
      const t = setInterval(() => {
        if (!open || ws.bufferedAmount < HIGH_WATER / 4) {
          clearInterval(t);
          sock.resume();
        }
      }, 50);
    }
  });
  sock.on('error', (e: NodeJS.ErrnoException) => close(1011, `console: ${e.code ?? e.message}`));
  sock.on('close', () => close(1000, 'console closed'));
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (readOnly || !open) return;
    // text frames are typed keys (UTF-8); binary frames are raw bytes
    sock.write(isBinary ? data : Buffer.from(data.toString('utf8'), 'utf8'));
  });
  ws.on('close', () => close(1000, 'bye'));
  ws.on('error', () => close(1011, 'websocket error'));
}
