/**
 * pmtr.conf's grammar: `job { ... }` blocks, `report to udp://...`, `listen on udp://...`.
 * Unlike pmtr, the parser goes on after an error and reports every one, each with the line of
 * the token it is about; a config pmtr accepts means the same here, with the deliberate
 * differences listed in README.md ("pmtr.conf").
 */
import { tokenize, type LineError, type Token } from './config-tokens.js';
import {
  parseCpuSet, parseInterval, parseNice, parseOrder, parseUdpSpec, parseUlimit, ValueError,
  type Lax, type Ulimit, type UdpSpec,
} from './config-values.js';

export type { LineError, Token } from './config-tokens.js';
export type { UdpSpec, Ulimit } from './config-values.js';

/** One job of the file. */
export interface Job {
  name: string;
  /** Line of its `job` keyword. */
  line: number;
  /** argv: the program (no PATH search, relative to dir) and its arguments. */
  cmd: string[];
  dir?: string;
  out?: string;
  err?: string;
  in?: string;
  /** svkit's addition: stdout/stderr (where not `out`/`err` files) go to multilog with this directory. */
  log?: string;
  /** VAR=VALUE, applied in order on top of pmtr's environment. */
  env: string[];
  user?: string;
  nice?: number;
  /** CPU numbers (empty = not set). */
  cpu: number[];
  ulimits: Ulimit[];
  /** Seconds, 0 = never. */
  bounce: number;
  depends: string[];
  disable: boolean;
  wait: boolean;
  once: boolean;
  order: number;
}

/** The whole file. */
export interface Config {
  jobs: Job[];
  reports: UdpSpec[];
  listens: UdpSpec[];
}

/** What parsing found: the config (usable only when `errors` is empty), errors and warnings. */
export interface ParseResult {
  config: Config;
  errors: LineError[];
  warnings: LineError[];
  /** The file's tokens, in order (for `-v -v`). */
  tokens: Token[];
}

/** Longest user name pmtr takes. */
export const MAX_USER = 99;

/** A job name must make a service directory name. */
const VALID_NAME = /^[A-Za-z0-9_@+:=,%-][A-Za-z0-9_.@+:=,%-]{0,99}$/;

