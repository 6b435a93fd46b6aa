/**
 * svweb's HTTP server (node:http): the dashboard and its JSON API, SSE live updates and log tails,
 * the browser console (WebSocket), supervisord's /RPC2 and /logtail, and Prometheus /metrics.
 * Every bound on what clients can make it hold is in limits.ts: connections (connection-limit.ts),
 * request times and bodies (here), and the output of every response and stream (stream-budget.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { errnoText } from '@svkit/diag';
import { ScanState } from './scan-state.js';
import { ACTIONS, checkLetters } from './service-control.js';
import { logPath, readLogRange, tailLines } from './log-file.js';
import { localText } from './local-time.js';
import { LogFollowers } from './log-follow.js';
import { LiveEvents, sseSend, sseStart } from './live-events.js';
import { SupervisorRpc } from './supervisor-rpc.js';
import { encodeFault, encodeResponse, parseCall, RpcFault } from './xmlrpc.js';
import { serviceRegistry } from './service-metrics.js';
import { loadAssets } from './static-assets.js';
import { bridgeConsole, consoleSocket, type HeldSocket } from './console-bridge.js';
import { controlRequestAllowed, hostAllowed, originAllowed, roleOf, type AccessConfig, type Role } from './http-auth.js';
import { StreamBudget, type StreamHandle } from './stream-budget.js';
import { limitConnections } from './connection-limit.js';
import {
  HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, MAX_BODIES_TOTAL, MAX_BODY, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS, MAX_CONSOLES,
  REQUEST_TIMEOUT_MS, TIMEOUT_CHECK_MS,
} from './limits.js';

/** Most log lines one API call returns. */
export const MAX_LINES = 5000;
/** Bytes of log sent first by /logtail (as supervisord). */
const LOGTAIL_FIRST = 1024;

export interface WebOptions extends AccessConfig {
  /** The scan directories (svscan's, pmtr's...), first one first for a name in two. */
  scanDirs: string[];
  /** Where warnings go (`svweb: warning: ...`); none by default. */
  warn?: (msg: string) => void;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly code?: string) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const b = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': b.length, 'cache-control': 'no-store' });
  res.end(b);
}

/** Bytes of request bodies being read, all requests together. */
interface BodyCount {
  total: number;
}

/**
 * Reads a request body of at most MAX_BODY bytes, while all bodies being read stay under
 * MAX_BODIES_TOTAL. Past either, the rest is read and dropped and the request fails (413, 503) once
 * it is all in: a client still sending gets its answer (REQUEST_TIMEOUT_MS ends one that never stops).
 */
function readBody(req: IncomingMessage, bodies: BodyCount): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let n = 0;
    let failed: HttpError | undefined;
    let done = false;
    const fail = (e: HttpError): void => {
      failed ??= e;
      bodies.total -= n;
      n = 0;
      chunks = [];
    };
    const finish = (e?: Error): void => {
      if (done) return;
      done = true;
      if (!failed) bodies.total -= n;
      if (e ?? failed) reject(e ?? failed);
      else resolve(Buffer.concat(chunks));
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) fail(new HttpError(413, 'request body too large'));
    req.on('data', (d: Buffer) => {
      if (failed || done) return;
      n += d.length;
      bodies.total += d.length;
      if (n > MAX_BODY) fail(new HttpError(413, 'request body too large'));
      else if (bodies.total > MAX_BODIES_TOTAL) fail(new HttpError(503, 'too many requests being received, try again'));
      else chunks.push(d);
    });
    req.on('end', () => finish());
    req.on('error', (e) => finish(e));
    req.on('close', () => finish(new HttpError(400, 'request aborted')));
  });
}

function decodeName(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(404, 'no such service');
  }
}

/** Status for an errno code from the service layer. */
function statusOf(code: string | undefined): number {
  if (code === 'ENOENT') return 404;
  if (code === 'EINVAL') return 400;
  if (code === 'ENXIO' || code === 'ENOTFIFO') return 409;
  if (code === 'EACCES' || code === 'EPERM') return 403;
  return 500;
}

const UNAUTHORIZED_BODY = '<html><head><title>Unauthorized</title></head><body><h1>Unauthorized</h1><p>This server requires authentication.</p></body></html>';

/** A running svweb: the http.Server and what to close. */
export interface WebServer {
  server: Server;
  close(): Promise<void>;
}

