/**
 * svweb as an attacker sees it (issue 20): a local user who can connect to 127.0.0.1 and owns a
 * service directory nobody supervises. Clients that never read, forged supervise files, too many
 * connections, slow requests: each is bounded, and everyone else is still served.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, constants, mkdirSync, openSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS, MAX_MULTICALL, STREAMS_TOTAL } from '@svkit/web/limits';
import { mkfifo } from '../helpers/as-user.js';
import { forgedStatus, rssMb } from '../helpers/hostile-scan.js';
import { haveTool, run, tempDir, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { getJson, scanDir, startWeb } from '../helpers/web.js';

type T = { after(fn: () => Promise<void> | void): void };

/** Number of sockets `pid` holds (listening one included). */
function socketFds(pid: number): number {
  let n = 0;
  for (const f of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${f}`).startsWith('socket:')) n++;
    } catch { /* closed meanwhile */ }
  }
  return n;
}

/**
 * A raw request that reads the response's first bytes and then never reads again (its socket
 * paused). Resolves with the socket and the status once they came; rejects when the server closes first.
 */
function stalledRequest(t: T, port: number, request: string, localAddress = '127.0.0.1'): Promise<{ s: Socket; status: number }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress });
    t.after(() => void s.destroy());
    s.on('error', () => undefined);
    s.on('connect', () => s.write(request));
    s.once('data', (d: Buffer) => {
      s.pause();
      const m = /^HTTP\/1\.1 (\d+) /.exec(d.toString('latin1'));
      if (m) resolve({ s, status: Number(m[1]) });
      else reject(new Error(`not an HTTP answer: ${d.toString('latin1', 0, 40)}`));
    });
    s.once('close', () => reject(new Error('closed before any answer')));
  });
}

/** A GET of `path` as stalledRequest; rejects unless it is answered 200. */
async function stalledGet(t: T, port: number, path: string, localAddress = '127.0.0.1'): Promise<Socket> {
  const r = await stalledRequest(t, port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, localAddress);
  if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
  return r.s;
}

/** A GET whose body is read as it comes; keeps only its size and its last bytes. */
function follow(t: T, url: string): Promise<{ bytes(): number; tail(): string; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      let bytes = 0;
      let tail = '';
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        tail = (tail + d.toString('latin1')).slice(-200);
      });
      res.on('error', () => undefined);
      resolve({ bytes: () => bytes, tail: () => tail, res });
    });
    req.on('error', reject);
    t.after(() => void req.destroy());
  });
}

/** One GET on a fresh connection from `localAddress`: its status, or 0 when the connection was closed without one. */
function statusFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, localAddress }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

test('/logtail: clients that never read cost svweb a bounded amount of memory and are dropped once stuck; readers get every line', async (t) => {
  const LOGS = 16;
  const STALLED_PER_LOG = 2;
  const MB_PER_LOG = 24;
  const { dir: root, cleanup } = tempDir('svweb-');
  t.after(cleanup);
  const scan = join(root, 's');
  const logs: string[] = [];
  for (let i = 0; i < LOGS; i++) {
    const dir = makeService(scan, `spew${i}`, 'exec sleep 1000', { 'log/main/current': 'first line\n' });
    logs.push(join(dir, 'log/main/current'));
  }
  const web = await startWeb(t, [scan]);
  const fds0 = socketFds(web.pid);
  const stalled: Socket[] = [];
  for (let i = 0; i < LOGS; i++) {
    // supervisorctl's tail -f, and the page's live log (SSE)
    for (let k = 0; k < STALLED_PER_LOG; k++) stalled.push(await stalledGet(t, web.port, k % 2 ? `/api/services/spew${i}/log/stream` : `/logtail/spew${i}`));
  }
  const readers = await Promise.all(logs.map((_, i) => follow(t, `${web.url}/logtail/spew${i}`)));
  const before = rssMb(web.pid);

  // each log grows by MB_PER_LOG MB of 100-byte lines, then an end mark
  const line = `spew ${'x'.repeat(94)}\n`;
  const mb = Buffer.from(line.repeat(Math.ceil((1024 * 1024) / line.length)));
  for (const p of logs) {
    for (let m = 0; m < MB_PER_LOG; m++) appendFileSync(p, mb);
    appendFileSync(p, 'END OF SPEW\n');
  }
  await waitFor(() => readers.every((r) => r.tail().includes('END OF SPEW\n')), 300000, 'every reader saw the end of its log');
  const after = rssMb(web.pid);
  t.diagnostic(`svweb RSS ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB after ${LOGS * MB_PER_LOG} MB of logs with ${stalled.length} clients that never read`);
  for (const r of readers) assert.ok(r.bytes() >= MB_PER_LOG * 1024 * 1024, 'a reader got its whole log');
  // the old svweb queued every byte of every log for its stalled clients (~400 MB here); what grows
  // now is V8's garbage from the readers' 384 MB, collected when it needs the room
  assert.ok(after - before < 100, `svweb grew by ${(after - before).toFixed(1)} MB (from ${before.toFixed(1)} MB) with ${stalled.length} clients that never read`);

  // the stuck clients are disconnected (their queues stayed full): svweb's sockets go back to what they were
  for (const r of readers) r.res.destroy();
  await waitFor(() => socketFds(web.pid) <= fds0, 180000, `svweb closed the ${stalled.length} stuck connections`);
});

/** A pid no process has here: the forged records name it. */
const FORGED_PID = 4194301;

/** state.json as svkit's supervisor writes it, with `o` changed. */
const stateJson = (o: Record<string, unknown>): string => JSON.stringify({
  state: 'up', pid: FORGED_PID, want: 'up', since: Date.now(), ready: true, readySince: null, lastExit: null,
  restarts: 0, quickDeaths: 0, gaveUp: false, nextStart: null, backoff: false, notifies: false, ...o,
});

/** Each way one service directory's supervise/ files can be broken or hostile (files written in `sup`). */
const FORGERIES: Record<string, (sup: string) => void> = {
  'restarts-string': (d) => writeFileSync(join(d, 'state.json'), stateJson({ restarts: 'abc' })),
  'restarts-negative': (d) => writeFileSync(join(d, 'state.json'), stateJson({ restarts: -5 })),
  'restarts-fraction': (d) => writeFileSync(join(d, 'state.json'), stateJson({ restarts: 1.5 })),
  'quickdeaths-huge': (d) => writeFileSync(join(d, 'state.json'), stateJson({ quickDeaths: 1e300 })),
  'since-infinite': (d) => writeFileSync(join(d, 'state.json'), `{"pid":${FORGED_PID},"state":"up","since":1e999}`),
  'lastexit-string': (d) => writeFileSync(join(d, 'state.json'), stateJson({ lastExit: 'boom' })),
  'lastexit-types': (d) => writeFileSync(join(d, 'state.json'), stateJson({ lastExit: { code: 'x', signal: {}, at: 'y' } })),
  'state-html': (d) => writeFileSync(join(d, 'state.json'), stateJson({ state: '<b>up</b>', want: 7 })),
  'ready-string': (d) => writeFileSync(join(d, 'state.json'), stateJson({ ready: 'yes', notifies: 'x', nextStart: {} })),
  'not-json': (d) => writeFileSync(join(d, 'state.json'), `{"pid":${FORGED_PID},`),
  'array': (d) => writeFileSync(join(d, 'state.json'), `[${FORGED_PID}]`),
  'null': (d) => writeFileSync(join(d, 'state.json'), 'null'),
  'deep': (d) => writeFileSync(join(d, 'state.json'), '['.repeat(30000) + ']'.repeat(30000)),
  'huge': (d) => writeFileSync(join(d, 'state.json'), stateJson({ pad: 'x'.repeat(8 * 1024 * 1024) })),
  'fifo': (d) => mkfifo(join(d, 'state.json')),
  'link': (d) => symlinkSync('/etc/shadow', join(d, 'state.json')),
  'status-fifo': (d) => {
    writeFileSync(join(d, 'state.json'), stateJson({}));
    mkfifo(join(d, 'status'));
  },
  'status-short': (d) => {
    writeFileSync(join(d, 'state.json'), stateJson({}));
    writeFileSync(join(d, 'status'), 'short');
  },
};

test('forged supervise files in one unsupervised service: /metrics answers 200 with valid text, that service is unknown everywhere, the others as before', async (t) => {
  const { scan, root } = scanDir(t, (s) => makeService(s, 'good', 'exec sleep 1000'));
  // a second scan directory that nobody supervises: its services' supervise/ files are anyone's word
  const u = join(root, 'u');
  const fds: number[] = [];
  t.after(() => fds.forEach((fd) => closeSync(fd)));
  for (const [name, forge] of Object.entries(FORGERIES)) {
    const sup = join(makeService(u, name, 'exec sleep 1000'), 'supervise');
    mkdirSync(sup);
    mkfifo(join(sup, 'ok'));
    fds.push(openSync(join(sup, 'ok'), constants.O_RDONLY | constants.O_NONBLOCK)); // "supervise is running"
    forge(sup);
    try {
      writeFileSync(join(sup, 'status'), forgedStatus(FORGED_PID), { flag: 'wx' });
    } catch { /* the forgery made its own */ }
  }
  // names that need escaping in every format
  makeService(u, 'we"ird\\name', 'exec sleep 1000');
  makeService(u, 'line\nbreak', 'exec sleep 1000');
  const forged = Object.keys(FORGERIES);
  const web = await startWeb(t, [scan, u]);

  const list = await waitFor(async () => {
    const j = await getJson(`${web.url}/api/services`);
    return j.services.find((v: any) => v.name === 'good')?.up ? j : null;
  }, 30000, 'good up in the API');
  const byName = new Map<string, any>(list.services.map((v: any) => [v.name, v]));
  assert.equal(byName.size, forged.length + 3);
  for (const name of forged) {
    const v = byName.get(name);
    assert.equal(v.state, 'unknown', `${name}: ${JSON.stringify(v)}`);
    assert.match(v.error, /^unable to (read supervise\/state\.json|read supervise\/status|open supervise\/status)/, name);
    assert.equal(v.restarts, null, name);
    assert.equal((await getJson(`${web.url}/api/services/${encodeURIComponent(name)}`)).state, 'unknown', name);
  }
  for (const v of list.services) {
    for (const k of ['pid', 'since']) assert.ok(Number.isFinite(v[k]), `${v.name}.${k} is a number`);
    for (const k of ['restarts', 'quickDeaths', 'readySince', 'nextStart']) assert.ok(v[k] === null || Number.isFinite(v[k]), `${v.name}.${k}`);
  }
  assert.equal(byName.get('good').pid > 0 && byName.get('good').state, 'up');

  const r = await fetch(`${web.url}/metrics`);
  const text = await r.text();
  assert.equal(r.status, 200, text.slice(0, 200));
  assert.match(text, /^svkit_service_up\{service="good"\} 1$/m);
  assert.match(text, /^svkit_service_restarts_total\{service="good"\} 0$/m);
  assert.match(text, /^svkit_service_supervised\{service="we\\"ird\\\\name"\} 0$/m);
  assert.match(text, /^svkit_service_supervised\{service="line\\nbreak"\} 0$/m);
  for (const name of forged) {
    assert.match(text, new RegExp(`^svkit_service_supervised\\{service="${name}"\\} 0$`, 'm'), name);
    assert.doesNotMatch(text, new RegExp(`^svkit_service_restarts_total\\{service="${name}"\\}`, 'm'), name);
  }
  if (haveTool('/usr/bin/promtool', 'prometheus')) {
    // exit 1: not parseable; 3: lint remarks, here only about prom-client's own nodejs_* gauges
    const check = await run('/usr/bin/promtool', ['check', 'metrics'], { input: text });
    const said = check.stdout + check.stderr;
    assert.ok(check.code === 0 || check.code === 3, `promtool check metrics exited ${check.code}: ${said}`);
    assert.doesNotMatch(said, /error|^svkit_/im, `promtool check metrics: ${said}`);
  }

  // supervisorctl's view: UNKNOWN for each forged one, up for good
  const rpc = await fetch(`${web.url}/RPC2`, {
    method: 'POST', headers: { 'content-type': 'text/xml' },
    body: "<?xml version='1.0'?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>",
  });
  assert.equal(rpc.status, 200);
  const xml = await rpc.text();
  const states = new Map([...xml.matchAll(/<name>name<\/name><value><string>([^<]*)<\/string><\/value><\/member>.*?<name>statename<\/name><value><string>([A-Z]+)</gs)].map((m) => [m[1], m[2]]));
  // good just started: STARTING for supervisord's startsecs (1 s), then RUNNING; never UNKNOWN
  assert.ok(['STARTING', 'RUNNING'].includes(states.get('good') ?? ''), `good is ${states.get('good')}`);
  for (const name of forged) assert.equal(states.get(name), 'UNKNOWN', name);
  assert.equal((await fetch(`${web.url}/`)).status, 200, 'the page');
});

test('connections: past the limit from one address, or in all, they are closed at once; another address is still served, and each again once one closes', async (t) => {
  const { dir: root, cleanup } = tempDir('svweb-');
  t.after(cleanup);
  const scan = join(root, 's');
  makeService(scan, 'quiet', 'exec sleep 1000', { 'log/main/current': 'a line\n' });
  const web = await startWeb(t, [scan]);
  // the attacker holds log tails open (a stream, never idle-closed)
  const held: Socket[] = [];
  for (let i = 0; i < MAX_CONNECTIONS_PER_ADDRESS; i++) held.push(await stalledGet(t, web.port, '/logtail/quiet'));
  assert.equal(await statusFrom(`${web.url}/api/services`, '127.0.0.1'), 0, 'one more from 127.0.0.1 is closed without an answer');
  assert.equal(await statusFrom(`${web.url}/api/services`, '127.0.0.2'), 200, 'another address is served');
  await waitFor(() => /svweb: warning: refusing connections from 127\.0\.0\.1: it has \d+ open \(limit \d+\)\n/.test(web.stderr()), 20000, 'the warning');
  held.pop()!.destroy();
  await waitFor(async () => (await statusFrom(`${web.url}/api/services`, '127.0.0.1')) === 200, 20000, '127.0.0.1 served again after one of its connections closed');

  // in all: the attacker uses other loopback addresses until MAX_CONNECTIONS are open
  for (let a = 2; held.length < MAX_CONNECTIONS; a++) {
    const addr = `127.0.0.${a}`;
    for (let i = 0; i < MAX_CONNECTIONS_PER_ADDRESS && held.length < MAX_CONNECTIONS; i++) held.push(await stalledGet(t, web.port, '/logtail/quiet', addr));
  }
  assert.equal(await statusFrom(`${web.url}/api/services`, '127.0.0.200'), 0, 'a new address is closed without an answer too');
  await waitFor(() => /svweb: warning: refusing connections: \d+ open \(limit \d+\)\n/.test(web.stderr()), 20000, 'the warning about the total');
  held.pop()!.destroy();
  await waitFor(async () => (await statusFrom(`${web.url}/api/services`, '127.0.0.200')) === 200, 20000, 'served again after one connection closed');
});

/** A connection that sends `first`, then one byte of `more` per second; `closed()` once the server closed it. */
function trickle(t: T, port: number, first: string, more: string): { closed(): boolean; answer(): string } {
  const s = connect(port, '127.0.0.1');
  let closed = false;
  let answer = '';
  let i = 0;
  const timer = setInterval(() => {
    if (!closed && more) s.write(more[i++ % more.length]!);
  }, 1000);
  t.after(() => {
    clearInterval(timer);
    s.destroy();
  });
  s.on('connect', () => first && s.write(first));
  s.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
  s.on('error', () => undefined);
  s.on('close', () => {
    closed = true;
    clearInterval(timer);
  });
  return { closed: () => closed, answer: () => answer };
}

test('slow clients: a connection that sends nothing, headers trickled (slowloris), a body trickled: each is closed', async (t) => {
  const { dir: root, cleanup } = tempDir('svweb-');
  t.after(cleanup);
  const scan = join(root, 's');
  makeService(scan, 'svc', 'exec sleep 1000');
  const web = await startWeb(t, [scan]);
  const silent = trickle(t, web.port, '', '');
  const headers = trickle(t, web.port, `GET /api/services HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nX-Slow: `, 'abcdefgh');
  const body = trickle(t, web.port, `POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n<`, 'methodCall');
  // headers in 10 s and whole requests in 30 s (limits.ts), checked every second; the old svweb took
  // up to 60 s for headers and 300 s for a body (Node's defaults): each wait leaves twice the time
  await waitFor(() => silent.closed() && headers.closed(), 25000, 'the silent and the slow-header connections closed');
  assert.match(headers.answer(), /^HTTP\/1\.1 408 /);
  await waitFor(() => body.closed(), 70000, 'the slow-body connection closed');
  assert.equal((await fetch(`${web.url}/api/services`)).status, 200, 'svweb still serves');
});

test('XML-RPC: a body past the limit is refused with 413, a multicall past its limit and a call nested too deep are faults', async (t) => {
  const { dir: root, cleanup } = tempDir('svweb-');
  t.after(cleanup);
  const scan = join(root, 's');
  makeService(scan, 'svc', 'exec sleep 1000');
  const web = await startWeb(t, [scan]);
  const call = (body: string): Promise<Response> => fetch(`${web.url}/RPC2`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  const big = `<?xml version='1.0'?><methodCall><methodName>supervisor.getPID</methodName><params><param><value><string>${'x'.repeat(300 * 1024)}</string></value></param></params></methodCall>`;
  assert.equal((await call(big)).status, 413);

  const one = '<value><struct><member><name>methodName</name><value><string>supervisor.getPID</string></value></member></struct></value>';
  const multi = (n: number): string => `<?xml version='1.0'?><methodCall><methodName>system.multicall</methodName><params><param><value><array><data>${one.repeat(n)}</data></array></value></param></params></methodCall>`;
  let r = await call(multi(MAX_MULTICALL));
  assert.equal(r.status, 200);
  assert.doesNotMatch(await r.text(), /<fault>/, 'a multicall at the limit is answered');
  r = await call(multi(MAX_MULTICALL + 1));
  assert.match(await r.text(), /<fault>[\s\S]*at most \d+ calls in one multicall/);

  const deep = `<?xml version='1.0'?><methodCall><methodName>system.listMethods</methodName><params><param>${'<value><array><data>'.repeat(40)}${'</data></array></value>'.repeat(40)}</param></params></methodCall>`;
  r = await call(deep);
  assert.equal(r.status, 200);
  assert.match(await r.text(), /<fault>[\s\S]*nested/i);
  assert.equal((await call(multi(1))).status, 200, 'svweb still answers');
});

test('console: a browser that floods typing into a console that never reads, and browsers that never read a console that spews, cost a bounded amount; the stuck ones are dropped', async (t) => {
  const { dir: root, cleanup } = tempDir('svweb-');
  t.after(cleanup);
  const scan = join(root, 's');
  const dir = makeService(scan, 'ioc', 'exec sleep 1000');
  // the attacker's own "procserv": a console socket that never reads, and spews when told to
  let spew = false;
  const consoles: Socket[] = [];
  const chunk = Buffer.alloc(64 * 1024, 'y');
  const server = createServer((s) => {
    consoles.push(s);
    s.pause();
    s.on('error', () => undefined);
    const pump = (): void => {
      while (spew && !s.destroyed && s.writableLength < 8 * 1024 * 1024) s.write(chunk);
      if (spew && !s.destroyed) setTimeout(pump, 10);
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(join(dir, 'console'), r));
  t.after(() => {
    for (const s of consoles) s.destroy();
    server.close();
  });
  const web = await startWeb(t, [scan]);
  const open = async (): Promise<WebSocket> => {
    const ws = new WebSocket(`ws://127.0.0.1:${web.port}/api/services/ioc/console`, { origin: `http://127.0.0.1:${web.port}` });
    ws.on('error', () => undefined);
    t.after(() => ws.terminate());
    await new Promise((r, j) => { ws.once('open', r); ws.once('unexpected-response', () => j(new Error('console refused'))); });
    return ws;
  };

  // typing: 64 KiB frames as long as svweb takes them
  const typist = await open();
  const before = rssMb(web.pid);
  const key = Buffer.alloc(64 * 1024, 'k');
  let sent = 0;
  while (sent < 256 * 1024 * 1024 && typist.bufferedAmount < 8 * 1024 * 1024) {
    typist.send(key);
    sent += key.length;
    if (typist.bufferedAmount > 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
  }
  const afterTyping = rssMb(web.pid);
  t.diagnostic(`typing: ${(sent / 1048576).toFixed(0)} MB sent before svweb pushed back; svweb RSS ${before.toFixed(1)} -> ${afterTyping.toFixed(1)} MB`);
  assert.ok(afterTyping - before < 48, `svweb grew by ${(afterTyping - before).toFixed(1)} MB while a console did not read ${(sent / 1048576).toFixed(0)} MB of typing`);
  typist.terminate();

  // output: 8 browsers that never read while their consoles spew
  spew = true;
  const watchers = [];
  for (let i = 0; i < 8; i++) {
    const ws = await open();
    ws.pause();
    watchers.push(ws);
  }
  await waitFor(() => consoles.length === 9 && consoles.slice(1).every((s) => s.destroyed || s.writableLength >= 4 * 1024 * 1024), 60000, 'svweb stopped reading the spewing consoles');
  const afterSpew = rssMb(web.pid);
  t.diagnostic(`output: svweb RSS ${before.toFixed(1)} -> ${afterSpew.toFixed(1)} MB with 8 stuck browsers`);
  // 8 queues of 256 KiB, and V8's garbage from the output that went through
  assert.ok(afterSpew - before < 100, `svweb grew by ${(afterSpew - before).toFixed(1)} MB with 8 browsers that never read`);
  await waitFor(() => consoles.slice(1).every((s) => s.destroyed || s.readableEnded || s.closed), 180000, 'svweb dropped the stuck browsers and closed their consoles');
});

test('responses to clients that never read: all together stay under the budget, past it svweb answers 503 and other clients are served again once it drains', async (t) => {
  const { dir: root, cleanup } = tempDir('svweb-');
  t.after(cleanup);
  const scan = join(root, 's');
  // a log whose every byte becomes 5 in XML (&amp;): a 1 MiB read is a 5 MiB answer
  makeService(scan, 'amp', 'exec sleep 1000', { 'log/main/current': '&'.repeat(1024 * 1024 - 1) + '\n' });
  const web = await startWeb(t, [scan]);
  const body = "<?xml version='1.0'?><methodCall><methodName>supervisor.readProcessStdoutLog</methodName><params>"
    + '<param><value><string>amp</string></value></param><param><value><int>0</int></value></param><param><value><int>1048576</int></value></param></params></methodCall>';
  const rpc = `POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const before = rssMb(web.pid);
  const statuses: number[] = [];
  for (const addr of ['127.0.0.1', '127.0.0.2']) {
    for (let i = 0; i < MAX_CONNECTIONS_PER_ADDRESS; i++) statuses.push((await stalledRequest(t, web.port, rpc, addr)).status);
  }
  const during = rssMb(web.pid);
  const ok = statuses.filter((x) => x === 200).length;
  t.diagnostic(`${ok} answered, ${statuses.length - ok} refused; svweb RSS ${before.toFixed(1)} -> ${during.toFixed(1)} MB`);
  assert.deepEqual(statuses.filter((x) => x !== 200 && x !== 503), [], 'each is answered or refused with 503');
  // what is queued: at most the budget and the one answer that went past it (the old svweb answered all 128, ~600 MB)
  const answer = 5 * 1024 * 1024;
  assert.ok(ok >= 1 && ok <= Math.ceil(STREAMS_TOTAL / answer) + 1, `${ok} answers of 5 MiB queued at once`);
  // the stuck ones are dropped: svweb answers again, and gives the memory back (the old one kept it all)
  await waitFor(async () => (await statusFrom(`${web.url}/api/services`, '127.0.0.3')) === 200, 180000, 'svweb answers again');
  await waitFor(() => rssMb(web.pid) - before < 40, 180000, `svweb's memory back near ${before.toFixed(1)} MB (it was ${during.toFixed(1)} MB)`);
});
