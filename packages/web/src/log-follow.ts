/**
 * Live tails of service logs: one poller per log file however many clients watch it (browsers,
 * `supervisorctl tail -f`). Each subscriber has its own cursor in the file: a tick reads what was
 * appended since (bounded; subscribers at the same place share one read) for the subscribers that
 * may take data now, so a client that does not read keeps a place in the file, never the text.
 * Follows multilog's rotation (a new inode: the new file from its start) and truncation, and hands
 * complete lines, times converted as tai64nlocal does.
 */
import { readLogRange, statLog } from './log-file.js';
import { localLine } from './local-time.js';

/** How often a watched log is checked (supervisord polls every 0.1 s). */
export const FOLLOW_INTERVAL_MS = 200;
/**
 * Most bytes read at once; a longer partial line is delivered as it is. Under 128 KiB, so that its
 * text is a short-lived young object for V8, not a large one that lives until the next full GC.
 */
const PIECE = 64 * 1024;
/** Pieces per tick and cursor: 1.25 MiB/s for a client that keeps up. */
const PIECES_PER_TICK = 4;

type Listener = (text: string) => void;

interface Subscriber {
  fn: Listener;
  /** True when the client may be given more now. */
  ready: () => boolean;
  /** File offset of the first byte not delivered (the start of a partial line). */
  pos: number;
  /** File offset up to which the file was read (no new data while the size is this). */
  seen: number;
  /** Something was delivered (a truncation is then announced). */
  started: boolean;
}

const NEWLINE = 10;

class Follower {
  readonly subs = new Set<Subscriber>();
  private readonly timer: NodeJS.Timeout;
  private ino = -1;
  private dev = -1;

  constructor(private readonly path: string) {
    try {
      const c = statLog(path);
      this.ino = c.ino;
      this.dev = c.dev;
    } catch { /* appears later */ }
    this.timer = setInterval(() => this.tick(), FOLLOW_INTERVAL_MS);
    this.timer.unref();
  }

  tick(): void {
    let st;
    try {
      st = statLog(this.path);
    } catch {
      return; // not there (yet), or unreadable: try again next tick
    }
    if (st.ino !== this.ino || st.dev !== this.dev) {
      // rotated: the new file from its start (a log that appeared: from where the subscriber asked)
      const appeared = this.ino === -1;
      for (const s of this.subs) s.pos = s.seen = appeared ? Math.min(s.pos, st.size) : 0;
      this.ino = st.ino;
      this.dev = st.dev;
    }
    const groups = new Map<number, Subscriber[]>();
    for (const s of this.subs) {
      if (s.seen > st.size || s.pos > st.size) {
        if (s.started) {
          s.fn('==> File truncated <==\n');
          s.pos = s.seen = 0;
        } else s.pos = s.seen = st.size;
      }
      if (st.size <= s.seen || !s.ready()) continue;
      const g = groups.get(s.pos);
      if (g) g.push(s);
      else groups.set(s.pos, [s]);
    }
    for (let [pos, group] of groups) {
      for (let i = 0; i < PIECES_PER_TICK && group.length > 0; i++) {
        if (!this.deliver(pos, group)) break;
        pos = group[0]!.pos;
        group = group.filter((s) => st.size > s.seen && s.ready());
      }
    }
  }

  /**
   * Reads at `pos` once for every subscriber of `group` (all there) and hands them the complete
   * lines; false when there is nothing more to hand now.
   */
  private deliver(pos: number, group: Subscriber[]): boolean {
    let c;
    try {
      c = readLogRange(this.path, pos, PIECE);
    } catch {
      return false;
    }
    if (c.ino !== this.ino || c.dev !== this.dev) return false; // rotated since the stat: next tick
    const end = c.offset + c.data.length;
    const nl = c.data.lastIndexOf(NEWLINE);
    if (nl < 0 && c.data.length < PIECE) {
      for (const s of group) s.seen = end; // a partial line: read again once the file grows
      return false;
    }
    const upto = nl < 0 ? c.data.length : nl + 1;
    const text = c.data.subarray(0, upto).toString('utf8').split('\n').map(localLine).join('\n');
    for (const s of group) {
      s.pos = c.offset + upto;
      s.seen = end;
      s.started = true;
      s.fn(text);
    }
    return true;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** The log pollers of one server. */
export class LogFollowers {
  private readonly byPath = new Map<string, Follower>();

  /**
   * Calls `fn` with each new piece of the log at `path` from offset `size` (its end when read),
   * while `ready()` says the client may take more; returns the unsubscribe.
   */
  subscribe(path: string, size: number, fn: Listener, ready: () => boolean = () => true): () => void {
    let f = this.byPath.get(path);
    if (!f) {
      f = new Follower(path);
      this.byPath.set(path, f);
    }
    const sub: Subscriber = { fn, ready, pos: size, seen: size, started: false };
    f.subs.add(sub);
    const follower = f;
    return () => {
      follower.subs.delete(sub);
      if (follower.subs.size === 0) {
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
