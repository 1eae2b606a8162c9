import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/**
 * The dashboard: static pages (HTML, CSS, plain ES modules) that call the same /api/v1
 * with the user's token, so a page shows exactly what the API gives that identity. The
 * pages hold no data and need no authentication themselves; every number comes from an
 * authenticated API call. Nothing is fetched from outside the server (no CDN, no fonts).
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Scripts only from this server; SVG charts and RDKit drawings carry inline presentation
 * attributes (style-src 'unsafe-inline'); depictions are shown from blob: URLs (the image
 * request itself needs the Authorization header, which an <img src> cannot send).
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The assets folder: src/web/assets in a checkout or a package (the compiled module lives in dist/src/web). */
export function assetsDir(): string {
  for (const rel of ['./assets/', '../../../src/web/assets/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error('the dashboard assets (src/web/assets) are missing from this installation');
}

/** Reads every asset once at start-up: a request can only ever get one of these files. */
function loadAssets(dir: string): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  const walk = (sub: string) => {
    for (const e of readdirSync(dir + sub, { withFileTypes: true })) {
      const rel = sub + e.name;
      if (e.isDirectory()) walk(`${rel}/`);
      else if (TYPES[extname(e.name)]) files.set(rel, { type: TYPES[extname(e.name)]!, body: readFileSync(dir + rel) });
    }
  };
  walk('');
  return files;
}

/** A buildServer plugin: the dashboard at / and its files under /assets/. */
export function dashboardPlugin(o: { dir?: string } = {}) {
  return (app: FastifyInstance): void => {
    const assets = loadAssets(o.dir ?? assetsDir());
    const index = assets.get('index.html')!;
    const headers = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache' };
    app.get('/', async (_req, reply) => reply.headers(headers).type(index.type).send(index.body));
    app.get('/assets/*', async (req, reply) => {
      const file = assets.get((req.params as { '*': string })['*']);
      if (!file) return reply.status(404).send({ error: { code: 'unknown_route', message: `no dashboard file ${req.url}` } });
      return reply.headers(headers).type(file.type).send(file.body);
    });
  };
}
