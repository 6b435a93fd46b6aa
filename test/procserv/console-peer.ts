/** Test helper: a scripted console client (UNIX or TCP socket) that records everything it receives. */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fixture, ours, start, tempDir, waitFor } from '../helpers/proc.js';

/** A connected console client. */
export class Peer {
  private chunks: Buffer[] = [];
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.chunks.push(d));
    socket.on('error', () => {});
    this.closed = new Promise((r) => socket.once('close', () => { this.isClosed = true; r(); }));
  }

  /** Connects to a UNIX socket path or a TCP port on 127.0.0.1; `replay`: ask for that much scrollback. */
  static connect(target: string | number, replay = 0): Promise<Peer> {
    return new Promise((res, rej) => {
      const s = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target);
      s.once('connect', () => {
        if (replay > 0) s.write(`\0svconsole replay=${replay}\n`);
        res(new Peer(s));
      });
      s.once('error', rej);
    });
  }

  /** Everything received so far (latin1, so bytes map 1:1). */
  text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  /** Number of bytes received. */
  bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  write(d: string | Buffer): void {
    this.socket.write(typeof d === 'string' ? Buffer.from(d, 'latin1') : d);
  }

  /** Waits until the received text matches. */
  async waitText(what: string | RegExp, timeoutMs = 10000): Promise<string> {
    await waitFor(() => (typeof what === 'string' ? this.text().includes(what) : what.test(this.text())), timeoutMs, `console text ${String(what)} (have: ${JSON.stringify(this.text().slice(-300))})`);
    return this.text();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A procserv started in a temp dir with a UNIX console socket `DIR/console`. */
export interface Served {
  dir: string;
  sock: string;
  proc: ReturnType<typeof start>;
  stop(): Promise<void>;
}

/** Starts `bin` (ours or theirs) as `bin -f ARGS unix:DIR/console CMD...` and waits for the socket. */
export async function serve(args: string[], cmd: string[] = [fixture('procserv-echo')], bin = ours('procserv')): Promise<Served> {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  const sock = join(dir, 'console');
  const proc = start(bin, ['-f', ...args, `unix:${sock}`, ...cmd], { cwd: dir });
  try {
    await waitFor(() => existsSync(sock) || proc.child.exitCode !== null, 10000, 'console socket');
  } catch (e) {
    await proc.stop('SIGKILL');
    cleanup();
    throw e;
  }
  return {
    dir,
    sock,
    proc,
    async stop() {
      await proc.stop('SIGTERM');
      cleanup();
    },
  };
}

/** The PID the child printed in its "ready PID" line (last one in `text`). */
export function readyPid(text: string): number {
  const all = [...text.matchAll(/ready (\d+)/g)];
  return Number(all[all.length - 1]![1]);
}

/** A TCP port nobody listens on just now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => res(port));
    });
  });
}

/** A procserv (ours or theirs) with a TCP control port, started in a temp dir. */
export interface ServedTcp {
  dir: string;
  port: number;
  proc: ReturnType<typeof start>;
  stop(): Promise<void>;
}

/**
 * Starts `bin -f -I info ARGS PORT CMD...` on a free port and waits until it listens (its info file);
 * tries another port when something else took the first one meanwhile.
 */
export async function serveTcp(args: string[], cmd: string[] = [fixture('procserv-echo')], bin = ours('procserv')): Promise<ServedTcp> {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  const info = join(dir, 'info');
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = start(bin, ['-f', '-I', info, ...args, String(port), ...cmd], { cwd: dir });
    try {
      await waitFor(() => readOr(info).includes(`:${port}`) || proc.child.exitCode !== null, 10000, 'procserv listening');
    } catch (e) {
      await proc.stop('SIGKILL');
      cleanup();
      throw e;
    }
    if (proc.child.exitCode === null) {
      return { dir, port, proc, async stop() { await proc.stop('SIGTERM'); cleanup(); } };
    }
    await proc.stop();
    if (attempt >= 5) {
      cleanup();
      throw new Error(`procserv did not start: ${proc.stderr()}`);
    }
  }
}

/** Reads a file, or '' when it is missing. */
export function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