/** Creates (does not listen) the server for `opts`. */
export function createWebServer(opts: WebOptions): WebServer {
  const scan = new ScanState(opts.scanDirs);
  const rpc = new SupervisorRpc(scan);
  const followers = new LogFollowers();
  const budget = new StreamBudget();
  const bodies: BodyCount = { total: 0 };
  /** Refuses to produce a response while all clients together have too much queued. */
  const roomForMore = (): void => {
    if (budget.full()) throw new HttpError(503, 'too much output queued for clients, try again');
  };
  const assets = loadAssets();
  const registry = serviceRegistry(scan);
  const access = (role: Role): Record<string, unknown> => ({ readOnly: role !== 'operator', role });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const events = new Map<Role, LiveEvents>();
  const eventsFor = (role: Role): LiveEvents => {
    let e = events.get(role);
    if (!e) events.set(role, (e = new LiveEvents(scan, () => access(role))));
    return e;
  };

  const unauthorized = (res: ServerResponse): void => {
    res.writeHead(401, { connection: 'close', 'www-authenticate': 'Basic realm="default"', 'content-type': 'text/html', 'content-length': UNAUTHORIZED_BODY.length });
    res.end(UNAUTHORIZED_BODY);
  };

  /** Answers `req`; `h` is the response's place in the budget (streams ask it before producing). */
  async function handle(req: IncomingMessage, res: ServerResponse, h: StreamHandle): Promise<void> {
    roomForMore();
    if (!hostAllowed(req, opts)) throw new HttpError(403, 'Host not allowed (svweb without accounts answers only loopback names)');
    const role = roleOf(req, opts);
    if (!role) return unauthorized(res);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (method === 'GET' || method === 'HEAD') {
      const a = assets.get(path);
      if (a) {
        res.writeHead(200, {
          'content-type': a.type, 'content-length': a.body.length, 'cache-control': path === '/' ? 'no-store' : 'max-age=3600',
          'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY',
          ...(path === '/' ? { 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'" } : {}),
        });
        res.end(method === 'HEAD' ? undefined : a.body);
        return;
      }
    }

    if (path === '/RPC2') {
      if (method !== 'POST') throw new HttpError(405, 'XML-RPC wants POST');
      // a browser can send text/xml cross-site only after a CORS preflight we never answer
      if (!originAllowed(req) || !/^text\/xml\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(403, 'XML-RPC needs Content-Type: text/xml from this origin');
      let out: string;
      try {
        const call = parseCall((await readBody(req, bodies)).toString('utf8'));
        out = encodeResponse(await rpc.call(call.method, call.params, { canControl: role === 'operator' }));
      } catch (e) {
        if (e instanceof HttpError) throw e;
        out = encodeFault(e instanceof RpcFault ? e : new RpcFault(30, `FAILED: ${(e as Error).message}`));
      }
      const b = Buffer.from(out);
      roomForMore(); // after the awaits
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': b.length });
      res.end(b);
      return;
    }

    let m = /^\/logtail\/([^/]+)(?:\/(stdout|stderr))?$/.exec(path);
    if (m) {
      if (method !== 'GET') throw new HttpError(400, 'GET only');
      const ref = scan.ref(decodeName(m[1]!));
      const lp = logPath(ref.dir);
      const first = readLogRange(lp, -LOGTAIL_FIRST, 0); // ENOENT: 404 as supervisord
      res.writeHead(200, { 'content-type': 'text/plain;charset=utf-8', 'x-accel-buffering': 'no', 'cache-control': 'no-store' });
      res.write(localText(first.data.toString('utf8')));
      const off = followers.subscribe(lp, first.offset + first.data.length, (text) => res.write(text), () => h.ready());
      res.on('close', off);
      return;
    }

    if (path === '/metrics' && method === 'GET') {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(body);
      return;
    }

    if (path === '/api/events' && method === 'GET') {
      eventsFor(role).add(res, h);
      return;
    }
    if (path === '/api/services' && method === 'GET') {
      sendJson(res, 200, { ...access(role), now: Date.now() / 1000, services: scan.snapshot() });
      return;
    }
    m = /^\/api\/services\/([^/]+)(\/control|\/log|\/log\/stream)?$/.exec(path);
    if (m) {
      const name = decodeName(m[1]!);
      const ref = scan.ref(name);
      const sub = m[2] ?? '';
      if (sub === '' && method === 'GET') return sendJson(res, 200, scan.view(name));
      if (sub === '/log' && method === 'GET') {
        const lines = Math.min(MAX_LINES, Math.max(1, Number(url.searchParams.get('lines') ?? 100) || 100));
        const t = tailLines(ref.dir, lines);
        return sendJson(res, 200, { name, size: t.size, lines: localText(t.text).split('\n').slice(0, -1) });
      }
      if (sub === '/log/stream' && method === 'GET') {
        const lines = Math.min(MAX_LINES, Math.max(0, Number(url.searchParams.get('lines') ?? 200) || 0));
        let t = { text: '', size: 0 };
        try {
          t = tailLines(ref.dir, lines);
        } catch { /* no log yet: follow it from its start */ }
        sseStart(res);
        sseSend(res, 'lines', localText(t.text).split('\n').slice(0, -1));
        const off = followers.subscribe(logPath(ref.dir), t.size, (text) => sseSend(res, 'lines', text.split('\n').slice(0, -1)), () => h.ready());
        res.on('close', off);
        return;
      }
      if (sub === '/control' && method === 'POST') {
        if (!controlRequestAllowed(req)) throw new HttpError(403, `control requests need the X-Svweb-Control header, Content-Type: application/json and no foreign Origin`, 'EPERM');
        if (role !== 'operator') throw new HttpError(403, 'read-only: control is not allowed', 'EROFS');
        let body: { letters?: unknown; action?: unknown };
        try {
          body = JSON.parse((await readBody(req, bodies)).toString('utf8') || '{}');
        } catch {
          throw new HttpError(400, 'body is not JSON', 'EINVAL');
        }
        let letters: string;
        if (typeof body.action === 'string') {
          const l = Object.prototype.hasOwnProperty.call(ACTIONS, body.action) ? ACTIONS[body.action] : undefined;
          if (!l) throw new HttpError(400, `unknown action: ${body.action}`, 'EINVAL');
          letters = l;
        } else if (typeof body.letters === 'string') letters = checkLetters(body.letters);
        else throw new HttpError(400, 'give "letters" or "action"', 'EINVAL');
        try {
          scan.control(name, letters);
        } catch (e) {
          // svc's words; the service exists, its supervise does not listen (ENXIO) or has no control FIFO yet
          throw new HttpError(409, (e as Error).message, (e as NodeJS.ErrnoException).code);
        }
        roomForMore(); // after the awaits
        return sendJson(res, 200, { ok: true, letters, service: scan.view(name) });
      }
      throw new HttpError(405, 'method not allowed');
    }
    throw new HttpError(404, 'not found', 'ENOENT');
  }

  // the first scan of a large directory is the slowest (cold caches, unoptimised code): not for the first page
  setImmediate(() => {
    try {
      scan.snapshot();
    } catch { /* reported when a request needs it */ }
  });

  const server = createServer({
    keepAlive: true, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  }, (req, res) => {
    // every response is in the budget, streams or not (a page asset or a log read is up to a few MiB)
    const h = budget.add({ queued: () => res.writableLength, drop: () => res.destroy() });
    res.on('close', () => h.close());
    handle(req, res, h).catch((e: unknown) => {
      let status: number;
      let message: string;
      let code: string | undefined;
      if (e instanceof HttpError) ({ status, message, code } = e);
      else {
        code = (e as NodeJS.ErrnoException).code;
        status = statusOf(code);
        message = status === 500 ? errnoText(e) : (e as Error).message;
      }
      if (res.headersSent) return void res.destroy();
      sendJson(res, status, { error: message, code: code ?? null });
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  limitConnections(server, MAX_CONNECTIONS_PER_ADDRESS, MAX_CONNECTIONS, opts.warn ?? (() => undefined));

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n${status === 401 ? 'www-authenticate: Basic realm="default"\r\n' : ''}\r\n`);
    };
    const role = roleOf(req, opts);
    if (!hostAllowed(req, opts) || !originAllowed(req)) return refuse(403, 'Forbidden');
    if (!role) return refuse(401, 'Unauthorized');
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/services\/([^/]+)\/console$/.exec(url.pathname);
    if (!m) return refuse(404, 'Not Found');
    if (wss.clients.size >= MAX_CONSOLES) return refuse(503, 'Service Unavailable');
    let held: HeldSocket;
    try {
      held = consoleSocket(scan.ref(decodeURIComponent(m[1]!)).dir);
    } catch {
      return refuse(404, 'Not Found');
    }
    const readOnly = role !== 'operator' || url.searchParams.get('readonly') === '1';
    socket.once('close', held.release); // the upgrade may never complete
    wss.handleUpgrade(req, socket, head, (ws) => bridgeConsole(ws, held, readOnly, budget));
  });

  return {
    server,
    async close() {
      for (const e of events.values()) e.closeAll();
      followers.closeAll();
      budget.closeAll();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
