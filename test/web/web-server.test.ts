import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { fixture, ours, run, tempDir, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { control, getJson, LOG_RUN, OUR_ENV, scanDir, startWeb } from '../helpers/web.js';

/** A service that prints a numbered line every 50 ms into its multilog. */
const TALKER = 'exec 2>&1\ni=0\nwhile :; do i=$((i+1)); echo "talker line $i"; sleep 0.05; done';
const LOCAL_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} /;

/** Raw GET with a chosen Host header (fetch cannot set it). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('svweb JSON API: list, one service, log tail with local times, control letters like svc', async (t) => {
  const { scan } = scanDir(t, (s) => {
    makeService(s, 'talker', TALKER, { 'log/run': LOG_RUN });
    makeService(s, 'idle', 'exec sleep 1000', { down: '' });
    makeService(s, '.hidden', 'exec sleep 1000');
  });
  const web = await startWeb(t, [scan]);
  const first = await waitFor(async () => {
    const j = await getJson(`${web.url}/api/services`);
    return j.services.length === 2 && j.services[1].up && j.services[0].state === 'down' ? j : null;
  }, 20000, 'both services listed, talker up');
  assert.deepEqual(first.services.map((s: any) => s.name), ['idle', 'talker']);
  assert.equal(first.readOnly, false);
  const talker = first.services[1];
  assert.ok(talker.pid > 0 && talker.want === 'up' && talker.normallyUp === true && talker.restarts === 0);
  assert.equal(first.services[0].normallyUp, false);

  const one = await getJson(`${web.url}/api/services/talker`);
  assert.equal(one.pid, talker.pid);

  // the log, times converted as tai64nlocal does
  const log = await waitFor(async () => {
    const j = await getJson(`${web.url}/api/services/talker/log?lines=5`);
    return j.lines.length === 5 ? j : null;
  }, 20000, 'five log lines');
  for (const l of log.lines) assert.match(l, new RegExp(LOCAL_TIME.source + 'talker line \\d+$'));

  // control: letters and actions, as svc
  let r = await control(web.url, 'idle', { action: 'up' });
  assert.equal(r.status, 200);
  await waitFor(async () => (await getJson(`${web.url}/api/services/idle`)).up, 20000, 'idle up');
  r = await control(web.url, 'idle', { letters: 'dd' });
  assert.deepEqual([(r.status), ((await r.json()) as any).letters], [200, 'd']);
  await waitFor(async () => (await getJson(`${web.url}/api/services/idle`)).state === 'down', 20000, 'idle down');
  const before = talker.pid;
  r = await control(web.url, 'talker', { action: 'restart' });
  assert.equal(r.status, 200);
  await waitFor(async () => { const v = await getJson(`${web.url}/api/services/talker`); return v.up && v.pid !== before; }, 20000, 'talker restarted');

  // errors: bad letters, x (would stop the supervisor), unknown action, unknown service
  for (const body of [{ letters: 'z' }, { letters: 'x' }, { action: 'explode' }, {}]) {
    r = await control(web.url, 'talker', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(((await r.json()) as any).code, 'EINVAL');
  }
  r = await control(web.url, 'nosuch', { action: 'up' });
  assert.equal(r.status, 404);
});

test('svweb refuses names outside the scan directory, cross-site control and foreign Host names', async (t) => {
  const { scan, root } = scanDir(t, (s) => {
    makeService(s, 'talker', TALKER, { 'log/run': LOG_RUN });
  });
  // a service whose log is a planted link to a secret file: never read
  writeFileSync(join(root, 'secret'), 'SECRET\n');
  makeService(scan, 'sneaky', 'exec sleep 1000'); // log/ without run: no multilog replaces the link
  mkdirSync(join(scan, 'sneaky', 'log', 'main'), { recursive: true });
  symlinkSync(join(root, 'secret'), join(scan, 'sneaky', 'log', 'main', 'current'));
  const web = await startWeb(t, [scan]);
  await waitFor(async () => (await getJson(`${web.url}/api/services/talker`)).up, 20000, 'talker up');

  for (const p of ['/api/services/..', '/api/services/%2e%2e', '/api/services/..%2Fs%2Ftalker', '/api/services/%2Fetc', '/logtail/..%2Fsecret', '/api/services/.hidden/log']) {
    const r = await fetch(web.url + p);
    assert.equal(r.status, 404, p);
  }
  const secret = await fetch(`${web.url}/api/services/sneaky/log`);
  assert.notEqual(secret.status, 200);
  assert.doesNotMatch(await secret.text(), /SECRET/);
  assert.equal((await fetch(`${web.url}/logtail/sneaky`)).status, 500);

  // CSRF: no custom header, a foreign Origin, a form content type
  const pid = (await getJson(`${web.url}/api/services/talker`)).pid;
  const bad = [
    fetch(`${web.url}/api/services/talker/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"letters":"d"}' }),
    control(web.url, 'talker', { letters: 'd' }, { origin: 'http://evil.example' }),
    fetch(`${web.url}/api/services/talker/control`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-svweb-control': '1' }, body: '{"letters":"d"}' }),
    fetch(`${web.url}/RPC2`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '<methodCall><methodName>supervisor.stopAllProcesses</methodName></methodCall>' }),
  ];
  for (const r of await Promise.all(bad)) assert.equal(r.status, 403);
  // DNS rebinding: a foreign Host name gets nothing
  assert.equal(await getWithHost(`${web.url}/api/services`, 'evil.example:9001'), 403);
  assert.equal(await getWithHost(`${web.url}/api/services`, `localhost:${web.port}`), 200);
  const still = await getJson(`${web.url}/api/services/talker`);
  assert.equal(still.pid, pid, 'nothing was stopped');
  assert.equal(still.want, 'up');
});

test('svweb --read-only serves the page, API and metrics but no control', async (t) => {
  const { scan } = scanDir(t, (s) => makeService(s, 'talker', TALKER, { 'log/run': LOG_RUN }));
  const web = await startWeb(t, ['--read-only', scan]);
  await waitFor(async () => (await getJson(`${web.url}/api/services/talker`)).up, 20000, 'talker up');
  const j = await getJson(`${web.url}/api/services`);
  assert.equal(j.readOnly, true);
  const r = await control(web.url, 'talker', { letters: 'd' });
  assert.equal(r.status, 403);
  assert.equal(((await r.json()) as any).code, 'EROFS');
  assert.equal((await fetch(`${web.url}/`)).status, 200);
  assert.match(await (await fetch(`${web.url}/metrics`)).text(), /svkit_service_up\{service="talker"\} 1/);
  assert.equal((await getJson(`${web.url}/api/services/talker`)).want, 'up');
});

test('svweb basic auth: operator, viewer, and no listening beyond loopback without it', async (t) => {
  const { scan, root } = scanDir(t, (s) => makeService(s, 'talker', TALKER, { 'log/run': LOG_RUN }));
  const refused = await run(ours('svweb'), ['-l', '0.0.0.0', '-p', '0', scan], { env: OUR_ENV });
  assert.equal(refused.code, 100);
  assert.match(refused.stderr, /^svweb: fatal: refusing to listen on 0\.0\.0\.0 without authentication/);
  const usage = await run(ours('svweb'), ['--bogus'], { env: OUR_ENV });
  assert.equal(usage.code, 100);
  writeFileSync(join(root, 'pw'), 'secret\n');
  const web = await startWeb(t, ['-l', '0.0.0.0', '-u', 'admin', '--password-file', join(root, 'pw'), '--viewer', 'guest:look', scan]);
  const url = `http://127.0.0.1:${web.port}`;
  const basic = (u: string, p: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
  const anon = await fetch(`${url}/api/services`);
  assert.equal(anon.status, 401);
  assert.equal(anon.headers.get('www-authenticate'), 'Basic realm="default"');
  assert.equal((await fetch(`${url}/api/services`, { headers: basic('admin', 'wrong') })).status, 401);
  assert.equal((await fetch(`${url}/metrics`)).status, 401);
  await waitFor(async () => (await getJson(`${url}/api/services/talker`, basic('admin', 'secret'))).up, 20000, 'talker up');
  const asViewer = await getJson(`${url}/api/services`, basic('guest', 'look'));
  assert.equal(asViewer.readOnly, true);
  assert.equal((await control(url, 'talker', { letters: 'd' }, basic('guest', 'look'))).status, 403);
  const r = await control(url, 'talker', { letters: 'd' }, basic('admin', 'secret'));
  assert.equal(r.status, 200);
  await waitFor(async () => !(await getJson(`${url}/api/services/talker`, basic('admin', 'secret'))).up, 20000, 'talker down');
});

test('svweb over a directory nobody supervises: state unknown with svstat\'s words, control answers 409 as svc warns', async (t) => {
  const { dir: root, cleanup } = tempDir('svweb-');
  t.after(cleanup);
  const scan = join(root, 's');
  makeService(scan, 'orphan', 'exec sleep 1000');
  const web = await startWeb(t, [scan]);
  const v = await getJson(`${web.url}/api/services/orphan`);
  assert.equal(v.state, 'unknown');
  assert.match(v.error, /^unable to (chdir|open supervise\/ok)|supervise not running/);
  const r = await control(web.url, 'orphan', { action: 'up' });
  assert.equal(r.status, 409);
  assert.match(((await r.json()) as any).error, new RegExp(`^unable to control ${scan}/orphan: `));
});

test('console WebSocket: same origin only, names checked, typing reaches the procserv child, ?readonly=1 only watches', async (t) => {
  const { scan } = scanDir(t, (s) => {
    makeService(s, 'ioc', `exec 2>&1\nexec procserv -f -L - -n ioc unix:./console ${fixture('procserv-echo')}`);
    makeService(s, 'plain', 'exec sleep 1000');
  });
  const web = await startWeb(t, [scan]);
  await waitFor(async () => (await getJson(`${web.url}/api/services/ioc`)).console, 20000, 'console socket present');
  const wsUrl = (name: string, q = ''): string => `ws://127.0.0.1:${web.port}/api/services/${name}/console${q}`;
  /** Resolves with the HTTP status of a refused upgrade, or 101. */
  const upgradeStatus = (url: string, origin?: string): Promise<number> => new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('open', () => { resolve(101); ws.close(); });
    ws.on('error', () => undefined);
  });
  assert.equal(await upgradeStatus(wsUrl('ioc'), 'http://evil.example'), 403, 'cross-site WebSocket hijacking refused');
  assert.equal(await upgradeStatus(wsUrl('plain')), 404, 'no console socket');
  assert.equal(await upgradeStatus(wsUrl('..%2Fioc')), 404);
  assert.equal(await upgradeStatus(wsUrl('%2E%2E')), 404);

  const attach = (q: string): { ws: WebSocket; text(): string; opened: Promise<void> } => {
    const ws = new WebSocket(wsUrl('ioc', q), { origin: `http://127.0.0.1:${web.port}` });
    let out = '';
    ws.on('message', (d: Buffer, bin: boolean) => { if (bin) out += d.toString(); });
    t.after(() => ws.terminate());
    return { ws, text: () => out, opened: new Promise((r) => ws.on('open', () => r())) };
  };
  const viewer = attach('?readonly=1');
  const op = attach('');
  await Promise.all([viewer.opened, op.opened]);
  await waitFor(() => /ready \d+/.test(op.text()), 20000, 'scrollback replayed');
  viewer.ws.send('from the viewer\r');
  op.ws.send('from the operator\r');
  await waitFor(() => /got: from the operator/.test(viewer.text()), 20000, 'the viewer sees the answer to the operator');
  assert.doesNotMatch(op.text() + viewer.text(), /got: from the viewer/);
});
