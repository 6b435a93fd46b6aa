/**
 * supervisord 4.2.5's XML-RPC interface (API version 3.0) over the services of a scan directory,
 * enough for the real `supervisorctl` (status, start, stop, restart, signal, tail, pid, version,
 * avail, reread, update, start/stop/signal all). Each service is its own group (group == name).
 * See ../shared/reference/supervisord-xmlrpc.md for the structs, states and fault codes.
 */
import { readLogRange, logPath } from './log-file.js';
import { localText } from './local-time.js';
import { SIGNAL_LETTER } from './service-control.js';
import type { ScanState } from './scan-state.js';
import { MAX_MULTICALL } from './limits.js';
import { KILL_WAIT_MS, STARTRETRIES, STARTSECS_MS, stopWaitMs } from './supervisor-timing.js';
import { StartWatches, startedSince } from './start-watch.js';
import type { ServiceView } from './service-view.js';
import { RpcFault, type RpcValue } from './xmlrpc.js';

/** supervisord's fault codes. */
export const FAULT = {
  UNKNOWN_METHOD: 1, INCORRECT_PARAMETERS: 2, BAD_ARGUMENTS: 3, SIGNATURE_UNSUPPORTED: 4, SHUTDOWN_STATE: 6, BAD_NAME: 10, BAD_SIGNAL: 11,
  NO_FILE: 20, NOT_EXECUTABLE: 21, FAILED: 30, ABNORMAL_TERMINATION: 40, SPAWN_ERROR: 50, ALREADY_STARTED: 60,
  NOT_RUNNING: 70, SUCCESS: 80, ALREADY_ADDED: 90, STILL_RUNNING: 91, CANT_REREAD: 92,
} as const;
type FaultName = keyof typeof FAULT;

/** supervisord's process states. */
export const PSTATE = { STOPPED: 0, STARTING: 10, RUNNING: 20, BACKOFF: 30, STOPPING: 40, EXITED: 100, FATAL: 200, UNKNOWN: 1000 } as const;
type PStateName = keyof typeof PSTATE;
const RUNNING_STATES = new Set<number>([PSTATE.STARTING, PSTATE.RUNNING, PSTATE.BACKOFF]);
const SIGNALLABLE = new Set<number>([PSTATE.STARTING, PSTATE.RUNNING, PSTATE.STOPPING]);

/** The API version supervisorctl checks. */
export const API_VERSION = '3.0';
/** What `supervisorctl version` prints. */
export const SERVER_VERSION = 'svkit-svweb 0.1.0';
/** How long a start waits for the state it asks for. */
export const WAIT_MS = 15000;

const fault = (name: FaultName, extra?: string): RpcFault => new RpcFault(FAULT[name], extra ? `${name}: ${extra}` : name);

/** supervisord's spawnerr for a process that died within startsecs. */
export const EXITED_TOO_QUICKLY = 'Exited too quickly (process log may have details)';

/**
 * The supervisord state of a service: STARTING until the run has stayed up startsecs (or is ready,
 * with a notification-fd); down but wanted up is BACKOFF after a quick death (supervise retries);
 * down after more than startretries quick deaths in a row (or supervise's own give-up) is FATAL.
 */
export function supervisorState(v: ServiceView, now = Date.now()): PStateName {
  if (v.state === 'unknown') return 'UNKNOWN';
  if (v.up) {
    if (v.state === 'stopping') return 'STOPPING';
    return startedSince(v, 0, now) ? 'RUNNING' : 'STARTING';
  }
  if (v.gaveUp) return 'FATAL';
  if (v.want === 'up') return v.quickDeaths === null || v.quickDeaths > 0 || v.backoff ? 'BACKOFF' : 'STARTING';
  if ((v.quickDeaths ?? 0) > STARTRETRIES) return 'FATAL';
  if (v.want === 'once' && v.lastExit) return 'EXITED';
  return 'STOPPED';
}

