/** Drives test/fixtures/ca-client.py (pyepics, i.e. EPICS' libca) from a test: one JSON command per line. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fixture, haveTool, waitFor } from './proc.js';

/** True when Debian's python3-pyepics is installed (loud skip otherwise, failure in CI). */
export function havePyepics(): boolean {
  return haveTool('/usr/lib/python3/dist-packages/epics/ca.py', 'python3-pyepics');
}

/** The client environment that searches only 127.0.0.1:PORT (no broadcasts). */
export function caEnv(port: number): NodeJS.ProcessEnv {
  return { ...process.env, EPICS_CA_AUTO_ADDR_LIST: 'NO', EPICS_CA_ADDR_LIST: `127.0.0.1:${port}`, EPICS_CA_CONN_TMO: '5' };
}

/** A port free for TCP and UDP at the time of asking. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((res, rej) => {
      const s = net.createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => res(p));
      });
    });
    if (port !== 5064 && port !== 5065) return port;
  }
}

/** An answer or an event from the client. */
export type CaReply = Record<string, any>;

/** A running client. */
export class CaClient {
  readonly child: ChildProcess;
  readonly events: CaReply[] = [];
  private readonly answers = new Map<number, CaReply>();
  private nextId = 1;
  private buf = '';
  stderr = '';

  constructor(port: number) {
    this.child = spawn('/usr/bin/python3', [fixture('ca-client.py')], { env: caEnv(port), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const r = JSON.parse(line) as CaReply;
        if (r.event) this.events.push(r);
        else this.answers.set(r.id as number, r);
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  /** Sends a command and waits for its answer. */
  async call(cmd: Record<string, unknown>, timeoutMs = 30000): Promise<CaReply> {
    const id = this.nextId++;
    this.child.stdin!.write(JSON.stringify({ ...cmd, id }) + '\n');
    return waitFor(() => this.answers.get(id), timeoutMs, `answer to ${JSON.stringify(cmd)} (stderr: ${this.stderr.slice(-500)})`);
  }

  /** Like call, and throws unless ok. */
  async ok(cmd: Record<string, unknown>, timeoutMs = 30000): Promise<CaReply> {
    const r = await this.call(cmd, timeoutMs);
    if (!r.ok) throw new Error(`${JSON.stringify(cmd)} failed: ${r.error}`);
    return r;
  }

  /** Events about `name` so far. */
  eventsOf(name: string): CaReply[] {
    return this.events.filter((e) => e.name === name);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await gone;
  }
}
