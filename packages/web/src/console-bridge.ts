/**
 * The browser console: a WebSocket attached to a service's procserv console socket (`./console`,
 * a UNIX socket). Output goes to the browser as binary frames; typing goes to the console unless
 * the client is read-only (a viewer, a read-only server, or `?readonly=1`): then procserv is also
 * asked to drop its input (attach request `readonly`). The last lines of scrollback are replayed.
 */
import { closeSync, fstatSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { O_PATH, openBelow } from '@svkit/protocol';
import type { WebSocket } from 'ws';
import { CONSOLE_SOCKET } from './service-view.js';
import { CONSOLE_INPUT_HIGH_WATER } from './limits.js';
import type { StreamBudget } from './stream-budget.js';

/** Scrollback lines replayed to a new browser console. */
export const REPLAY_LINES = 500;

/** A console socket held open (O_PATH): connect to `path`, then `release()`. */
export interface HeldSocket {
  path: string;
  release(): void;
}

/**
 * The console socket of DIR, held by descriptor: connecting to /proc/self/fd/N reaches the very
 * socket that was checked (a link swapped in between is never followed), and it must belong to the
 * directory's owner or root. Throws ENOENT when there is none (a plain file or a link is not one).
 */
export function consoleSocket(dir: string): HeldSocket {
  const fd = openBelow(dir, CONSOLE_SOCKET, O_PATH);
  try {
    const st = fstatSync(fd);
    if (!st.isSocket()) throw Object.assign(new Error(`${dir}/${CONSOLE_SOCKET} is not a socket`), { code: 'ENOENT' });
    const owner = statSync(dir).uid;
    if (st.uid !== owner && st.uid !== 0) throw Object.assign(new Error(`${dir}/${CONSOLE_SOCKET} is owned by uid ${st.uid}, not by the directory's owner`), { code: 'ENOENT' });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let held = true;
  return {
    path: `/proc/self/fd/${fd}`,
    release: () => {
      if (held) closeSync(fd);
      held = false;
    },
  };
}

/**
 * Joins `ws` to the console at `path`. Output waits in the console socket (paused) while the
 * browser is behind by the stream budget; typing waits in the browser's connection (the WebSocket
 * paused) while the console has not read CONSOLE_INPUT_HIGH_WATER of it.
 */
export function bridgeConsole(ws: WebSocket, held: HeldSocket, readOnly: boolean, budget: StreamBudget): void {
  const sock = connect(held.path);
  sock.once('connect', held.release);
  sock.once('close', held.release);
  let open = true;
  const close = (code: number, why: string): void => {
    if (!open) return;
    open = false;
    handle.close();
    sock.destroy();
    try {
      ws.close(code, why);
    } catch { /* gone */ }
  };
  const handle = budget.add({
    queued: () => ws.bufferedAmount,
    drop: () => {
      close(1008, 'too slow');
      ws.terminate(); // its queue is full: no closing handshake can get through
    },
  });
  sock.on('connect', () => {
    sock.write(`\0svconsole replay=${REPLAY_LINES}${readOnly ? ' readonly' : ''}\n`);
    ws.send(JSON.stringify({ type: 'attached', readOnly }));
  });
  sock.on('data', (d: Buffer) => {
    ws.send(d, { binary: true });
    if (!handle.ready()) {
      sock.pause();
      handle.whenReady(() => {
        if (open) sock.resume();
      });
    }
  });
  sock.on('error', (e: NodeJS.ErrnoException) => close(1011, `console: ${e.code ?? e.message}`));
  sock.on('close', () => close(1000, 'console closed'));
  sock.on('drain', () => {
    if (open && ws.isPaused) ws.resume();
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (readOnly || !open) return;
    // text frames are typed keys (UTF-8); binary frames are raw bytes
    sock.write(isBinary ? data : Buffer.from(data.toString('utf8'), 'utf8'));
    if (sock.writableLength > CONSOLE_INPUT_HIGH_WATER) ws.pause();
  });
  ws.on('close', () => close(1000, 'bye'));
  ws.on('error', () => close(1011, 'websocket error'));
}
