// Serves web/ on localhost with the headers the lab is designed for: the strict CSP, .wasm as
// application/wasm and Access-Control-Allow-Origin: * (so sandboxed frames, origin null, can load
// the module scripts and the wasm), gzip when the client accepts it. No dependencies.
//   node web/serve.mjs [--port 5173] [--host 127.0.0.1]   (or BNLAB_PORT / BNLAB_HOST, as npm start)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.dirname(fileURLToPath(import.meta.url));
const served = [/^\/index\.html$/, /^\/styles\.css$/, /^\/favicon\.svg$/, /^\/src\/[\w/.-]+\.js$/, /^\/generated\/[\w.-]+\.(mjs|js|wasm|html|bin)$/, /^\/embed-demo\.html$/];
const types = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json',
};
// The one source of the lab's CSP is the <meta http-equiv="Content-Security-Policy"> in index.html;
// the server sends the same policy as a header (which also covers the scripts and the wasm).
export function readCsp(html = fs.readFileSync(path.join(root, 'index.html'), 'utf8')) {
  const match = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
  if (!match) throw new Error('web/index.html has no Content-Security-Policy meta tag');
  return match[1];
}
export const csp = readCsp();

// gzip for text and wasm (the wasm shrinks ~3x); each file compressed once per modification time.
const compressible = new Set(['.html', '.css', '.js', '.mjs', '.wasm', '.svg', '.json']);
const gzipCache = new Map();
function gzipped(file, body, mtimeMs) {
  const hit = gzipCache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.body;
  const gz = zlib.gzipSync(body, { level: 9 });
  gzipCache.set(file, { mtimeMs, body: gz });
  return gz;
}
const acceptsGzip = (req) => /\bgzip\b/.test(String(req.headers['accept-encoding'] || ''));

export function createServer({ quiet = false } = {}) {
  return http.createServer((req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (pathname === '/') pathname = '/index.html';
    const file = path.join(root, pathname);
    if (!served.some((re) => re.test(pathname)) || !file.startsWith(root + path.sep) || pathname.includes('..')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    fs.readFile(file, (error, body) => {
      if (error) {
        const missing = pathname.startsWith('/generated/') ? ' (build the wasm first: npm run build)' : '';
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found${missing}`);
        if (!quiet && missing) console.warn(`missing ${pathname}${missing}`);
        return;
      }
      const headers = {
        'Content-Type': types[path.extname(file)] || 'application/octet-stream',
        'Content-Security-Policy': csp,
        'Access-Control-Allow-Origin': '*',
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      };
      let payload = body;
      if (compressible.has(path.extname(file))) {
        headers.Vary = 'Accept-Encoding';
        if (acceptsGzip(req)) {
          let mtimeMs = 0;
          try {
            mtimeMs = fs.statSync(file).mtimeMs;
          } catch {
            mtimeMs = -1;
          }
          payload = gzipped(file, body, mtimeMs);
          headers['Content-Encoding'] = 'gzip';
        }
      }
      headers['Content-Length'] = payload.length;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : payload);
    });
  });
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const host = arg('host', process.env.BNLAB_HOST || '127.0.0.1');
  const port = Number(arg('port', process.env.BNLAB_PORT || 5173));
  const server = createServer();
  server.on('error', (error) => {
    console.error(`cannot serve on ${host}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    const { port: actual } = server.address();
    if (!fs.existsSync(path.join(root, 'generated', 'bnlab.mjs'))) console.warn('web/generated/bnlab.mjs is missing: run `npm run build` first.');
    console.log(`BN Lab is running at http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}/  (Ctrl+C to stop)`);
  });
}
