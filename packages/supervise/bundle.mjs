// Bundles the start-up-critical clients (svc, svstat, svok) into one file each after `tsc -b`:
// one module to load instead of ~20 keeps them within 1.2x of bare `node -e ''` (see bench/).
// svscan too, for memory: one self-contained module instead of ~30 leaves it about 1 MB less heap
// and 4-5 MB fewer pages of Node's own code touched (the module loader's work per file) for as
// long as it runs. Its copy of early-signals shares its record with the dist/ one that bin/svscan
// imports first (early-signals.ts). svscan-owner-run, the per-owner supervisor root svscan starts
// for each user who owns service directories, for the same reason; svscan finds it beside its own
// bundle (owner-link.ts), and the npm package ships both.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: ['svc', 'svstat', 'svok', 'svscan', 'svscan-owner-run'].map((c) => join(here, 'dist', `${c}.js`)),
  outdir: join(here, 'dist', 'bundle'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
