/**
 * Every bound procserv puts on what its clients and its log reader can make it hold, in one place.
 * A real console has a handful of operators and one log reader (multilog) that keeps up; these
 * values are far above that, and far below what would hurt the machine (worst case, all clients
 * stuck and the log reader stalled: 16 + 4 MB of queued output, plus the scrollback).
 */

/**
 * Default bound of one client's output queue (--client-buffer): about 10 s of a child printing
 * flat out at a terminal's pace; past it the client's output is dropped (with a count line).
 */
export const CLIENT_QUEUE = 1024 * 1024;

/**
 * All clients' output queues together. Past it, output is dropped for every client that already
 * has SQUEEZED_QUEUE waiting, so that a crowd of stuck clients cannot add up to 64 x 1 MB.
 */
export const TOTAL_CLIENT_QUEUE = 16 * 1024 * 1024;

/** What a client may still have queued while the total is exceeded: a screenful or two. */
export const SQUEEZED_QUEUE = 64 * 1024;

/**
 * A client whose output has been dropped without a break (it reads nothing) for this long is
 * disconnected: it holds a connection slot and a full queue for nobody. A person whose terminal
 * is merely suspended for a while (^S, a laptop lid) gets 5 minutes.
 */
export const STUCK_CLIENT_MS = 5 * 60 * 1000;

/** Connections at once, all endpoints together (procServ has no limit; a console has a few users). */
export const MAX_CLIENTS = 64;

/**
 * TCP connections at once from one address. On loopback every local user shares 127.0.0.1, so
 * there the key is the connecting socket's owner (uid, from /proc/net/tcp) instead: one local user
 * cannot take the slots of another. Below MAX_CLIENTS so that one address never takes them all.
 */
export const MAX_CLIENTS_PER_ADDRESS = 16;

/**
 * TCP connections waiting for the look-up of their owner (one read of /proc/net/tcp each, one at a
 * time). More at once is a flood: they are refused. People connect one at a time.
 */
export const MAX_PENDING_LOOKUPS = 32;

/**
 * Console log bytes waiting for a slow log reader (`-L -` into multilog, a FIFO). Past it, log
 * output is dropped, counted, and a line says how much once the reader catches up: the child's
 * pty is always drained, so a stalled reader never stops the console or the clients.
 */
export const LOG_QUEUE = 4 * 1024 * 1024;
