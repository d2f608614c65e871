// Serves web/ on localhost with the headers the lab is designed for: the strict CSP, .wasm as
// application/wasm and Access-Control-Allow-Origin: * (so sandboxed frames, origin null, can load
// the module scripts and the wasm). No dependencies.  node web/serve.mjs [--port 8080] [--host 127.0.0.1]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const served = [/^\/index\.html$/, /^\/styles\.css$/, /^\/favicon\.svg$/, /^\/src\/[\w/.-]+\.js$/, /^\/generated\/[\w.-]+\.(mjs|js|wasm|html|bin)$/, /^\/embed-demo\.html$/];
const types = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json',
};
export const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self'; object-src 'none'; base-uri 'none'";

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
      res.writeHead(200, {
        'Content-Type': types[path.extname(file)] || 'application/octet-stream',
        'Content-Security-Policy': csp,
        'Access-Control-Allow-Origin': '*',
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const host = arg('host', process.env.HOST || '127.0.0.1');
  const port = Number(arg('port', process.env.PORT || 8080));
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
