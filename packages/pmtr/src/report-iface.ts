/**
 * `report to udp://HOST:PORT@IFACE`, checked as pmtr sets it up: the interface must exist, have
 * the MULTICAST flag (`lo` has not) and an IPv4 address, else pmtr's error text. The address is
 * kept in the spec: the reports to that destination go out through the interface (IP_MULTICAST_IF,
 * which steers a multicast HOST) and their header names it (`report HOSTNAME IFACE-IP`).
 * Done at each load (`-t`, start, reload), so a bad interface is a config error with its line.
 */
import { errnoText } from '@svkit/diag';
import { IFF_MULTICAST, interfaceFlags, interfaceIPv4 } from '@svkit/sys';
import type { Config, LineError } from './config-parse.js';

/** strerror's text for the errors these ioctls give (pmtr prints `ioctl: <strerror>`). */
const STRERROR: Record<string, string> = {
  ENODEV: 'No such device',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENAMETOOLONG: 'File name too long',
};

/** Looks up the interface of every `report to ...@IFACE` (setting `ifaceAddr`); returns the errors. */
export function resolveReportInterfaces(config: Config): LineError[] {
  const errors: LineError[] = [];
  for (const r of config.reports) {
    r.ifaceAddr = undefined;
    if (r.iface === undefined) continue;
    try {
      if (!(interfaceFlags(r.iface) & IFF_MULTICAST)) {
        errors.push({ line: r.line, message: `${r.iface} does not multicast` });
        continue;
      }
      r.ifaceAddr = interfaceIPv4(r.iface);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      errors.push({ line: r.line, message: `ioctl: ${STRERROR[code] ?? errnoText(e)}` });
    }
  }
  return errors;
}
