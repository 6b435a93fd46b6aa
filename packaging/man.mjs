// Writes a man page for every command in package.json's "bin" into dist/man/man1/NAME.1, installed
// by npm from package.json's "man" list (npm ignores "directories.man" when it installs a tarball):
// a command missing there is added to package.json here, with a note to commit the change. The one source is the command's own `--help` output: its first
// paragraph (`usage: ...`, also `Usage:` as commander prints it) is the SYNOPSIS, the rest the
// DESCRIPTION. NAME's one-line summary (what whatis and apropos show) is SUMMARY's: a sentence cut
// out of --help text came out garbled (cut at a comma, or a README table row split at a `|`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dir = join(root, 'dist', 'man', 'man1');
const names = Object.keys(pkg.bin).sort();

/** Escapes text for roff: backslashes, hyphens, and a leading dot or quote. */
const roff = (s) => s.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');

/** Indented lines, option lists and tables keep their layout; prose is filled by man. */
function literal(p) {
  const lines = p.split('\n');
  return lines.length > 1 && lines.some((l) => /^\s/.test(l) || /\s{2,}\S/.test(l.trim()));
}

/**
 * NAME's summary of each command: one short sentence, no period, plain words (no option letters,
 * no `|`), as daemontools' and Debian's pages have them. A command of "bin" missing here stops the
 * build.
 */
export const SUMMARY = {
  envdir: 'runs a program with environment variables set from a directory of files',
  envuidgid: 'runs a program with UID and GID set to an account\'s ids',
  fghack: 'keeps a self-backgrounding program in the foreground for supervision',
  multilog: 'reads a log from standard input and writes it to rotated log directories',
  pgrphack: 'runs a program in a new session and process group',
  pmtr: 'runs the jobs of a pmtr.conf file under svkit supervision',
  procserv: 'runs an interactive program on a pseudo-terminal and serves its console',
  readproctitle: 'shows the last error messages of svscan in its own ps line',
  setlock: 'runs a program holding an exclusive lock on a file',
  setuidgid: 'runs a program as another account',
  softlimit: 'runs a program with lower soft resource limits',
  supervise: 'starts a service and keeps it running',
  svc: 'controls services monitored by supervise',
  svca: 'Channel Access server for the services of scan directories',
  svconserver: 'prints conserver.cf console entries for procserv services',
  svconsole: 'attaches the terminal to a procserv console',
  svinstance: 'adds or removes a service instance made from a template directory',
  svok: 'checks whether supervise is running for a service directory',
  svscan: 'starts and monitors a collection of services',
  svscanboot: 'starts svscan with its errors shown by readproctitle',
  svstat: 'prints the status of services monitored by supervise',
  svweb: 'web dashboard, JSON API, XML-RPC and Prometheus metrics for scan directories',
  tai64n: 'puts a precise timestamp on each line',
  tai64nlocal: 'converts precise TAI64N timestamps to a readable local time',
};

/** The man page of `name` from its --help text. */
export function manPage(name, help, date) {
  const paras = help.replace(/\r/g, '').trimEnd().split(/\n\s*\n/);
  // SYNOPSIS: the usage line and the lines after it that start with the name again
  const head = paras.shift().split('\n');
  const usage = [head.shift().replace(/^\s*usage:\s*/i, '').trim()];
  while (head.length > 0 && new RegExp(`^\\s*${name}\\b`).test(head[0])) usage.push(head.shift().trim());
  if (head.length > 0) paras.unshift(head.join('\n'));
  const summary = SUMMARY[name];
  if (!summary) throw new Error(`man: no NAME summary for ${name}: add it to SUMMARY in packaging/man.mjs`);
  const out = [
    `.TH ${name.toUpperCase()} 1 "${date}" "svkit ${pkg.version}" "svkit"`,
    '.SH NAME',
    `${roff(name)} \\- ${roff(summary)}`,
    '.SH SYNOPSIS',
    ...usage.flatMap((u, i) => (i === 0 ? [`.B ${roff(u)}`] : ['.br', `.B ${roff(u)}`])),
    '.SH DESCRIPTION',
  ];
  for (const p of paras) {
    out.push('.PP');
    if (literal(p)) out.push('.nf', ...p.split('\n').map((l) => roff(l)), '.fi');
    else out.push(roff(p.replace(/\s*\n\s*/g, ' ').trim()));
  }
  out.push('.SH SEE ALSO', names.filter((n) => n !== name).map((n) => `.BR ${n} (1)`).join(',\n'));
  out.push('.PP', `The svkit README (${roff(pkg.homepage ?? 'README.md in the package')}) describes every command in detail.`);
  return `${out.join('\n')}\n`;
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const date = new Date().toISOString().slice(0, 10);
for (const name of names) {
  const r = spawnSync(process.execPath, [join(root, pkg.bin[name]), '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let help = r.stdout;
  if (r.status !== 0) {
    // a command without --help yet: its usage message (`prog: usage: ...` on stderr) is the page
    process.stderr.write(`man: warning: ${name} --help exited ${r.status}: page made from its usage message\n`);
    help = `${r.stderr.replace(new RegExp(`^${name}: `), '')}`;
  }
  writeFileSync(join(dir, `${name}.1`), manPage(name, help, date));
}
process.stdout.write(`man: ${names.length} pages in dist/man/man1\n`);

const want = names.map((n) => `./dist/man/man1/${n}.1`);
if (JSON.stringify(pkg.man) !== JSON.stringify(want)) {
  pkg.man = want;
  writeFileSync(join(root, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  process.stderr.write('man: warning: package.json "man" did not list one page per "bin" command: fixed, commit package.json\n');
}
