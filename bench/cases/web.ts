/**
 * svweb: the dashboard's page load with 1000 services in Chromium (first paint, all rows shown),
 * the server's memory and CPU with that page open, and 50 clients tailing one log at once (the
 * delay from a line's write to its arrival, and the server's CPU meanwhile). Ours only: nothing
 * in Debian serves these pages.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { BenchCase, CaseContext } from '../bench-case.js';
import { onCleanup } from '../cleanup.js';
import { idleCpuMs } from '../idle-cpu.js';
import { pssKb } from '../pss.js';
import { withScanTree } from '../scan-tree.js';
import { makeService, makeServices, sleepRun } from '../service-dir.js';
import { sleep, waitFor } from '../sleep.js';
import { median } from '../stats.js';
import { below, type Row } from '../table.js';
import { ours } from '../tools.js';

const CHROMIUM = '/usr/bin/chromium';
const TAILS = 50;
const LOAD_REPS = 3;

/** Starts svweb on `scan` (any port); resolves with its pid and URL; stopped by the returned function. */
async function startWeb(scan: string): Promise<{ pid: number; url: string; stop(): Promise<void> }> {
  const child = spawn(ours('svweb'), ['-p', '0', scan], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const unregister = onCleanup(stop);
  await waitFor(() => /listening on http:\/\/\S+\//.test(err) || child.exitCode !== null, 20000, 'svweb listening');
  const m = /listening on (http:\/\/\S+)\//.exec(err);
  if (!m) throw new Error(`svweb did not start: ${err}`);
  return { pid: child.pid!, url: m[1]!, stop: async () => { await stop(); await unregister(); } };
}

/** Opens `n` SSE log tails of `name`; each line `mark NS` arriving yields its delay in ms. */
function openTails(url: string, name: string, n: number, delays: number[]): AbortController {
  const ac = new AbortController();
  for (let i = 0; i < n; i++) {
    void (async () => {
      const r = await fetch(`${url}/api/services/${name}/log/stream?lines=0`, { signal: ac.signal });
      const dec = new TextDecoder();
      let buf = '';
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let k;
        while ((k = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, k);
          buf = buf.slice(k + 2);
          const now = Date.now();
          for (const m of ev.matchAll(/mark (\d{19})/g)) delays.push(now - Number(BigInt(m[1]!) / 1000000n));
        }
      }
    })().catch(() => undefined);
  }
  return ac;
}

async function pageLoad(ctx: CaseContext, url: string, n: number): Promise<{ fcp: number; rows: number }[]> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const out = [];
    for (let i = 0; i < LOAD_REPS; i++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(url + '/');
      await page.waitForFunction((k) => (globalThis as any).document.querySelectorAll('#rows tr').length >= k, n, { timeout: 60000 });
      // the page marks the moment its table holds every row (the first full list arrived and was built)
      const rows = await page.evaluate(() => performance.getEntriesByName('svweb:rows')[0]?.startTime ?? NaN);
      const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
      ctx.log(`  page load ${n} services: first paint ${fcp.toFixed(0)} ms, all rows ${rows.toFixed(0)} ms`);
      out.push({ fcp, rows });
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
  }
}

/** The web case. */
export const webCase: BenchCase = {
  name: 'web',
  aliases: ['svweb'],
  needs: [],
  method:
    'Our svscan with N `sleep` services (1000; 100 quick) and one service writing `mark <ns>` every 100 ms through multilog; ' +
    `svweb on it. Page: Chromium (playwright-core, ${LOAD_REPS} loads) from navigation to first-contentful-paint and until every row is in the table. ` +
    'The \'all rows\' time is the page\'s `svweb:rows` performance mark, taken once every row is in the table. Server: PSS and CPU of svweb over the idle interval with one page open (live updates running). Tails: 50 SSE clients ' +
    '(Node fetch, the stream a browser\'s log pane uses) on the same log for the idle interval: delay from the line\'s `date +%s%N` ' +
    'to its arrival at each client, and svweb\'s CPU meanwhile.',
  async run(ctx) {
    const n = ctx.config.quick ? 100 : 1000;
    const seconds = ctx.config.quick ? 5 : 20;
    const setup = (scan: string): void => {
      makeServices(scan, n, sleepRun(1000000));
      const d = makeService(scan, 'talker', '#!/bin/sh\nexec 2>&1\nwhile :; do echo "mark $(date +%s%N)"; sleep 0.1; done\n');
      makeService(d, 'log', `#!/bin/sh\nexec ${ours('multilog')} t ./main\n`);
    };
    return withScanTree('ours', 'web', setup, async (tree, scan) => {
      await tree.waitUp(undefined, 120000);
      const web = await startWeb(scan);
      try {
        const rows: Row[] = [];
        if (existsSync(CHROMIUM)) {
          const loads = await pageLoad(ctx, web.url, n + 1);
          rows.push({ name: `web: page first paint, ${n} services`, unit: 'ms', ours: median(loads.map((l) => l.fcp)), theirs: undefined, goal: below(500, 'ms'), detail: `Chromium, median of ${LOAD_REPS}` });
          rows.push({ name: `web: page has all ${n} services in its table`, unit: 'ms', ours: median(loads.map((l) => l.rows)), theirs: undefined, goal: below(1500, 'ms'), detail: `Chromium, median of ${LOAD_REPS}` });
        } else ctx.log('bench: web: /usr/bin/chromium missing: no page rows (apt-get install chromium)');

        // one open page keeps the live updates going
        const { chromium } = await import('playwright-core');
        const browser = existsSync(CHROMIUM) ? await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] }) : undefined;
        try {
          if (browser) await (await browser.newPage()).goto(web.url + '/');
          await sleep(3000);
          const cpu = await idleCpuMs(() => [web.pid], seconds);
          const pss = pssKb(web.pid) / 1024;
          ctx.log(`  svweb: ${pss.toFixed(1)} MB PSS, ${(cpu / seconds / 10).toFixed(2)} % CPU with ${n} services and ${browser ? 'one page open' : 'no page'}`);
          rows.push({ name: `web: svweb PSS, ${n} services, one page open`, unit: 'MB', ours: pss, theirs: undefined, goal: below(100, 'MB'), detail: '' });
          rows.push({ name: `web: svweb CPU, ${n} services, one page open`, unit: '%', ours: cpu / seconds / 10, theirs: undefined, goal: below(5, '%'), detail: `over ${seconds} s` });
        } finally {
          await browser?.close();
        }

        const delays: number[] = [];
        const ac = openTails(web.url, 'talker', TAILS, delays);
        await sleep(2000);
        delays.length = 0;
        const cpu = await idleCpuMs(() => [web.pid], seconds);
        ac.abort();
        const lag = median(delays);
        ctx.log(`  ${TAILS} tails: ${delays.length} lines delivered, median delay ${lag.toFixed(0)} ms, svweb ${(cpu / seconds / 10).toFixed(2)} % CPU`);
        rows.push({ name: `web: ${TAILS} clients tail one log, line delay`, unit: 'ms', ours: lag, theirs: undefined, goal: below(500, 'ms'), detail: `median of ${delays.length}` });
        rows.push({ name: `web: ${TAILS} clients tail one log, svweb CPU`, unit: '%', ours: cpu / seconds / 10, theirs: undefined, goal: below(10, '%'), detail: `10 lines/s, over ${seconds} s` });
        return rows;
      } finally {
        await web.stop();
      }
    });
  },
};
