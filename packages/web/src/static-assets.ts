/**
 * The page's files, served by the server itself (sites run air-gapped: no CDN): our own assets
 * from packages/web/assets and xterm.js from its npm package, read once at start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file: body and content type. */
export interface Asset {
  body: Buffer;
  type: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
};

/** Every asset by URL path. */
export function loadAssets(): Map<string, Asset> {
  // a clone: packages/web/assets; the npm package (one bundle in dist/): dist/web-assets, copied by packaging/bundle.mjs
  const own = [join(here, '..', 'assets'), join(here, 'web-assets')].find((d) => existsSync(d)) ?? join(here, '..', 'assets');
  const xterm = dirname(require.resolve('@xterm/xterm'));
  const fit = require.resolve('@xterm/addon-fit');
  const files: Record<string, string> = {
    '/': join(own, 'index.html'),
    '/assets/app.js': join(own, 'app.js'),
    '/assets/app.css': join(own, 'app.css'),
    '/assets/favicon.svg': join(own, 'favicon.svg'),
    '/assets/xterm.js': join(xterm, 'xterm.js'),
    '/assets/xterm.css': join(xterm, '..', 'css', 'xterm.css'),
    '/assets/addon-fit.js': fit,
  };
  const out = new Map<string, Asset>();
  for (const [url, path] of Object.entries(files)) {
    const ext = path.slice(path.lastIndexOf('.'));
    out.set(url, { body: readFileSync(path), type: TYPES[ext] ?? 'application/octet-stream' });
  }
  return out;
}
