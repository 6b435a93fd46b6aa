import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { haveTool, run, start, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { scanDir, startWeb } from '../helpers/web.js';

const PROMETHEUS = '/usr/bin/prometheus';

/** A TCP port free right now on 127.0.0.1 (prometheus needs one given). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

test('/metrics: prom-client text that Debian\'s prometheus scrapes; a query returns each service\'s up', { skip: !haveTool(PROMETHEUS, 'prometheus') }, async (t) => {
  const { scan, root } = scanDir(t, (s) => {
    makeService(s, 'running', 'exec sleep 1000');
    makeService(s, 'stopped', 'exec sleep 1000', { down: '' });
  });
  const web = await startWeb(t, ['-u', 'prom', '--password', 'scrape', scan]);
  const auth = { authorization: `Basic ${Buffer.from('prom:scrape').toString('base64')}` };
  const text = await waitFor(async () => {
    const b = await (await fetch(`${web.url}/metrics`, { headers: auth })).text();
    return /svkit_service_up\{service="running"\} 1/.test(b) ? b : null;
  }, 20000, 'running up in /metrics');
  assert.match(text, /^svkit_service_up\{service="stopped"\} 0$/m);
  assert.match(text, /^svkit_service_pid\{service="running"\} [1-9]\d*$/m);
  assert.match(text, /^svkit_service_start_time_seconds\{service="running"\} 1\d{9}/m);
  assert.match(text, /^svkit_service_restarts_total\{service="running"\} 0$/m);
  assert.match(text, /^svkit_service_gave_up\{service="running"\} 0$/m);
  assert.match(text, /^svkit_service_backoff\{service="running"\} 0$/m);
  assert.match(text, /^svkit_service_ready\{service="running"\} 1$/m);
  assert.match(text, /^process_resident_memory_bytes \d+/m);
  assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  assert.match(text, /^# TYPE svkit_service_restarts_total counter$/m, 'restarts are a counter');
  // promtool's lint: no warning (prom-client's nodejs_active_*_total gauges are left out)
  const lint = await run('/usr/bin/promtool', ['check', 'metrics'], { input: text });
  assert.deepEqual({ code: lint.code, said: (lint.stdout + lint.stderr).trim() }, { code: 0, said: '' });

  const port = await freePort();
  const conf = join(root, 'prometheus.yml');
  writeFileSync(conf, [
    'global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: svweb',
    '    basic_auth: { username: prom, password: scrape }',
    `    static_configs: [ { targets: ['127.0.0.1:${web.port}'] } ]`, '',
  ].join('\n'));
  const prom = start(PROMETHEUS, [`--config.file=${conf}`, `--storage.tsdb.path=${join(root, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`]);
  t.after(() => prom.stop());
  const result = await waitFor(async () => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('svkit_service_up')}`);
    const j = (await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    return j.data.result.length === 2 ? j.data.result : null;
  }, 60000, 'prometheus has scraped svweb');
  const up = Object.fromEntries(result.map((x) => [x.metric.service, x.value[1]]));
  assert.deepEqual(up, { running: '1', stopped: '0' });
  assert.equal(result[0]!.metric.job, 'svweb');
});
