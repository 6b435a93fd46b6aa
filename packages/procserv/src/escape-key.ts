/** svconsole's detach sequence: the escape character (default ^]) followed by a command character. */

/** What the user's keystrokes amount to. */
export interface EscapeResult {
  /** Bytes to send to the console. */
  send: Buffer;
  /** The user asked to detach. */
  detach: boolean;
  /** The user asked for help. */
  help: boolean;
}

/**
 * Filters keyboard input: ESC `.` (or `d`) detaches, ESC `?` shows help, ESC ESC sends one ESC,
 * ESC followed by anything else sends both. State carries across chunks.
 */
export class EscapeFilter {
  private pending = false;

  constructor(readonly escape: number) {}

  /** Processes one chunk of keyboard input. */
  feed(d: Buffer): EscapeResult {
    if (!this.pending && d.indexOf(this.escape) < 0) return { send: d, detach: false, help: false };
    const out: number[] = [];
    let help = false;
    for (let i = 0; i < d.length; i++) {
      const b = d[i]!;
      if (!this.pending) {
        if (b === this.escape) this.pending = true;
        else out.push(b);
        continue;
      }
      this.pending = false;
      if (b === 0x2e /* . */ || b === 0x64 /* d */) return { send: Buffer.from(out), detach: true, help };
      if (b === 0x3f /* ? */) help = true;
      else if (b === this.escape) out.push(b);
      else out.push(this.escape, b);
    }
    return { send: Buffer.from(out), detach: false, help };
  }
}
