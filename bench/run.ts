/**
 * npm run bench [CASE...]: measures svkit against Debian's C tools (daemontools, procServ) on this
 * machine and prints a markdown table; a full run also writes bench/RESULTS.md. BENCH_QUICK=1 for
 * a smoke run. Installs nothing: a missing C tool gives a loud note and "n/a" in its rows.
 */
import type { BenchCase, CaseContext } from './bench-case.js';
import { sidesOf } from './bench-case.js';
import { caCase } from './cases/ca.js';
import { controlCase } from './cases/control.js';
import { consoleCase } from './cases/console.js';
import { logCase } from './cases/log.js';
import { memoryCase } from './cases/memory.js';
import { pickupCase } from './cases/pickup.js';
import { restartCase } from './cases/restart.js';
import { scaleCase } from './cases/scale.js';
import { pmtrCase } from './cases/pmtr.js';
import { webCase } from './cases/web.js';
import { cleanupAll, cleanupOnSignals } from './cleanup.js';
import { loadConfig } from './config.js';
import { describeMachine, loadAverage } from './machine.js';
import { RESULTS_PATH, writeResults } from './results-file.js';
import { renderTable, type Row } from './table.js';
import { haveC, theirs } from './tools.js';

/** Every case, in run order. */
export const CASES: BenchCase[] = [memoryCase, scaleCase, pickupCase, restartCase, controlCase, logCase, consoleCase, caCase, pmtrCase, webCase];

const USAGE = `usage: npm run bench [-- CASE...]   (BENCH_QUICK=1 for a smoke run)
cases: ${CASES.map((c) => [c.name, ...c.aliases].join('|')).join(', ')}`;

function pick(args: string[]): BenchCase[] | undefined {
  if (args.length === 0) return CASES;
  const out: BenchCase[] = [];
  for (const a of args) {
    const c = CASES.find((k) => k.name === a || k.aliases.includes(a));
    if (!c) return undefined;
    if (!out.includes(c)) out.push(c);
  }
  return CASES.filter((c) => out.includes(c));
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const cases = pick(argv);
  if (!cases) {
    process.stderr.write(`bench: unknown case\n${USAGE}\n`);
    return 100;
  }
  cleanupOnSignals();
  const config = loadConfig();
  const start = Date.now();
  const loadBefore = loadAverage();
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  log(`bench: ${config.quick ? 'QUICK smoke run' : 'full run'} on ${describeMachine()}; load ${loadBefore}`);
  const rows: Row[] = [];
  const missing = new Set<string>();
  let failed = false;
  for (const c of cases) {
    const absent = c.needs.filter((t) => !haveC(t));
    absent.forEach((t) => missing.add(t));
    if (absent.length) {
      log(`\n!!!!!!!! bench: ${absent.map(theirs).join(', ')} not installed: "${c.name}" runs ours only, theirs is n/a !!!!!!!!`);
      log('!!!!!!!! (apt-get install daemontools procserv; the bench installs nothing itself) !!!!!!!!\n');
    }
    const haveTheirs = absent.length === 0;
    const ctx: CaseContext = { config, haveTheirs, log, sides: (rep) => sidesOf(haveTheirs, rep) };
    log(`bench: ${c.name} ...`);
    const t0 = Date.now();
    try {
      rows.push(...(await c.run(ctx)));
    } catch (e) {
      failed = true;
      log(`bench: ${c.name} FAILED: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await cleanupAll();
    }
    log(`bench: ${c.name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const table = renderTable(rows);
  process.stdout.write(`\n${table}`);
  if (!config.quick && cases === CASES && !failed) {
    writeResults({ date: new Date(start), machine: describeMachine(), loadBefore, loadAfter: loadAverage(), seconds: (Date.now() - start) / 1000, table, cases, missing: [...missing] });
    log(`bench: wrote ${RESULTS_PATH}`);
  } else {
    log('bench: RESULTS.md not written (only a full run of every case without failures writes it)');
  }
  log(`bench: ${((Date.now() - start) / 1000).toFixed(0)} s in all`);
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
