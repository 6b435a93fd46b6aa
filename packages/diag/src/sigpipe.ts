/**
 * SIGPIPE as C programs have it. Node ignores SIGPIPE, so a write to a closed pipe fails with
 * EPIPE, which a command reports as an error; daemontools 0.76's svstat is killed by the signal
 * instead (`svstat dir... | head -1`: no message, the shell sees 141). A command that prints to
 * standard output restores the default action so that it ends the same way.
 */

/**
 * Restores SIGPIPE's default action (killed, silently) for this process. Adding and removing a
 * listener does it: Node's signal handle, once stopped, puts back SIG_DFL, not Node's SIG_IGN.
 */
export function defaultSigpipe(): void {
  const none = (): void => {};
  process.on('SIGPIPE', none);
  process.off('SIGPIPE', none);
}

/** True for the error of a write to a pipe or socket nobody reads any more. */
export function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}
