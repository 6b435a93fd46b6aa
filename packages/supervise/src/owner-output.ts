/**
 * Where the output of another user's supervisor (and of their services without a log/) goes: not
 * svscan's own stdout and stderr, which may be root's terminal (a user with a descriptor of it
 * could read root's keystrokes, inject input or stop it with TCOOFF), a root file (which a writable
 * descriptor could truncate) or a socket (which it could shut down). The user gets the write end
 * of a pipe of its own; root copies what comes into a write-only, non-blocking descriptor of its
 * own stdout or stderr, opened anew (send with MSG_DONTWAIT on a socket), within a byte budget per
 * relay, and drops (and counts) what that cannot take at once: a user whose output nobody reads, or
 * who writes without end, never blocks svscan, makes it hold memory or fills root's disk faster
 * than the budget. On a terminal, control characters are shown as `^X`, so no escape sequence of
 * theirs reaches root's terminal. What was dropped is reported at most every DROP_REPORT_MS, the
 * same non-blocking way (and dropped too, when even that does not fit).
 */
import { constants, fstatSync, openSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { closeQuiet, isatty, O_CLOEXEC, pipe2, sendNoWait } from '@svkit/sys';

/** Sustained bytes a second one relay may write into our output (a chatty service logs far less: use a log/). */
export const RELAY_BYTES_PER_SECOND = 1024 * 1024;
/** ...with bursts up to this. */
export const RELAY_BURST = 4 * 1024 * 1024;
/** Drops are reported at most this often per relay. */
export const DROP_REPORT_MS = 10000;

/** How we write into our stdout or stderr without blocking. */
interface Target {
  write(data: Buffer): number;
  tty: boolean;
}

const targets = new Map<number, Target>();

function target(fd: 1 | 2): Target {
  let t = targets.get(fd);
  if (t) return t;
  try {
    if (fstatSync(fd).isSocket()) {
      // systemd's journal, a parent's socketpair: send() with MSG_DONTWAIT, never our descriptor handed on
      t = { write: (d) => sendNoWait(fd, d), tty: false };
    } else {
      const nb = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY | constants.O_APPEND | O_CLOEXEC);
      t = { write: (d) => writeSync(nb, d), tty: isatty(nb) };
    }
  } catch {
    t = { write: () => 0, tty: false };
  }
  targets.set(fd, t);
  return t;
}

/** Writes what `t` takes at once of `data`; the count. */
function tryWrite(t: Target, data: Buffer): number {
  try {
    return t.write(data);
  } catch {
    return 0; // EAGAIN: the reader of our output is behind; EPIPE: nobody reads it
  }
}

/** `data` with every control character but tab and newline shown as ^X (for a terminal). */
export function visible(data: Buffer): Buffer {
  let plain = true;
  for (const b of data) if ((b < 0x20 && b !== 0x09 && b !== 0x0a) || b === 0x7f) { plain = false; break; }
  if (plain) return data;
  const out: number[] = [];
  for (const b of data) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a) || b === 0x7f) out.push(0x5e, b === 0x7f ? 0x3f : b + 0x40);
    else out.push(b);
  }
  return Buffer.from(out);
}

/** One relay: what the other side writes into `write` (its fd 1 or 2) reaches our `fd`. */
export interface Relay {
  /** The descriptor to hand to the other process (it stays ours: every start of that process gets it). */
  write: number;
  /** Stops relaying and closes our descriptors. */
  close(): void;
}

/**
 * A relay into our fd 1 or 2 for a user's supervisor. `dropText(bytes)` is the line that reports
 * a loss: written to our stderr at most every DROP_REPORT_MS, without blocking.
 */
export function relayTo(fd: 1 | 2, dropText: (bytes: number) => string): Relay {
  const t = target(fd);
  const [r, w] = pipe2(O_CLOEXEC);
  let lost = 0;
  let reported = 0;
  let lastReport = 0;
  let tokens = RELAY_BURST;
  let refilled = Date.now();
  const report = (): void => {
    const now = Date.now();
    if (lost === reported || now - lastReport < DROP_REPORT_MS) return;
    lastReport = now;
    tryWrite(target(2), Buffer.from(dropText(lost - reported)));
    reported = lost;
  };
  const sock = new Socket({ fd: r, readable: true, writable: false });
  sock.on('data', (chunk: Buffer) => {
    const now = Date.now();
    tokens = Math.min(RELAY_BURST, tokens + ((now - refilled) * RELAY_BYTES_PER_SECOND) / 1000);
    refilled = now;
    const allowed = Math.max(0, Math.min(chunk.length, Math.floor(tokens)));
    const n = allowed > 0 ? tryWrite(t, t.tty ? visible(chunk.subarray(0, allowed)) : chunk.subarray(0, allowed)) : 0;
    tokens -= n;
    if (n < chunk.length) {
      lost += chunk.length - Math.min(n, chunk.length);
      report();
    }
  });
  sock.on('error', () => {});
  const timer = setInterval(report, DROP_REPORT_MS);
  timer.unref();
  return {
    write: w,
    close: () => {
      clearInterval(timer);
      sock.destroy();
      closeQuiet(w);
    },
  };
}
