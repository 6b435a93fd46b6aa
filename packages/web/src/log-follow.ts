/**
 * Live tails of service logs: one poller per log file however many clients watch it (browsers,
 * `supervisorctl tail -f`). Each tick reads what was appended (bounded), follows multilog's
 * rotation (a new inode: read the new file from its start) and truncation, and hands complete
 * lines, times converted as tai64nlocal does, to every subscriber.
 */
import { readLogRange } from './log-file.js';
import { localLine } from './local-time.js';

/** How often a watched log is checked (supervisord polls every 0.1 s). */
export const FOLLOW_INTERVAL_MS = 200;
/** Most bytes read per tick and per log; a longer partial line is delivered as it is. */
const TICK_CAP = 256 * 1024;

type Listener = (text: string) => void;

class Follower {
  readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private ino = -1;
  private dev = -1;
  private pos = 0;
  private partial = '';

  constructor(private readonly path: string, startAt: number) {
    this.pos = startAt;
    try {
      const c = readLogRange(path, 0, 1);
      this.ino = c.ino;
      this.dev = c.dev;
      if (this.pos > c.size) this.pos = c.size;
    } catch { /* appears later */ }
    this.timer = setInterval(() => this.tick(), FOLLOW_INTERVAL_MS);
    this.timer.unref();
  }

  private emit(text: string): void {
    for (const l of this.listeners) l(text);
  }

  tick(): void {
    let c;
    try {
      c = readLogRange(this.path, this.pos, TICK_CAP);
      if (c.ino !== this.ino || c.dev !== this.dev) {
        // rotated (or appeared): the new file from its start
        const first = this.ino === -1 && this.pos > 0 ? Math.min(this.pos, c.size) : 0;
        this.ino = c.ino;
        this.dev = c.dev;
        this.pos = first;
        c = readLogRange(this.path, this.pos, TICK_CAP);
      } else if (c.size < this.pos) {
        this.pos = 0;
        this.partial = '';
        this.emit('==> File truncated <==\n');
        c = readLogRange(this.path, 0, TICK_CAP);
      }
    } catch {
      return; // not there (yet), or unreadable: try again next tick
    }
    if (c.data.length === 0) return;
    this.pos = c.offset + c.data.length;
    const text = this.partial + c.data.toString('utf8');
    const nl = text.lastIndexOf('\n');
    if (nl < 0 && text.length < TICK_CAP) {
      this.partial = text;
      return;
    }
    const whole = nl < 0 ? text : text.slice(0, nl + 1);
    this.partial = nl < 0 ? '' : text.slice(nl + 1);
    this.emit(whole.split('\n').map(localLine).join('\n'));
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** The log pollers of one server. */
export class LogFollowers {
  private readonly byPath = new Map<string, Follower>();

  /** Calls `fn` with each new piece of the log at `path` (from its current end); returns the unsubscribe. */
  subscribe(path: string, size: number, fn: Listener): () => void {
    let f = this.byPath.get(path);
    if (!f) {
      f = new Follower(path, size);
      this.byPath.set(path, f);
    }
    f.listeners.add(fn);
    const follower = f;
    return () => {
      follower.listeners.delete(fn);
      if (follower.listeners.size === 0) {
        follower.close();
        if (this.byPath.get(path) === follower) this.byPath.delete(path);
      }
    };
  }

  /** Number of logs being polled (for tests and the page). */
  get size(): number {
    return this.byPath.size;
  }

  closeAll(): void {
    for (const f of this.byPath.values()) f.close();
    this.byPath.clear();
  }
}
