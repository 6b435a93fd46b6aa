// Builds what the npm package ships instead of packages/ (run by `npm pack` through "prepack", after
// the build): one esbuild bundle per command in package.json's "bin", dist/NAME.js, which bin/NAME
// loads when packages/ is absent (except the bundles the build already makes, see SHIPPED). The module a launcher names ('../packages/PKG/dist/FILE.js') is
// the entry; a module another one starts by path (`new URL('./X.js', import.meta.url)`, e.g.
// fghack-child.js) becomes dist/X.js too. koffi and node-pty stay outside, as real dependencies.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const EXTERNAL = ['koffi', 'node-pty'];
/**
 * Bundles the build already makes (packages/supervise/bundle.mjs: svc, svstat, svok, self-contained)
 * are shipped where they are ("files" in package.json): their launchers keep a static import, which
 * starts ~5 ms faster than the fallback's dynamic import (they must start within 1.2x of bare Node).
 */
const SHIPPED = /^packages\/[^/]+\/dist\/bundle\/[^/]+\.js$/;

/** The launcher bin/NAME: the build in packages/ when present (a clone), else the bundle. */
export function launcherText(name, mod) {
  return `#!/usr/bin/env node
// In a clone: the build in packages/; in the npm package (no packages/): the bundle in dist/.
import { existsSync } from 'node:fs';
const src = new URL('../${mod}', import.meta.url);
const { main } = await import(existsSync(src) ? src : new URL('../dist/${name}.js', import.meta.url));
process.exit(await main(process.argv.slice(2)));
`;
}

/**
 * The module bin/NAME runs in a clone, as a path below the root. A launcher in the plain form
 * (`import { main } from '../packages/...'`, which the package cannot run) is rewritten into the
 * form above, with a note to commit it.
 */
export function launcherTarget(name, binPath) {
  const file = join(root, binPath);
  const text = readFileSync(file, 'utf8');
  const m = /'\.\.\/(packages\/[^']+\.js)'/.exec(text);
  if (!m) throw new Error(`${binPath}: no '../packages/.../dist/....js' module in it`);
  if (SHIPPED.test(m[1])) return undefined; // already a bundle, shipped as it is
  if (!text.includes(`'../dist/${name}.js'`)) {
    writeFileSync(file, launcherText(name, m[1]));
    process.stderr.write(`bundle: warning: ${binPath} rewritten to fall back to dist/${name}.js (the package has no packages/): commit it\n`);
  }
  return m[1];
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const entries = new Map(); // output name -> absolute entry path
for (const [name, binPath] of Object.entries(pkg.bin)) {
  const target = launcherTarget(name, binPath);
  if (target) entries.set(name, join(root, target));
}

const done = new Set();
const sizes = [];
while (done.size < entries.size) {
  for (const [name, entry] of entries) {
    if (done.has(name)) continue;
    done.add(name);
    const r = await build({
      entryPoints: [entry],
      outfile: join(out, `${name}.js`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: EXTERNAL,
      // CommonJS dependencies bundled into ESM (commander...) require Node's built-ins: give them require
      banner: { js: "import { createRequire as __svkitRequire } from 'node:module'; const require = __svkitRequire(import.meta.url);" },
      metafile: true,
      logLevel: 'warning',
    });
    sizes.push(`${name} ${Math.round(r.metafile.outputs[Object.keys(r.metafile.outputs)[0]].bytes / 1024)} KiB`);
    for (const input of Object.keys(r.metafile.inputs)) {
      const file = resolve(root, input);
      for (const m of readFileSync(file, 'utf8').matchAll(/new URL\('\.\/([\w-]+)\.js', import\.meta\.url\)/g)) {
        const side = m[1];
        if (!entries.has(side)) entries.set(side, join(dirname(file), `${side}.js`));
      }
    }
  }
}
// svscan-front's source: the package's "install" script (packaging/build-native.mjs) builds it there
cpSync(join(root, 'packages/supervise/native/svscan-front.c'), join(out, 'native/svscan-front.c'));
// svweb's page (its bundle looks for dist/web-assets; xterm.js comes from the package's dependencies)
cpSync(join(root, 'packages/web/assets'), join(out, 'web-assets'), { recursive: true });
process.stdout.write(`bundle: ${entries.size} files in dist/: ${sizes.join(', ')}\n`);
