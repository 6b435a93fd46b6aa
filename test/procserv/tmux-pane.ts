/** Test helper: a command running in a real terminal (a detached tmux session) to drive and read. */
import { runSync, waitFor } from '../helpers/proc.js';

/** One tmux session running one command. */
export class TmuxPane {
  private constructor(readonly name: string) {}

  /** Starts `cmd` (a shell command line) in a new 120x40 tmux session. */
  static start(cmd: string, cwd?: string): TmuxPane {
    const name = `svkit-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const r = runSync('tmux', ['new-session', '-d', '-s', name, '-x', '120', '-y', '40', ...(cwd ? ['-c', cwd] : []), `${cmd}; echo "[exit $?]"; sleep 600`]);
    if (r.code !== 0) throw new Error(`tmux: ${r.stderr}`);
    return new TmuxPane(name);
  }

  /** tmux send-keys (key names like Enter, C-x, or literal text with `-l`). */
  keys(...keys: string[]): void {
    runSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  /** Types literal text. */
  type(text: string): void {
    runSync('tmux', ['send-keys', '-t', this.name, '-l', text]);
  }

  /** The pane's text, with its history. */
  screen(): string {
    return runSync('tmux', ['capture-pane', '-p', '-J', '-S', '-1000', '-t', this.name]).stdout;
  }

  /** Waits until the screen matches. */
  async wait(what: string | RegExp, timeoutMs = 10000): Promise<string> {
    await waitFor(() => (typeof what === 'string' ? this.screen().includes(what) : what.test(this.screen())), timeoutMs, `screen showing ${String(what)}:\n${this.screen()}`);
    return this.screen();
  }

  kill(): void {
    runSync('tmux', ['kill-session', '-t', this.name]);
  }
}
