/**
 * Where the output of another user's supervisor (and of their services without a log/) goes: not
 * svscan's own stdout and stderr, which may be root's terminal (a user with a descriptor of it
 * could read root's keystrokes or inject input), a root file (which a writable descriptor could
 * truncate) or a pipe whose flags it could change. The user gets the write end of a pipe of its
 * own; root copies what comes into a write-only, non-blocking descriptor of its own stdout or
 * stderr, opened anew, and drops (and counts) what that cannot take at once: a user whose output
 * nobody reads never blocks svscan or makes it hold memory. A socket (systemd's journal) is
 * written with send(MSG_DONTWAIT): a descriptor of it would let the user shut it down for us.
 */
import { constants, fstatSync, openSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { O_CLOEXEC, pipe2, sendNoWait } from '@svkit/sys';

/** How we write into our stdout or stderr without blocking: a new non-blocking descriptor, or send() on a socket. */
interface Target {
  write(data: Buffer): number;
}

const targets = new Map<number, Target>();

function target(fd: 1 | 2): Target {
  let t = targets.get(fd);
  if (t) return t;
  try {
    if (fstatSync(fd).isSocket()) {
      // systemd's journal, a parent's socketpair: send() with MSG_DONTWAIT, never our descriptor handed on
      t = { write: (d) => sendNoWait(fd, d) };
    } else {
      const nb = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY | constants.O_APPEND | O_CLOEXEC);
      t = { write: (d) => writeSync(nb, d) };
    }
  } catch {
    t = { write: () => 0 };
  }
  targets.set(fd, t);
  return t;
}

/** One relay: what the other side writes into `write` (its fd 1 or 2) reaches our `fd`. */
export interface Relay {
  /** The descriptor to hand to the other process (ours to close once it started). */
  write: number;
  /** Bytes dropped because our stdout or stderr could not take them. */
  dropped(): number;
  /** Stops relaying. */
  close(): void;
}

/**
 * A relay into our fd 1 or 2 for a user's supervisor; `onDrop` is told, at most once per burst, how many bytes were lost.
 */
export function relayTo(fd: 1 | 2, onDrop: (bytes: number) => void): Relay {
  const t = target(fd);
  const [r, w] = pipe2(O_CLOEXEC);
  let lost = 0;
  let reported = 0;
  const sock = new Socket({ fd: r, readable: true, writable: false });
  sock.on('data', (chunk: Buffer) => {
    let n = 0;
    try {
      n = t.write(chunk);
    } catch { /* EAGAIN: the reader of our output is behind; EPIPE: nobody reads it */ }
    if (n < chunk.length) {
      lost += chunk.length - n;
      if (lost - reported >= 65536 || reported === 0) {
        onDrop(lost - reported);
        reported = lost;
      }
    }
  });
  sock.on('error', () => {});
  sock.on('end', () => sock.destroy()); // every writer is gone
  return { write: w, dropped: () => lost, close: () => sock.destroy() };
}
