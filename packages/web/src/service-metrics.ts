/**
 * Prometheus /metrics with prom-client: one gauge family per service property (label `service`),
 * read from the scan directory at each scrape, plus prom-client's default process metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ScanState } from './scan-state.js';
import type { ServiceView } from './service-view.js';

type Row = [name: string, help: string, value: (v: ServiceView) => number | null];

const ROWS: Row[] = [
  ['svkit_service_up', '1 when the service process is running', (v) => (v.up ? 1 : 0)],
  ['svkit_service_pid', 'pid of the service process, 0 when none', (v) => v.pid],
  ['svkit_service_start_time_seconds', 'unix time the service process started (0 when down)', (v) => (v.up ? v.since : 0)],
  ['svkit_service_state_change_time_seconds', 'unix time of the last start or exit', (v) => v.since],
  ['svkit_service_last_exit_code', 'exit code of the last run (-1 when killed by a signal)', (v) => (v.lastExit ? (v.lastExit.code ?? -1) : null)],
  ['svkit_service_ready', '1 when the service is ready (notification-fd; up counts as ready without it)', (v) => (v.ready === null ? null : v.ready ? 1 : 0)],
  ['svkit_service_gave_up', '1 when the supervisor gave up after max-quick-deaths', (v) => (v.gaveUp ? 1 : 0)],
  ['svkit_service_backoff', '1 while a restart is delayed by restart-factor', (v) => (v.backoff ? 1 : 0)],
  ['svkit_service_want_up', '1 when the supervisor wants the service up', (v) => (v.want === 'up' ? 1 : 0)],
  ['svkit_service_supervised', '1 when a supervise runs for the service', (v) => (v.state === 'unknown' ? 0 : 1)],
];

/** A registry serving the services of `scan` and this process's metrics. */
export function serviceRegistry(scan: ScanState): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // gauges named like counters, which `promtool check metrics` warns about; the same values come
  // without the suffix as nodejs_active_handles, nodejs_active_requests, nodejs_active_resources
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  new Counter({
    name: 'svkit_service_restarts_total',
    help: 'restarts counted by the supervisor (svkit supervise only)',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.reset();
      for (const v of scan.snapshot()) if (v.restarts !== null && Number.isFinite(v.restarts)) this.inc({ service: v.name }, v.restarts);
    },
  });
  for (const [name, help, value] of ROWS) {
    new Gauge({
      name,
      help,
      labelNames: ['service'],
      registers: [registry],
      collect() {
        this.reset();
        for (const v of scan.snapshot()) {
          const x = value(v);
          // views are checked (extra-check.ts); a number that is still not one is left out, not a 500
          if (x !== null && Number.isFinite(x)) this.set({ service: v.name }, x);
        }
      },
    });
  }
  new Gauge({
    name: 'svkit_services',
    help: 'number of services in the scan directory',
    registers: [registry],
    collect() {
      this.set(scan.snapshot().length);
    },
  });
  return registry;
}
