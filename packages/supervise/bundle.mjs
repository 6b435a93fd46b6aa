// Bundles the start-up-critical clients (svc, svstat, svok) into one file each after `tsc -b`:
// one module to load instead of ~20 keeps them within 1.2x of bare `node -e ''` (see bench/).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: ['svc', 'svstat', 'svok'].map((c) => join(here, 'dist', `${c}.js`)),
  outdir: join(here, 'dist', 'bundle'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
