import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { fixture, haveTool, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { getJson, LOG_RUN, scanDir, startWeb } from '../helpers/web.js';

// page functions run in the browser; this test project has no DOM types
declare const document: any;
type HTMLElement = any;

const CHROMIUM = '/usr/bin/chromium';
const TALKER = 'exec 2>&1\ni=0\nwhile :; do i=$((i+1)); echo "talker line $i"; sleep 0.1; done';
const SKIP = !haveTool(CHROMIUM, 'chromium');

async function browser(t: { after(fn: () => Promise<void>): void }): Promise<Browser> {
  const b = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  t.after(() => b.close());
  return b;
}

test('dashboard in Chromium: lists the services, restart changes the pid, new log lines appear, filter narrows the list', { skip: SKIP }, async (t) => {
  const { scan } = scanDir(t, (s) => {
    makeService(s, 'talker', TALKER, { 'log/run': LOG_RUN });
    makeService(s, 'sleeper', 'exec sleep 1000');
    makeService(s, 'idle', 'exec sleep 1000', { down: '' });
  });
  const web = await startWeb(t, [scan]);
  const pidOf = async (n: string): Promise<number> => (await getJson(`${web.url}/api/services/${n}`)).pid;
  await waitFor(async () => (await pidOf('talker')) && (await pidOf('sleeper')), 20000, 'services up');
  const page = await (await browser(t)).newPage({ viewport: { width: 1400, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(web.url + '/');

  // every service, with its state and pid
  await page.waitForSelector('tr[data-name=idle]');
  const names = await page.$$eval('#rows tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.name));
  assert.deepEqual(names, ['idle', 'sleeper', 'talker']);
  const pid = await pidOf('sleeper');
  await page.waitForFunction((p) => document.querySelector('tr[data-name=sleeper] td.pid')?.textContent === String(p), pid);
  assert.equal(await page.textContent('tr[data-name=idle] td.state'), 'down');

  // restart: the pid shown changes to the new process's
  await page.click('tr[data-name=sleeper] button[data-action=restart]');
  const newPid = await waitFor(async () => { const p = await pidOf('sleeper'); return p && p !== pid ? p : 0; }, 20000, 'sleeper restarted');
  await page.waitForFunction((p) => document.querySelector('tr[data-name=sleeper] td.pid')?.textContent === String(p), newPid, { timeout: 20000 });
  assert.equal(await page.textContent('tr[data-name=sleeper] td.restarts'), '1');

  // up button on a down service: live update without reload
  await page.click('tr[data-name=idle] button[data-action=up]');
  await page.waitForFunction(() => document.querySelector('tr[data-name=idle] td.state')?.textContent === 'up', undefined, { timeout: 20000 });

  // live log: open the service; lines written after the page got the tail appear, times as tai64nlocal shows them
  await page.click('tr[data-name=talker] td.name');
  await page.waitForSelector('#log .line');
  const lastShown = async (): Promise<number> => Math.max(0, ...(await page.$$eval('#log .line', (ls) => ls.map((l) => Number(/talker line (\d+)$/.exec(l.textContent ?? '')?.[1] ?? 0)))));
  const n0 = await lastShown();
  await waitFor(async () => (await lastShown()) >= n0 + 10, 20000, 'ten more log lines');
  const line = await page.textContent('#log .line:last-child');
  assert.match(line ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} talker line \d+$/);

  // filter
  await page.fill('#search', 'sle');
  await page.waitForFunction(() => [...document.querySelectorAll('#rows tr')].filter((tr) => !(tr as HTMLElement).hidden).length === 1);
  assert.equal(await page.isVisible('tr[data-name=sleeper]'), true);
  assert.equal(await page.isVisible('tr[data-name=talker]'), false);

  // a hidden tab closes its streams (browsers share 6 connections per server among tabs) and reopens them when shown
  const setHidden = (hidden: boolean): Promise<void> => page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { value: h, configurable: true });
    document.dispatchEvent(new (globalThis as any).Event('visibilitychange'));
  }, hidden);
  await setHidden(true);
  assert.match((await page.textContent('#conn')) ?? '', /paused/);
  await setHidden(false);
  await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live', undefined, { timeout: 20000 });
  const n1 = await lastShown();
  await waitFor(async () => (await lastShown()) >= n1 + 5, 20000, 'the log follows again');
  assert.deepEqual(errors, []);
});

test('browser console: xterm.js over a WebSocket to procserv; typing reaches the child, its answer shows; viewers only watch', { skip: SKIP }, async (t) => {
  const { scan } = scanDir(t, (s) => {
    makeService(s, 'ioc', `exec 2>&1\nexec procserv -f -L - -n ioc unix:./console ${fixture('procserv-echo')}`);
  });
  const web = await startWeb(t, ['-u', 'op', '--password', 'pw', '--viewer', 'guest:look', scan]);
  const b = await browser(t);
  const auth = { authorization: `Basic ${Buffer.from('op:pw').toString('base64')}` };
  await waitFor(async () => (await getJson(`${web.url}/api/services/ioc`, auth)).console, 20000, 'console socket present');

  const ctx = await b.newContext({ httpCredentials: { username: 'op', password: 'pw' }, viewport: { width: 1400, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${web.url}/#ioc`);
  await page.waitForSelector('.tab[data-tab=console]:not([disabled])');
  await page.click('.tab[data-tab=console]');
  await page.waitForFunction(() => /typing goes to the console/.test(document.getElementById('console-status')?.textContent ?? ''), undefined, { timeout: 20000 });
  const screen = (p = page): Promise<string> => p.$eval('#console .xterm-rows', (e) => (e as HTMLElement).innerText);
  await waitFor(async () => /ready \d+/.test(await screen()), 20000, 'scrollback replayed');
  await page.click('#console');
  await page.keyboard.type('hello from chromium\r');
  await waitFor(async () => /got: hello from chromium/.test(await screen()), 20000, 'the child answered');

  // a viewer's console is read-only: its typing never reaches the child
  const vctx = await b.newContext({ httpCredentials: { username: 'guest', password: 'look' }, viewport: { width: 1400, height: 800 } });
  const vpage = await vctx.newPage();
  await vpage.goto(`${web.url}/#ioc`);
  await vpage.waitForSelector('.tab[data-tab=console]:not([disabled])');
  await vpage.click('.tab[data-tab=console]');
  await vpage.waitForFunction(() => /read-only/.test(document.getElementById('console-status')?.textContent ?? ''), undefined, { timeout: 20000 });
  assert.equal(await vpage.isVisible('tr[data-name=ioc] button[data-action=restart]'), false, 'no buttons for viewers');
  await vpage.click('#console');
  await vpage.keyboard.type('viewer typed this\r');
  // the operator types after the viewer: once the operator's answer shows, the viewer's line would have been answered first
  await page.keyboard.type('operator again\r');
  await waitFor(async () => /got: operator again/.test(await screen(vpage)), 20000, 'the viewer sees the operator\'s answer');
  assert.doesNotMatch(await screen(vpage), /got: viewer typed this/);
  assert.doesNotMatch(await screen(page), /got: viewer typed this/);
});
