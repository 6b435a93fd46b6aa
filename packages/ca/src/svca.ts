/** svca: a Channel Access server for the services of scan directories (IOC control PVs). */
import { realpathSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT_USAGE, processIo, runMain, type Io } from '@svkit/diag';
import { AccessPolicy, splitList } from './access.js';
import type { Endpoint } from './beacon.js';
import { CaServer, DEFAULT_MAX_CIRCUITS, DEFAULT_MAX_QUEUE } from './ca-server.js';
import { PvRegistry } from './pv-registry.js';
import { ServicePvs } from './service-pvs.js';

/** svca's own default port (IOCs keep 5064). */
export const DEFAULT_PORT = 5070;

interface Opts {
  prefix: string;
  port: number;
  interfaces: string;
  beaconAddrs?: string;
  autoBeacons: boolean;
  beaconPort: number;
  beaconPeriod: number;
  ignoreAddrs?: string;
  readOnly: boolean;
  writeHosts?: string;
  writeUsers?: string;
  interval: number;
  maxQueue: number;
  maxClients: number;
}

function intArg(lo: number, hi: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) throw new InvalidArgumentError(`not a number from ${lo} to ${hi}`);
    return Number(v);
  };
}

/** Runs svca with `argv` (without node and script); resolves when SIGTERM/SIGINT ends it. */
export async function main(argv: string[], io: Io = processIo, signal?: AbortSignal): Promise<number> {
  return runMain('svca', io, async (e) => {
    const env = io.env;
    const program = new Command('svca')
      .description('Channel Access server: {PREFIX}:MAN:{NAME}_control, _hb, _status... for every service of the scan directories')
      .argument('[dir...]', 'scan directories (default .)')
      .option('-p, --prefix <prefix>', 'PV name prefix (env SVCA_PREFIX)', env.SVCA_PREFIX || 'SVKIT')
      .option('--port <port>', 'UDP and TCP port (env EPICS_CAS_SERVER_PORT)', intArg(0, 65535), Number(env.EPICS_CAS_SERVER_PORT || DEFAULT_PORT))
      .option('--interfaces <addrs>', 'addresses to bind, space or comma separated (env EPICS_CAS_INTF_ADDR_LIST)', env.EPICS_CAS_INTF_ADDR_LIST || '127.0.0.1')
      .option('--beacon-addrs <addrs>', 'beacon destinations [host[:port]] (env EPICS_CAS_BEACON_ADDR_LIST)', env.EPICS_CAS_BEACON_ADDR_LIST)
      .option('--no-auto-beacons', 'no beacons to the bound interfaces (env EPICS_CAS_AUTO_BEACON_ADDR_LIST=NO)')
      .option('--beacon-port <port>', 'beacon port (env EPICS_CAS_BEACON_PORT)', intArg(1, 65535), Number(env.EPICS_CAS_BEACON_PORT || 5065))
      .option('--beacon-period <s>', 'longest beacon interval in seconds (env EPICS_CAS_BEACON_PERIOD)', intArg(1, 3600), Math.round(Number(env.EPICS_CAS_BEACON_PERIOD || 15)) || 15)
      .option('--ignore-addrs <addrs>', 'client IPs whose searches and connections are ignored (env EPICS_CAS_IGNORE_ADDR_LIST)', env.EPICS_CAS_IGNORE_ADDR_LIST)
      .option('--read-only', 'refuse every write (env SVCA_READ_ONLY=1)', env.SVCA_READ_ONLY === '1')
      .option('--write-hosts <hosts>', 'only these client host names or IPs may write (env SVCA_WRITE_HOSTS)', env.SVCA_WRITE_HOSTS)
      .option('--write-users <users>', 'only these client user names may write (env SVCA_WRITE_USERS)', env.SVCA_WRITE_USERS)
      .option('--interval <ms>', 'how often status files are polled where supervise/ has no inotify watch, ms', intArg(10, 60000), 200)
      .option('--max-queue <bytes>', 'per-client send queue limit, bytes', intArg(65536, 1 << 30), DEFAULT_MAX_QUEUE)
      .option('--max-clients <n>', 'most clients at once', intArg(1, 100000), DEFAULT_MAX_CIRCUITS)
      .exitOverride()
      .configureOutput({
        writeOut: (s) => io.out(s),
        writeErr: (s) => io.err(s),
        outputError: (s, write) => write(`svca: usage: ${s.replace(/^error: /, '')}`),
      });
    if (env.EPICS_CAS_AUTO_BEACON_ADDR_LIST?.toUpperCase() === 'NO') argv = [...argv, '--no-auto-beacons'];
    try {
      program.parse(argv, { from: 'user' });
    } catch (err) {
      if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
      throw err;
    }
    const o = program.opts<Opts>();
    const dirs = program.args.length ? program.args : ['.'];
    for (const [what, n] of [['port', o.port], ['beacon port', o.beaconPort]] as const) {
      if (!Number.isInteger(n) || n < 0 || n > 65535) e.dieUsage(`bad ${what} (check EPICS_CAS_SERVER_PORT / EPICS_CAS_BEACON_PORT)`);
    }
    if (!/^[A-Za-z0-9_\-:.]{1,100}$/.test(o.prefix)) e.dieUsage(`bad prefix ${o.prefix}`);
    const addrs = splitList(o.interfaces);
    for (const a of addrs) if (!isIPv4(a)) e.dieUsage(`bad interface address ${a} (IPv4 only)`);
    const ignore = splitList(o.ignoreAddrs ?? '');
    for (const a of ignore) if (!isIPv4(a)) e.dieUsage(`bad address to ignore ${a} (IPv4 only)`);
    const access = new AccessPolicy({
      readOnly: o.readOnly,
      writeHosts: o.writeHosts !== undefined ? splitList(o.writeHosts) : undefined,
      writeUsers: o.writeUsers !== undefined ? splitList(o.writeUsers) : undefined,
    });
    const remote = addrs.filter((a) => !a.startsWith('127.'));
    if (remote.length && !access.restricted) {
      e.dieUsage(`refusing to listen on ${remote.join(' ')} with writes open to anyone: give --read-only, --write-hosts or --write-users`);
    }
    let beacons: Endpoint[];
    try {
      beacons = beaconTargets(o.beaconAddrs ? splitList(o.beaconAddrs) : [], o.autoBeacons ? addrs : [], o.beaconPort);
    } catch (err) {
      return e.dieUsage((err as Error).message);
    }
    let self: string | undefined;
    try { self = realpathSync('.'); } catch { /* none */ }

    const registry = new PvRegistry();
    const pvs = new ServicePvs(registry, { dirs, prefix: o.prefix, intervalMs: o.interval, excludeFromAll: self, onWarn: (t) => e.warn(t) });
    const server = new CaServer(registry, {
      port: o.port, addrs, beacons, beaconPeriodMs: o.beaconPeriod * 1000, access,
      maxQueue: o.maxQueue, maxCircuits: o.maxClients, ignore, onWarn: (t) => e.warn(t),
    });
    try {
      await server.start();
    } catch (err) {
      return e.dieSys(`unable to listen on ${addrs.join(' ')} port ${o.port}`, err);
    }
    pvs.start();
    io.err(`svca: info: serving ${o.prefix}:MAN:* on ${addrs.join(' ')} port ${server.port}\n`);
    await new Promise<void>((res) => {
      const done = (): void => {
        process.off('SIGTERM', done);
        process.off('SIGINT', done);
        res();
      };
      process.on('SIGTERM', done);
      process.on('SIGINT', done);
      signal?.addEventListener('abort', done);
    });
    pvs.stop();
    server.close();
    return 0;
  });
}

/** Beacon destinations: the listed `host[:port]`s, plus for each bound address its broadcast (or 127.0.0.1). */
export function beaconTargets(list: string[], bound: string[], port: number): Endpoint[] {
  const out = new Map<string, Endpoint>();
  const add = (host: string, p: number): void => void out.set(`${host}:${p}`, { host, port: p });
  for (const item of list) {
    const m = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(item);
    if (!m || !isIPv4(m[1]!) || (m[2] && Number(m[2]) > 65535)) throw new Error(`bad beacon address ${item}`);
    add(m[1]!, m[2] ? Number(m[2]) : port);
  }
  const ifs = Object.values(networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4');
  for (const a of bound) {
    if (a.startsWith('127.')) add('127.0.0.1', port);
    for (const i of ifs) {
      if (!i || i.internal || (a !== '0.0.0.0' && i.address !== a)) continue;
      add(broadcast(i.address, i.netmask), port);
    }
    if (a === '0.0.0.0') add('127.0.0.1', port);
  }
  return [...out.values()];
}

function broadcast(addr: string, mask: string): string {
  const a = addr.split('.').map(Number);
  const m = mask.split('.').map(Number);
  return a.map((x, i) => (x | (~m[i]! & 255)) & 255).join('.');
}