/** Parses pmtr.conf text. */
export function parseConfig(text: string): ParseResult {
  const errors: LineError[] = [];
  const warnings: LineError[] = [];
  const toks = tokenize(text, errors);
  const lastLine = toks.length ? toks[toks.length - 1]!.line : 1;
  const config: Config = { jobs: [], reports: [], listens: [] };
  let p = 0;
  const err = (line: number, message: string): void => void errors.push({ line, message });
  const warn = (line: number, message: string): void => void warnings.push({ line, message });
  /** A directive (a keyword at the start of its line) or end of input. */
  const atDirective = (): boolean => p >= toks.length || (toks[p]!.keyword && toks[p]!.first);
  /** Skips to the next line. */
  const skipLine = (): void => {
    p++;
    while (p < toks.length && !toks[p]!.first) p++;
  };
  /** The value after a directive at `at`: a plain string, not a keyword. */
  const value = (at: Token, what = at.text): Token | undefined => {
    const t = toks[p];
    if (!t || t.keyword) {
      err(at.line, `${what} needs a value`);
      return undefined;
    }
    p++;
    if (t.quoted) {
      err(t.line, `a quoted string is allowed only in cmd arguments: "${t.text}"`);
      return undefined;
    }
    return t;
  };
  const lax = <T>(t: Token, r: Lax<T>, what: string): T => {
    if (r.lax) warn(t.line, `${what} "${t.text}" read as ${JSON.stringify(r.value)}`);
    return r.value;
  };
  const tryValue = (t: Token, f: () => void): void => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      err(t.line, e.message);
    }
  };
  /** A `{ ... }` block of `per`-token rows after a directive; `}` must start its line. */
  const block = (at: Token, per: number, row: (ts: Token[]) => void): void => {
    p++; // {
    for (;;) {
      const t = toks[p];
      if (!t || (t.keyword && t.first && t.text !== '}')) {
        err(at.line, `${at.text} block has no closing "}"`);
        return;
      }
      if (t.text === '}' && !t.quoted) {
        if (!t.first) err(t.line, '"}" must stand on a line of its own');
        p++;
        return;
      }
      const ts: Token[] = [];
      while (ts.length < per) {
        const u = toks[p];
        if (!u || u.keyword || (u.text === '}' && !u.quoted)) break;
        p++;
        ts.push(u);
      }
      if (ts.length < per) {
        err(t.line, `${at.text} block: ${per === 2 ? 'a resource needs a value' : 'unexpected token'}`);
        if (toks[p] === t) p++;
        continue;
      }
      const q = ts.find((u) => u.quoted);
      if (q) err(q.line, `a quoted string is allowed only in cmd arguments: "${q.text}"`);
      else row(ts);
    }
  };

  const parseJob = (start: Token): void => {
    p++; // job
    if (!(toks[p]?.keyword && toks[p]!.text === '{')) {
      err(toks[p]?.line ?? start.line, 'expected "{" after job');
      while (p < toks.length && !(toks[p]!.keyword && toks[p]!.first && toks[p]!.text === 'job')) p++;
      return;
    }
    p++;
    const job: Job = { name: '', line: start.line, cmd: [], env: [], cpu: [], ulimits: [], bounce: 0, depends: [], disable: false, wait: false, once: false, order: 0 };
    const seen = new Map<string, number>();
    let hasName = false;
    let hasCmd = false;
    let closed = false;
    let body = 0;
    while (p < toks.length) {
      const t = toks[p]!;
      if (t.text === '}' && !t.quoted && (t.keyword || !t.first)) {
        if (!t.first) err(t.line, '"}" must stand on a line of its own');
        p++;
        closed = true;
        break;
      }
      if (!t.keyword || !t.first) {
        err(t.line, t.keyword ? `"${t.text}" is not allowed here` : `unknown directive "${t.text}"`);
        skipLine();
        continue;
      }
      if (t.text === 'job' || t.text === 'report' || t.text === 'listen') {
        if (t.text !== 'job') {
          err(t.line, `"${t.text}" is not allowed inside a job`);
          skipLine();
          continue;
        }
        break;
      }
      body++;
      p++;
      const once = ['name', 'dir', 'out', 'err', 'in', 'cmd', 'log'];
      if (once.includes(t.text)) {
        if (seen.has(t.text)) err(t.line, `${t.text} respecified (first at line ${seen.get(t.text)})`);
        else seen.set(t.text, t.line);
      }
      switch (t.text) {
        case 'name': {
          const v = value(t);
          if (!v) break;
          hasName = true;
          if (!VALID_NAME.test(v.text)) err(v.line, `job name "${v.text}" cannot name a directory (letters, digits and _.@+:=,%- only, not starting with .)`);
          job.name = v.text;
          break;
        }
        case 'cmd': {
          const first = toks[p];
          if (!first || (first.keyword && first.first)) {
            err(t.line, 'cmd needs a program');
            break;
          }
          if (first.quoted) err(first.line, `the program of cmd cannot be a quoted string: "${first.text}"`);
          const argv: string[] = [];
          while (!atDirective()) {
            const a = toks[p]!;
            if (a.text === '}' && !a.quoted && !a.first) break; // `cmd x }`: reported as "}" on its line
            argv.push(a.text);
            p++;
          }
          hasCmd = true;
          job.cmd = argv;
          break;
        }
        case 'dir': case 'out': case 'err': case 'in': case 'user': case 'log': {
          const v = value(t);
          if (!v) break;
          if (t.text === 'user' && v.text.length > MAX_USER) err(v.line, 'user name too long');
          job[t.text] = v.text;
          break;
        }
        case 'env': {
          const v = value(t);
          if (!v) break;
          if (!/^[^=]+=/.test(v.text)) err(v.line, 'environment string must be VAR=VALUE');
          else job.env.push(v.text);
          break;
        }
        case 'order': case 'nice': {
          const v = value(t);
          if (!v) break;
          tryValue(v, () => {
            if (t.text === 'nice') job.nice = lax(v, parseNice(v.text), 'nice');
            else job.order = lax(v, parseOrder(v.text), 'order');
          });
          break;
        }
        case 'cpu': {
          const v = value(t);
          if (!v) break;
          tryValue(v, () => {
            const set = new Set([...job.cpu, ...parseCpuSet(v.text)]); // pmtr ORs a second cpu into the first
            job.cpu = [...set].sort((a, b) => a - b);
          });
          break;
        }
        case 'ulimit': {
          const addLimit = (r: Token, v: Token): void => tryValue(r, () => {
            const u = lax(v, parseUlimit(r.text, v.text), 'ulimit value');
            job.ulimits = [...job.ulimits.filter((x) => x.resource !== u.resource), u];
          });
          if (toks[p]?.keyword && toks[p]!.text === '{') block(t, 2, ([r, v]) => addLimit(r!, v!));
          else {
            const r = value(t);
            if (!r) break;
            const v = value(t, 'ulimit resource');
            if (v) addLimit(r, v);
          }
          break;
        }
        case 'bounce': {
          if (!(toks[p]?.keyword && toks[p]!.text === 'every')) {
            err(t.line, "expected 'bounce every N[smhd]'");
            break;
          }
          p++;
          const v = value(t, 'bounce every');
          if (v) tryValue(v, () => void (job.bounce = lax(v, parseInterval(v.text), 'bounce interval')));
          break;
        }
        case 'depends': {
          if (!(toks[p]?.keyword && toks[p]!.text === '{')) {
            err(t.line, 'expected "depends {" with files on the following lines');
            break;
          }
          const before = job.depends.length;
          block(t, 1, ([f]) => void job.depends.push(f!.text));
          if (job.depends.length === before) err(t.line, 'depends block lists no file');
          break;
        }
        case 'disable': case 'wait': case 'once':
          job[t.text] = true;
          break;
        default:
          err(t.line, `"${t.text}" is not allowed here`);
          skipLine();
      }
    }
    if (!closed) {
      err(p < toks.length ? toks[p]!.line : lastLine, `job at line ${start.line} has no closing "}"`);
      return;
    }
    if (body === 0) {
      err(start.line, 'empty job');
      return;
    }
    if (!hasName) err(start.line, 'job has no name');
    if (!hasCmd) err(start.line, `job ${job.name || `at line ${start.line}`} has no cmd`);
    if (hasName) {
      const dup = config.jobs.find((j) => j.name === job.name);
      if (dup) err(start.line, `job name ${job.name} is used twice (also at line ${dup.line})`);
    }
    config.jobs.push(job);
  };

  while (p < toks.length) {
    const t = toks[p]!;
    if (t.keyword && t.text === 'job') {
      parseJob(t);
    } else if (t.keyword && (t.text === 'report' || t.text === 'listen')) {
      p++;
      const prep = t.text === 'report' ? 'to' : 'on';
      if (!(toks[p]?.keyword && toks[p]!.text === prep)) {
        err(t.line, `expected '${t.text} ${prep} udp://HOST:PORT'`);
        skipLine();
        continue;
      }
      p++;
      const v = value(t, `${t.text} ${prep}`);
      if (v) tryValue(v, () => (t.text === 'report' ? config.reports : config.listens).push(parseUdpSpec(v.text, v.line)));
    } else {
      err(t.line, t.keyword ? `"${t.text}" is not allowed outside a job` : `unexpected "${t.text}": expected job, report or listen`);
      skipLine();
    }
  }
  // pmtr sorts by order (qsort); a stable sort keeps the file's order among equals
  config.jobs.sort((a, b) => a.order - b.order);
  return { config, errors: errors.sort((a, b) => a.line - b.line), warnings, tokens: toks };
}