/** Python's str(timedelta) of whole seconds: `H:MM:SS` or `N day(s), H:MM:SS`. */
export function pyTimedelta(sec: number): string {
  sec = Math.max(0, Math.floor(sec));
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  const hms = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return d ? `${d} day${d === 1 ? '' : 's'}, ${hms}` : hms;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** strftime('%b %d %I:%M %p') in local time. */
function stopTime(unix: number): string {
  const d = new Date(unix * 1000);
  const h12 = d.getHours() % 12 || 12;
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${p2(d.getDate())} ${p2(h12)}:${p2(d.getMinutes())} ${d.getHours() < 12 ? 'AM' : 'PM'}`;
}

function spawnErr(v: ServiceView, st: PStateName): string {
  if (st === 'FATAL' || (st === 'BACKOFF' && (v.quickDeaths ?? 0) > 0)) return EXITED_TOO_QUICKLY;
  if (st === 'UNKNOWN') return v.error ?? '';
  return '';
}

/** getProcessInfo's 14-member struct. */
export function processInfo(v: ServiceView, scanLog: (name: string) => string): { [k: string]: RpcValue } {
  const nowMs = Date.now();
  const st = supervisorState(v, nowMs);
  const now = Math.floor(nowMs / 1000);
  const since = Math.floor(v.since);
  // never run since supervise started (svkit's supervise records every exit): supervisord's "Not started"
  const neverRan = !v.up && v.restarts !== null && v.lastExit === null;
  const start = v.state === 'unknown' || neverRan ? 0 : since;
  const stop = v.up || v.state === 'unknown' ? 0 : since;
  const spawnerr = spawnErr(v, st);
  let description = '';
  if (st === 'RUNNING') description = `pid ${v.pid}, uptime ${pyTimedelta(now - since)}`;
  else if (st === 'STOPPED' || st === 'EXITED') description = start ? stopTime(stop) : 'Not started';
  else if (st === 'FATAL' || st === 'BACKOFF' || st === 'UNKNOWN') description = spawnerr || `unknown error (try "tail ${v.name}")`;
  const log = scanLog(v.name);
  return {
    name: v.name, group: v.name, start, stop, now, state: PSTATE[st], statename: st, spawnerr,
    exitstatus: v.lastExit?.code ?? 0, logfile: log, stdout_logfile: log, stderr_logfile: '', pid: v.pid, description,
  };
}

/** Who is calling: operators may control, viewers only read. */
export interface RpcCaller {
  canControl: boolean;
}

type Method = { args: [number, number]; control?: boolean; fn: (p: RpcValue[], c: RpcCaller) => RpcValue | Promise<RpcValue> };

/** The method table over `scan`; `call(method, params, caller)` runs one call or throws an RpcFault. */
export class SupervisorRpc {
  private readonly methods: Record<string, Method>;
  private readonly starts: StartWatches;

  constructor(private readonly scan: ScanState) {
    // after startretries quick deaths: down, as supervisord's FATAL (a failed send leaves it retrying)
    this.starts = new StartWatches(scan, (x) => { try { this.send(x, 'd'); } catch { /* supervise gone: nothing retries */ } });
    const str = (p: RpcValue[], i: number): string => {
      const v = p[i];
      if (typeof v !== 'string') throw fault('INCORRECT_PARAMETERS');
      return v;
    };
    const int = (p: RpcValue[], i: number): number => {
      const v = p[i];
      if (typeof v !== 'number') throw fault('INCORRECT_PARAMETERS');
      return v;
    };
    this.methods = {
      'supervisor.getAPIVersion': { args: [0, 0], fn: () => API_VERSION },
      'supervisor.getVersion': { args: [0, 0], fn: () => API_VERSION },
      'supervisor.getSupervisorVersion': { args: [0, 0], fn: () => SERVER_VERSION },
      'supervisor.getIdentification': { args: [0, 0], fn: () => 'svkit' },
      'supervisor.getState': { args: [0, 0], fn: () => ({ statecode: 1, statename: 'RUNNING' }) },
      'supervisor.getPID': { args: [0, 0], fn: () => process.pid },
      'supervisor.getAllProcessInfo': { args: [0, 0], fn: () => this.scan.snapshot(true).map((v) => this.info(v)) },
      'supervisor.getProcessInfo': { args: [1, 1], fn: (p) => this.info(this.lookup(str(p, 0))) },
      'supervisor.getAllConfigInfo': { args: [0, 0], fn: () => this.scan.snapshot(true).map((v) => this.config(v)) },
      'supervisor.reloadConfig': { args: [0, 0], fn: () => [[[], [], []]] },
      'supervisor.addProcessGroup': { args: [1, 1], control: true, fn: (p) => { this.lookup(str(p, 0)); throw fault('ALREADY_ADDED', str(p, 0)); } },
      'supervisor.removeProcessGroup': { args: [1, 1], control: true, fn: (p) => { const v = this.lookup(str(p, 0)); throw fault(v.up ? 'STILL_RUNNING' : 'FAILED', `${v.name}: svscan removes a service when its directory goes`); } },
      'supervisor.startProcess': { args: [1, 2], control: true, fn: (p) => this.single(str(p, 0), (v) => this.start(v, p[1] !== false), (g) => this.startGroup([g], p[1] !== false)) },
      'supervisor.stopProcess': { args: [1, 2], control: true, fn: (p) => this.single(str(p, 0), (v) => this.stop(v, p[1] !== false), (g) => this.stopGroup([g], p[1] !== false)) },
      'supervisor.signalProcess': { args: [2, 2], control: true, fn: (p) => this.single(str(p, 0), (v) => this.signal(v, String(p[1])), (g) => this.signalGroup([g], String(p[1]))) },
      'supervisor.startProcessGroup': { args: [1, 2], control: true, fn: (p) => this.startGroup([this.lookup(str(p, 0))], p[1] !== false) },
      'supervisor.stopProcessGroup': { args: [1, 2], control: true, fn: (p) => this.stopGroup([this.lookup(str(p, 0))], p[1] !== false) },
      'supervisor.signalProcessGroup': { args: [2, 2], control: true, fn: (p) => this.signalGroup([this.lookup(str(p, 0))], String(p[1])) },
      'supervisor.startAllProcesses': { args: [0, 1], control: true, fn: (p) => this.startGroup(this.scan.snapshot(true), p[0] !== false) },
      'supervisor.stopAllProcesses': { args: [0, 1], control: true, fn: (p) => this.stopGroup(this.scan.snapshot(true), p[0] !== false) },
      'supervisor.signalAllProcesses': { args: [1, 1], control: true, fn: (p) => this.signalGroup(this.scan.snapshot(true), String(p[0])) },
      'supervisor.readProcessStdoutLog': { args: [3, 3], fn: (p) => this.readLog(str(p, 0), int(p, 1), int(p, 2)) },
      'supervisor.readProcessStderrLog': { args: [3, 3], fn: (p) => this.readLog(str(p, 0), int(p, 1), int(p, 2)) },
      'supervisor.readProcessLog': { args: [3, 3], fn: (p) => this.readLog(str(p, 0), int(p, 1), int(p, 2)) },
      'supervisor.tailProcessStdoutLog': { args: [3, 3], fn: (p) => this.tailLog(str(p, 0), int(p, 1), int(p, 2)) },
      'supervisor.tailProcessStderrLog': { args: [3, 3], fn: (p) => this.tailLog(str(p, 0), int(p, 1), int(p, 2)) },
      'supervisor.readLog': { args: [2, 2], fn: () => { throw fault('NO_FILE', 'svweb has no main log (see the services\' logs)'); } },
      'supervisor.readMainLog': { args: [2, 2], fn: () => { throw fault('NO_FILE', 'svweb has no main log'); } },
      'system.listMethods': { args: [0, 0], fn: () => Object.keys(this.methods).sort() },
      'system.methodHelp': { args: [1, 1], fn: (p) => { this.method(str(p, 0)); return ''; } },
      'system.methodSignature': { args: [1, 1], fn: (p) => { this.method(str(p, 0)); throw fault('SIGNATURE_UNSUPPORTED'); } },
      'system.multicall': { args: [1, 1], fn: (p, c) => this.multicall(p[0], c) },
    };
  }

  private method(name: string): Method {
    const m = Object.prototype.hasOwnProperty.call(this.methods, name) ? this.methods[name] : undefined;
    if (!m) throw fault('UNKNOWN_METHOD');
    return m;
  }

  /** Runs one call; throws RpcFault. */
  async call(name: string, params: RpcValue[], caller: RpcCaller): Promise<RpcValue> {
    const m = this.method(name);
    if (params.length < m.args[0] || params.length > m.args[1]) throw fault('INCORRECT_PARAMETERS');
    if (m.control && !caller.canControl) {
      // supervisorctl understands only some codes per command: start shows SPAWN_ERROR, stop/signal print FAILED's text
      if (name.startsWith('supervisor.start')) throw fault('SPAWN_ERROR', 'read-only: svweb does not accept control requests from this user');
      throw fault('FAILED', 'read-only: svweb does not accept control requests from this user');
    }
    return m.fn(params, caller);
  }

  private async multicall(calls: RpcValue | undefined, caller: RpcCaller): Promise<RpcValue> {
    if (!Array.isArray(calls)) throw fault('INCORRECT_PARAMETERS');
    if (calls.length > MAX_MULTICALL) throw fault('INCORRECT_PARAMETERS', `at most ${MAX_MULTICALL} calls in one multicall`);
    const out: RpcValue[] = [];
    for (const c of calls) {
      const o = c as { methodName?: RpcValue; params?: RpcValue };
      try {
        if (typeof o.methodName !== 'string') throw fault('INCORRECT_PARAMETERS', 'No methodName');
        if (o.methodName === 'system.multicall') throw fault('INCORRECT_PARAMETERS', 'Recursive system.multicall forbidden');
        // supervisord's multicall: each result bare (not the one-element array of the XML-RPC spec)
        out.push(await this.call(o.methodName, Array.isArray(o.params) ? o.params : [], caller));
      } catch (e) {
        const f = e instanceof RpcFault ? e : fault('FAILED', String((e as Error).message));
        out.push({ faultCode: f.faultCode, faultString: f.faultString });
      }
    }
    return out;
  }

  private logName = (name: string): string => logPath(this.scan.ref(name).dir);

  private info(v: ServiceView): { [k: string]: RpcValue } {
    return processInfo(v, this.logName);
  }

  private config(v: ServiceView): { [k: string]: RpcValue } {
    const dir = this.scan.ref(v.name).dir;
    return {
      autostart: v.normallyUp, directory: dir, uid: 'none', command: `${dir}/run`, exitcodes: [0], group: v.name, group_prio: 999,
      inuse: true, killasgroup: false, name: v.name, process_prio: 999, redirect_stderr: true, startretries: STARTRETRIES, startsecs: STARTSECS_MS / 1000,
      stdout_logfile: this.logName(v.name), stderr_logfile: '', stopsignal: 15, stopwaitsecs: Math.round(stopWaitMs(dir) / 1000), serverurl: 'AUTO',
    };
  }

  /** A name as supervisorctl sends it (`name`, `group:name`); throws BAD_NAME. */
  private lookup(spec: string): ServiceView {
    const i = spec.indexOf(':');
    let name = spec;
    if (i >= 0) {
      const g = spec.slice(0, i);
      const n = spec.slice(i + 1);
      if (n && n !== '*' && n !== g) throw fault('BAD_NAME', spec);
      name = g;
    }
    try {
      return this.scan.view(name);
    } catch {
      throw fault('BAD_NAME', spec);
    }
  }

  /** `name` alone runs `one`; `group:*` (or `group:`) runs the group call. */
  private single(spec: string, one: (v: ServiceView) => Promise<RpcValue> | RpcValue, group: (v: ServiceView) => Promise<RpcValue> | RpcValue): Promise<RpcValue> | RpcValue {
    const v = this.lookup(spec);
    return /:(\*)?$/.test(spec) ? group(v) : one(v);
  }

  private async start(v: ServiceView, wait: boolean): Promise<RpcValue> {
    const st = supervisorState(v);
    if (st === 'UNKNOWN') throw fault('SPAWN_ERROR', `${v.name}: ${v.error ?? 'supervise not running'}`);
    if (RUNNING_STATES.has(PSTATE[st])) throw fault('ALREADY_STARTED', v.name);
    const first = this.starts.watch(v.name, Date.now());
    this.send(v, 'u');
    if (!wait) return true;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([first, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), WAIT_MS); })]);
    clearTimeout(timer);
    if (outcome === 'running') return true;
    if (outcome === 'spawn-error') throw fault('SPAWN_ERROR', v.name);
    throw fault('ABNORMAL_TERMINATION', v.name);
  }

  private async stop(v: ServiceView, wait: boolean): Promise<RpcValue> {
    const st = supervisorState(v);
    if (!RUNNING_STATES.has(PSTATE[st]) && st !== 'STOPPING') throw fault('NOT_RUNNING', v.name);
    this.send(v, 'd');
    // the escalation runs whether or not the caller waits, as in supervisord
    const done = this.escalate(v);
    if (!wait) {
      done.catch(() => { /* nobody waits for the answer */ });
      return true;
    }
    return done;
  }

  /** supervisord's stop: the service down within stopwaitsecs, else SIGKILL (svc -k) and down. */
  private async escalate(v: ServiceView): Promise<true> {
    const down = (x: ServiceView): boolean => !x.up && x.state !== 'finishing';
    if (await this.scan.waitUntil(v.name, down, stopWaitMs(this.scan.ref(v.name).dir))) return true;
    const x = this.scan.view(v.name);
    // only the process this stop was for, and only while nobody asked for it to run again
    if (x.up && x.want !== 'up' && (v.pid === 0 || x.pid === v.pid)) this.send(x, 'k');
    if (await this.scan.waitUntil(v.name, down, KILL_WAIT_MS)) return true;
    throw fault('FAILED', `${v.name}: still running ${KILL_WAIT_MS / 1000} s after SIGKILL`);
  }

  private signal(v: ServiceView, sig: string): RpcValue {
    const letter = SIGNAL_LETTER[sig.toUpperCase().replace(/^SIG/, '')];
    if (!letter) throw fault('BAD_SIGNAL', sig);
    if (!SIGNALLABLE.has(PSTATE[supervisorState(v)])) throw fault('NOT_RUNNING', v.name);
    this.send(v, letter);
    return true;
  }

  private send(v: ServiceView, letters: string): void {
    try {
      this.scan.control(v.name, letters);
    } catch (e) {
      throw fault('FAILED', `${v.name}: ${(e as Error).message}`);
    }
  }

  private static result(v: ServiceView, e?: unknown): { [k: string]: RpcValue } {
    if (!e) return { name: v.name, group: v.name, status: FAULT.SUCCESS, description: 'OK' };
    const f = e instanceof RpcFault ? e : fault('FAILED', String((e as Error).message));
    return { name: v.name, group: v.name, status: f.faultCode, description: f.faultString };
  }

  private async each(vs: ServiceView[], applies: (v: ServiceView) => boolean, act: (v: ServiceView) => Promise<RpcValue> | RpcValue): Promise<RpcValue> {
    const todo = vs.filter(applies);
    const settled = await Promise.allSettled(todo.map(async (v) => act(v)));
    return todo.map((v, i) => SupervisorRpc.result(v, settled[i]!.status === 'rejected' ? (settled[i] as PromiseRejectedResult).reason : undefined));
  }

  private startGroup(vs: ServiceView[], wait: boolean): Promise<RpcValue> {
    return this.each(vs, (v) => !RUNNING_STATES.has(PSTATE[supervisorState(v)]), (v) => this.start(v, wait));
  }

  private stopGroup(vs: ServiceView[], wait: boolean): Promise<RpcValue> {
    return this.each(vs, (v) => RUNNING_STATES.has(PSTATE[supervisorState(v)]), (v) => this.stop(v, wait));
  }

  private signalGroup(vs: ServiceView[], sig: string): Promise<RpcValue> {
    return this.each(vs, (v) => SIGNALLABLE.has(PSTATE[supervisorState(v)]), (v) => this.signal(v, sig));
  }

  private open(name: string, offset: number, length: number): { data: Buffer; size: number } {
    const v = this.lookup(name);
    try {
      return readLogRange(this.logName(v.name), offset, length);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw fault('NO_FILE', v.name);
      throw fault('FAILED', `${v.name}: ${(e as Error).message}`);
    }
  }

  private readLog(name: string, offset: number, length: number): RpcValue {
    if (offset < 0 && length !== 0) throw fault('BAD_ARGUMENTS');
    if (length < 0) throw fault('BAD_ARGUMENTS');
    return localText(this.open(name, offset, length).data.toString('utf8'));
  }

  /** supervisord's tailFile: [bytes, newOffset, overflow]. */
  private tailLog(name: string, offset: number, length: number): RpcValue {
    if (offset < 0 || length < 0) throw fault('BAD_ARGUMENTS');
    const size = this.open(name, 0, 1).size;
    let overflow = false;
    if (size > offset + length) {
      overflow = true;
      offset = size - 1;
    }
    if (offset + length > size) {
      if (offset > size - 1) length = 0;
      offset = size - length;
    }
    offset = Math.max(0, offset);
    const data = length > 0 ? this.open(name, offset, length).data.toString('utf8') : '';
    return [data, size, overflow];
  }
}
