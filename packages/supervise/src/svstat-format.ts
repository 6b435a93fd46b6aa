/**
 * Formats the svstat line for one service, word for word as daemontools 0.76, plus svkit's extras,
 * each appearing only when the service uses the matching file: `, ready N seconds` (notification-fd),
 * `, finishing` (finish), `, backoff N seconds` (restart-factor), `, gave up after N quick deaths`
 * (max-quick-deaths).
 */
import type { ServiceStatus } from '@svkit/protocol/service-status';

/** The text after `DIR: ` for a readable status, `nowSec` being the current unix time. */
export function formatStatusLine(s: ServiceStatus, nowSec: number): string {
  const age = Math.max(0, Math.floor(nowSec - s.when.sec));
  let line = s.pid ? `up (pid ${s.pid}) ${age} seconds` : `down ${age} seconds`;
  if (s.pid && s.normallyDown) line += ', normally down';
  if (!s.pid && !s.normallyDown) line += ', normally up';
  if (s.pid && s.paused) line += ', paused';
  if (!s.pid && s.want === 'u') line += ', want up';
  if (s.pid && s.want === 'd') line += ', want down';
  const x = s.extra;
  if (x) {
    if (s.pid && x.ready && x.readySince !== null) line += `, ready ${Math.max(0, Math.floor(nowSec - x.readySince / 1000))} seconds`;
    if (!s.pid && x.state === 'finishing') line += ', finishing';
    if (!s.pid && x.state === 'starting' && x.backoff && x.nextStart !== null) {
      line += `, backoff ${Math.max(0, Math.ceil(x.nextStart / 1000 - nowSec))} seconds`;
    }
    if (!s.pid && x.gaveUp) line += `, gave up after ${x.quickDeaths} quick deaths`;
  }
  return line;
}
